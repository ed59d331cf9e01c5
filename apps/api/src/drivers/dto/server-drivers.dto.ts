import { ApiProperty } from '@nestjs/swagger';

export class InputAttributionDto {
  @ApiProperty({
    example: 'cpu_percent.recent',
    description:
      'The input group: `<metric>.recent` (its last hour), `<metric>.day_ago` (its values 24 h before the horizon), `calendar`, `profile`',
  })
  input!: string;
  @ApiProperty({ example: 'cpu_percent over the last hour' })
  label!: string;
  @ApiProperty({
    example: 12.4,
    description:
      "Mean absolute change of the metric's p50 over the horizon when the group is at its neutral baseline, in the metric's units",
  })
  change!: number;
  @ApiProperty({ example: 0.62, description: "The group's part of all groups' changes for this metric (0 when none moves it)" })
  share!: number;
}

export class MetricAttributionsDto {
  @ApiProperty({ type: [InputAttributionDto], description: 'Largest change first' })
  cpu_percent!: InputAttributionDto[];
  @ApiProperty({ type: [InputAttributionDto] })
  memory_percent!: InputAttributionDto[];
  @ApiProperty({ type: [InputAttributionDto] })
  disk_percent!: InputAttributionDto[];
  @ApiProperty({ type: [InputAttributionDto] })
  load_average!: InputAttributionDto[];
}

export class ServerDriversDto {
  @ApiProperty({ example: 'ppweb0001' })
  server_name!: string;
  @ApiProperty({ enum: ['TFT', 'heuristic'] })
  model!: 'TFT' | 'heuristic';
  @ApiProperty({ type: String, nullable: true, example: '3.0.0' })
  model_version!: string | null;
  @ApiProperty({ example: '2026-11-28T12:00:00Z', format: 'date-time', description: 'The origin of the forecast attributed' })
  forecast_origin!: string;
  @ApiProperty({ description: 'How the attribution is computed, in one line' })
  method!: string;
  @ApiProperty({
    type: MetricAttributionsDto,
    nullable: true,
    description: 'Per forecast metric, what moves it; null for a heuristic forecast (see `reason`)',
  })
  metrics!: MetricAttributionsDto | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why there are no attributions, when there are none' })
  reason!: string | null;
}
