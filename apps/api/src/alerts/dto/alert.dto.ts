import { ApiProperty } from '@nestjs/swagger';
import { METRICS, PROFILES } from '@tft/contracts';

export class AlertDriverDto {
  @ApiProperty({ example: 'cpu_percent.recent' })
  input!: string;
  @ApiProperty({ example: 'cpu_percent over the last hour' })
  label!: string;
  @ApiProperty({
    example: 31.2,
    description: "Mean absolute change of the metric's p50 over the horizon without this input (metric units)",
  })
  change!: number;
}

export class AlertDto {
  @ApiProperty({
    example: '3f2a9c41d07be581',
    description: "Stable identity of this server's alert on this metric: the same across passes, severity changes and restarts",
  })
  id!: string;
  @ApiProperty({ example: 'ppml0001' })
  server!: string;
  @ApiProperty({ enum: METRICS, example: 'cpu_percent' })
  metric!: string;
  @ApiProperty({ enum: ['warning', 'critical'] })
  severity!: string;
  @ApiProperty({ example: 85.3, description: 'Forecast value at the crossing' })
  predicted_value!: number;
  @ApiProperty({ example: 80 })
  threshold!: number;
  @ApiProperty({
    example: 25,
    description: 'Minutes from the forecast origin to the end of the crossing step',
  })
  minutes_ahead!: number;
  @ApiProperty({
    enum: ['probability', 'p50', 'p90', 'trend'],
    description:
      "probability: the chance of the breach within the model's alert window reached its level (a model with alert_rule); p50: the median crosses; p90: the upper band crosses within 30 min; trend: the last hour's damped trend crosses within 2 h",
  })
  trigger!: string;
  @ApiProperty({
    required: false,
    example: 0.42,
    description: 'For trigger probability: P(the breach within the alert window), read from the quantile forecast',
  })
  probability?: number;
  @ApiProperty({
    example: '2026-11-28T12:25:00Z',
    format: 'date-time',
    description: 'When the crossing is expected (data time)',
  })
  expected_at!: string;
  @ApiProperty({ enum: ['TFT', 'heuristic'] })
  model!: string;
  @ApiProperty({ enum: ['firing', 'resolved'] })
  state!: string;
  @ApiProperty({
    example: '2026-11-28T12:00:00Z',
    format: 'date-time',
    description: 'Data time the breach was first predicted; the alert fired once it had been predicted for ALERT_FOR',
  })
  first_seen!: string;
  @ApiProperty({
    example: '2026-11-28T12:10:00Z',
    format: 'date-time',
    description: 'Data time of the latest pass that still predicted it',
  })
  last_seen!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    example: null,
    description: 'Data time it resolved (clear for ALERT_RESOLVE_AFTER, or its server went stale); null while it fires',
  })
  resolved_at!: string | null;
  @ApiProperty({
    type: AlertDriverDto,
    nullable: true,
    required: false,
    description:
      "What drives the alerting metric's forecast most, as of the alert's raise (GET /servers/{name}/drivers); null from the heuristic",
  })
  driver?: AlertDriverDto | null;
}

export class ActiveAlertsDto {
  @ApiProperty({
    example: '2026-11-28T12:05:00Z',
    format: 'date-time',
    description: 'Data time of the forecast pass these alerts come from',
  })
  timestamp!: string;
  @ApiProperty({ example: 3 })
  count!: number;
  @ApiProperty({ type: [AlertDto] })
  alerts!: AlertDto[];
}

export class ThresholdPairDto {
  @ApiProperty({ example: 80 })
  warning!: number;
  @ApiProperty({ example: 95 })
  critical!: number;
}

export class MetricThresholdsDto {
  @ApiProperty({ type: ThresholdPairDto })
  cpu_percent!: ThresholdPairDto;
  @ApiProperty({ type: ThresholdPairDto })
  memory_percent!: ThresholdPairDto;
  @ApiProperty({ type: ThresholdPairDto })
  disk_percent!: ThresholdPairDto;
  @ApiProperty({ type: ThresholdPairDto })
  load_average!: ThresholdPairDto;
}

export class ProfileThresholdsDto {
  @ApiProperty({ enum: [...PROFILES, 'unknown'], example: 'database' })
  profile!: string;
  @ApiProperty({ type: MetricThresholdsDto })
  thresholds!: MetricThresholdsDto;
}

export class ThresholdsDto {
  @ApiProperty({
    type: MetricThresholdsDto,
    description: 'The defaults, for servers without a profile or an override',
  })
  defaults!: MetricThresholdsDto;
  @ApiProperty({
    type: [ProfileThresholdsDto],
    description: 'The pairs in effect for each profile (defaults with the profile overrides and ALERT_THRESHOLDS_FILE laid over)',
  })
  profiles!: ProfileThresholdsDto[];
}
