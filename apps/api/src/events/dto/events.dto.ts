import { ApiProperty } from '@nestjs/swagger';
import { METRICS } from '@tft/contracts';

/** `event: pass`: a forecast pass published something new. */
export class PassEventDto {
  @ApiProperty({ example: 412, description: 'Publish count since the api started' })
  pass!: number;
  @ApiProperty({ format: 'date-time', example: '2026-11-28T12:05:00Z', description: 'Data time of the pass' })
  prediction_time!: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-28T12:05:03.412Z', description: 'Wall-clock time it was published' })
  published_at!: string;
  @ApiProperty({
    type: [String],
    example: ['ppdb0001'],
    description:
      'Servers whose forecast, alerts or listing changed: refetch GET /servers/{name} for these. At most 500: ' +
      'when `changed_count` is larger, refetch whatever you show',
  })
  changed!: string[];
  @ApiProperty({ example: 1, description: 'How many servers changed (more than `changed` lists when over 500)' })
  changed_count!: number;
  @ApiProperty({ type: [String], example: [], description: 'Servers that left (stale or retired)' })
  removed!: string[];
  @ApiProperty({ example: 18, description: 'Servers whose `current` / `trend` alone moved (not listed)' })
  live_updates!: number;
  @ApiProperty({ example: 20 })
  total_servers!: number;
}

/** `event: alert`: an alert fired, changed severity, or resolved. */
export class AlertEventDto {
  @ApiProperty({ enum: ['firing', 'resolved'] })
  state!: string;
  @ApiProperty({ example: '3f2a9c41d07be581', description: 'The id of GET /alerts/active' })
  id!: string;
  @ApiProperty({ example: 'ppdb0001' })
  server!: string;
  @ApiProperty({ enum: METRICS })
  metric!: string;
  @ApiProperty({ enum: ['warning', 'critical'] })
  severity!: string;
  @ApiProperty({ example: 25 })
  minutes_ahead!: number;
}
