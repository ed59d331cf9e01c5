import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { PROFILES, SERVER_NAME_PATTERN } from '@tft/contracts';
import { ALL_BUCKET, HORIZON_BUCKETS } from '@tft/forecasting';
import { CommaList } from '../../common/query-params';
import { RECORD_WINDOWS, type RecordWindow } from '../record-windows';

const PROFILE_CHOICES = [...PROFILES, 'unknown'];
const BUCKETS = [...HORIZON_BUCKETS.map((b) => b.name), ALL_BUCKET];

/** GET /accuracy's parameters. */
export class AccuracyQueryDto {
  @ApiPropertyOptional({
    type: String,
    enum: RECORD_WINDOWS,
    default: '24h',
    description: 'The last 24 hourly slices (24h) or 7 daily slices (7d) of data time, the current one included',
  })
  @CommaList(RECORD_WINDOWS, { single: true })
  window?: RecordWindow[];

  @ApiPropertyOptional({
    type: String,
    example: 'database,web_api',
    description: `Only these profiles in \`profiles\` (comma list of ${PROFILE_CHOICES.join(', ')}); default every profile with a record`,
  })
  @CommaList(PROFILE_CHOICES)
  profile?: string[];

  @ApiPropertyOptional({ example: 'ppdb0001', description: "Also this server's own record (`server`)" })
  @IsOptional()
  @Matches(SERVER_NAME_PATTERN, {
    message: ({ value }) => `server: "${String(value).slice(0, 64)}" is not a server name (1-128 letters, digits and ._:-)`,
  })
  server?: string;
}

export class BucketScoreDto {
  @ApiProperty({
    enum: BUCKETS,
    example: '0-30m',
    description: 'Forecast steps ending 0-30 min, 30 min-2 h or 2-8 h after the origin; all: the whole horizon',
  })
  bucket!: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0.061,
    description:
      "The TFT's weighted quantile loss (p10/p50/p90, sums pooled per metric, then the mean over the metrics, as npm run backtest's overall)",
  })
  tft_wql!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 0.074, description: 'Persistence at the same origins, on the same targets' })
  persistence_wql!: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0.09,
    description: 'Seasonal naive (24 h) at the same origins, on the same targets',
  })
  seasonal_naive_wql!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 0.78, description: "Share of actuals inside the TFT's p10-p90 band (ideal 0.8)" })
  coverage_p10_p90!: number | null;
  @ApiProperty({ example: 1440, description: 'Targets scored: closed steps x metrics' })
  n!: number;
  @ApiProperty({ enum: ['persistence', 'seasonal_naive', null], nullable: true, description: 'The baseline with the lower wQL' })
  best_baseline!: string | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0.18,
    description: "1 - tft_wql / the best baseline's wQL: above 0 the TFT is better, below 0 it loses to that baseline",
  })
  skill!: number | null;
}

export class AlertOutcomesDto {
  @ApiProperty({ example: 12, description: 'Alerts that ended and were scored: hit + late + false' })
  fired!: number;
  @ApiProperty({ example: 7, description: 'A breach began within the predicted window, 30 min grace either side' })
  hit!: number;
  @ApiProperty({ example: 2, description: 'The breach began after the window, within 8 h of its end' })
  late!: number;
  @ApiProperty({ example: 3, description: 'No breach by then' })
  false!: number;
  @ApiProperty({ type: Number, nullable: true, example: 0.58, description: 'hit / fired; null before any alert was scored' })
  precision!: number | null;
}

export class RecordBlockDto {
  @ApiProperty({ type: [BucketScoreDto], description: '0-30m, 30m-2h, 2h-8h, then all' })
  buckets!: BucketScoreDto[];
  @ApiProperty({ type: AlertOutcomesDto })
  alerts!: AlertOutcomesDto;
  @ApiProperty({ description: "The TFT's wQL over the whole horizon is above the best baseline's (skill of `all` below 0)" })
  loses_to_baseline!: boolean;
}

export class ProfileRecordDto extends RecordBlockDto {
  @ApiProperty({ enum: PROFILE_CHOICES, example: 'database' })
  profile!: string;
}

export class ServerRecordDto extends RecordBlockDto {
  @ApiProperty({ example: 'ppdb0001' })
  server_name!: string;
}

export class AccuracyDto {
  @ApiProperty({ enum: RECORD_WINDOWS, example: '24h' })
  window!: string;
  @ApiProperty({ example: '2026-11-28T12:00:00Z', format: 'date-time', description: 'Data time the window ends at (the newest sample)' })
  data_time!: string;
  @ApiProperty({ example: 96, description: 'A forecast is scored every this many steps per server (TRACK_RECORD_ORIGIN_EVERY)' })
  origin_every_steps!: number;
  @ApiProperty({ type: RecordBlockDto, description: 'The whole fleet (in cluster mode, every replica)' })
  fleet!: RecordBlockDto;
  @ApiProperty({ type: [ProfileRecordDto], description: 'Per profile, by name' })
  profiles!: ProfileRecordDto[];
  @ApiProperty({ type: ServerRecordDto, nullable: true, description: 'The server asked for; null without `server`' })
  server!: ServerRecordDto | null;
}

/** A server's own record in GET /servers/{name}. */
export class ServerTrackRecordDto {
  @ApiProperty({ type: RecordBlockDto, description: 'The last 24 hourly slices of data time' })
  last_24h!: RecordBlockDto;
  @ApiProperty({ type: RecordBlockDto, description: 'The last 7 daily slices of data time' })
  last_7d!: RecordBlockDto;
}
