import { ApiProperty } from '@nestjs/swagger';
import { PROFILES } from '@tft/contracts';
import { AlertDto } from '../../alerts/dto/alert.dto';
import { ServerPredictionDto } from '../../predictions/dto/predictions.dto';
import { ServerTrackRecordDto } from '../../track-record/dto/accuracy.dto';

export class HistoryPointDto {
  @ApiProperty({
    example: '2026-11-28T12:00:00Z',
    format: 'date-time',
    description: 'Start of the step',
  })
  timestamp!: string;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 45.2,
    description: 'Mean over the step; null when no sample arrived',
  })
  cpu_percent!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 62.1 })
  memory_percent!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 35.8 })
  disk_percent!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 2.3 })
  load_average!: number | null;
  @ApiProperty({ example: 60, description: 'Samples in the step' })
  samples!: number;
}

export class ServerWarmupDto {
  @ApiProperty()
  is_warmed_up!: boolean;
  @ApiProperty({ example: 12 })
  steps!: number;
  @ApiProperty({ example: 12 })
  threshold!: number;
  @ApiProperty({ example: 100 })
  progress_percent!: number;
}

export class ServerDetailDto {
  @ApiProperty({ example: 'ppml0001' })
  server_name!: string;
  @ApiProperty({ enum: [...PROFILES, null], nullable: true })
  profile!: string | null;
  @ApiProperty({ example: 300 })
  step_seconds!: number;
  @ApiProperty({ type: ServerWarmupDto })
  warmup!: ServerWarmupDto;
  @ApiProperty({
    type: [HistoryPointDto],
    description: 'Closed steps, oldest first',
  })
  history!: HistoryPointDto[];
  @ApiProperty({
    type: HistoryPointDto,
    nullable: true,
    description: 'The step still receiving samples',
  })
  open_step!: HistoryPointDto | null;
  @ApiProperty({
    type: ServerPredictionDto,
    nullable: true,
    description: 'Latest cached forecast',
  })
  forecast!: ServerPredictionDto | null;
  @ApiProperty({ type: [AlertDto] })
  alerts!: AlertDto[];
  @ApiProperty({
    type: ServerTrackRecordDto,
    nullable: true,
    description: "How this server's forecasts and alerts turned out (GET /accuracy?server=): the last 24 h and 7 d",
  })
  track_record!: ServerTrackRecordDto | null;
}

export class ServerSummaryDto {
  @ApiProperty({ example: 'ppml0001' })
  server_name!: string;
  @ApiProperty({ enum: [...PROFILES, null], nullable: true })
  profile!: string | null;
}
