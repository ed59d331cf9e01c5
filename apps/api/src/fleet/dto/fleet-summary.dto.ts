import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { METRICS, PROFILES, type Severity } from '@tft/contracts';
import { CommaList, MAX_PAGE, PageLimit } from '../../common/query-params';
import type { ModelKind } from '../../model/model-provider';
import { EnvironmentDto, ServerRiskDto } from '../../predictions/dto/predictions.dto';
import type { SummaryQuery } from '../../bodies/read-bodies';
import { SUMMARY_SORTS, type SummarySort } from '../../bodies/fleet-summary';

const PROFILE_CHOICES = [...PROFILES, 'unknown'];
const SEVERITY_CHOICES: readonly (Severity | 'none')[] = ['critical', 'warning', 'none'];
const MODEL_CHOICES: readonly ModelKind[] = ['TFT', 'heuristic'];

export class FleetSummaryQueryDto {
  @ApiPropertyOptional({
    type: String,
    enum: SUMMARY_SORTS,
    default: 'risk',
    description:
      'risk: 8-hour then 30-minute incident probability, highest first; alert: critical, then warning, soonest first; ' +
      'name; a metric: its current value, highest first. Ties by name.',
  })
  @CommaList(SUMMARY_SORTS, { single: true })
  sort?: SummarySort[];

  @ApiPropertyOptional({ example: 'db00', description: 'Servers whose name contains this (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  q?: string;

  @ApiPropertyOptional({ type: String, example: 'database,web_api', description: `Comma list of ${PROFILE_CHOICES.join(', ')}` })
  @CommaList(PROFILE_CHOICES)
  profile?: string[];

  @ApiPropertyOptional({
    type: String,
    example: 'critical,warning',
    description: 'Worst active alert: comma list of critical, warning, none',
  })
  @CommaList(SEVERITY_CHOICES)
  severity?: (Severity | 'none')[];

  @ApiPropertyOptional({ type: String, example: 'heuristic', description: 'Comma list of TFT, heuristic' })
  @CommaList(MODEL_CHOICES)
  model?: ModelKind[];

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE,
    example: 100,
    description: `Page size (1..${MAX_PAGE}); default every matching server`,
  })
  @PageLimit()
  limit?: number;

  @ApiPropertyOptional({ description: '`next_cursor` of the previous page (same sort and filters)' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  cursor?: string;

  /** The read model's query: the filters as sets, risk the default order. */
  toQuery(): SummaryQuery {
    const q = this.q?.trim();
    return {
      sort: this.sort?.[0] ?? 'risk',
      ...(q ? { q } : {}),
      ...(this.profile ? { profiles: new Set(this.profile) } : {}),
      ...(this.severity ? { severities: new Set(this.severity) } : {}),
      ...(this.model ? { models: new Set(this.model) } : {}),
      ...(this.limit !== undefined ? { limit: this.limit } : {}),
      ...(this.cursor !== undefined ? { cursor: this.cursor } : {}),
    };
  }
}

export class SummaryWarmupDto {
  @ApiProperty()
  is_warmed_up!: boolean;
  @ApiProperty({ example: 100 })
  progress_percent!: number;
}

export class CurrentValuesDto {
  @ApiProperty({ type: Number, nullable: true, example: 45.2 })
  cpu_percent!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 61.0 })
  memory_percent!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 40.3 })
  disk_percent!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 1.2 })
  load_average!: number | null;
}

export class WorstAlertDto {
  @ApiProperty({ enum: ['warning', 'critical'] })
  severity!: string;
  @ApiProperty({ enum: METRICS })
  metric!: string;
  @ApiProperty({ example: 25 })
  minutes_ahead!: number;
}

export class FleetServerDto {
  @ApiProperty({ example: 'ppdb0001' })
  name!: string;
  @ApiProperty({ enum: [...PROFILES, null], nullable: true, type: String })
  profile!: string | null;
  @ApiProperty({ enum: ['TFT', 'heuristic'] })
  model!: string;
  @ApiProperty({ type: SummaryWarmupDto })
  warmup!: SummaryWarmupDto;
  @ApiProperty({ type: CurrentValuesDto, description: 'Mean of the newest step that has each metric' })
  current!: CurrentValuesDto;
  @ApiProperty({ type: ServerRiskDto })
  risk!: ServerRiskDto;
  @ApiProperty({ type: WorstAlertDto, nullable: true, description: 'The worst firing alert: critical first, then the soonest' })
  alert!: WorstAlertDto | null;
  @ApiProperty({ format: 'date-time', example: '2026-11-28T12:00:00Z' })
  forecast_origin!: string;
}

export class FleetCountsDto {
  @ApiProperty({ example: 20, description: 'Servers with a forecast (reporting ones)' })
  total_servers!: number;
  @ApiProperty({ example: 18 })
  servers_tft!: number;
  @ApiProperty({ example: 2 })
  servers_heuristic!: number;
  @ApiProperty({ example: 2, description: 'Servers whose window is not yet long enough for the TFT' })
  warming_up!: number;
  @ApiProperty({ example: 0, description: 'Servers that stopped reporting (no forecast)' })
  stale_servers!: number;
  @ApiProperty({ example: 1 })
  alerts_critical!: number;
  @ApiProperty({ example: 3 })
  alerts_warning!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { database: 4, web_api: 6, unknown: 0 },
    description: 'Servers per profile',
  })
  profiles!: Record<string, number>;
}

export class FleetSummaryDto {
  @ApiProperty({ format: 'date-time', example: '2026-11-28T12:05:00Z', description: 'Data time of the forecast pass' })
  prediction_time!: string;
  @ApiProperty({ type: FleetCountsDto, description: 'The whole fleet, whatever the filters' })
  fleet!: FleetCountsDto;
  @ApiProperty({ type: EnvironmentDto, description: 'The whole fleet, as in GET /predictions/current' })
  environment!: EnvironmentDto;
  @ApiProperty({ example: 20, description: 'Servers matching the filters (over all pages)' })
  matching!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last' })
  next_cursor!: string | null;
  @ApiProperty({ type: [FleetServerDto], description: 'One page of matching servers in `sort` order' })
  servers!: FleetServerDto[];
}
