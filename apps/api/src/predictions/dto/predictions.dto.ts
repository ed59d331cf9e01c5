import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { METRICS, PROFILES } from '@tft/contracts';
import { AlertDto } from '../../alerts/dto/alert.dto';

export class MetricPredictionDto {
  @ApiProperty({
    type: [Number],
    description: '10th percentile, one value per step (96 steps of 300 s = 8 h); quantiles have two decimals',
  })
  p10!: number[];
  @ApiProperty({ type: [Number], description: 'Median forecast per step' })
  p50!: number[];
  @ApiProperty({ type: [Number], description: '90th percentile per step' })
  p90!: number[];
  @ApiProperty({
    example: 45.2,
    type: Number,
    nullable: true,
    description:
      'Latest observed value (mean of the newest step that has this metric); null when the window never received it ' +
      '(a remote-write host without that series)',
  })
  current!: number | null;
  @ApiProperty({
    example: 0.12,
    type: Number,
    nullable: true,
    description: 'Median change per hour over the horizon; null with `current`',
  })
  trend!: number | null;
}

export class DriverDto {
  @ApiProperty({ example: 'cpu_percent' })
  name!: string;
  @ApiProperty({
    example: 0.31,
    description: 'Variable selection weight (weights of a group sum to 1)',
  })
  weight!: number;
}

export class DriversDto {
  @ApiProperty({
    type: [DriverDto],
    description: 'Observed inputs, largest weight first',
  })
  encoder!: DriverDto[];
  @ApiProperty({
    type: [DriverDto],
    description: 'Known-future inputs (time features)',
  })
  decoder!: DriverDto[];
  @ApiProperty({
    type: [DriverDto],
    description: 'Static inputs (profile, scale statistics)',
  })
  static!: DriverDto[];
}

export class ServerRiskDto {
  @ApiProperty({
    example: 0.02,
    description: 'Probability that a metric reaches its critical threshold within 30 minutes',
  })
  probability_30m!: number;
  @ApiProperty({ example: 0.2, description: 'Same, within the 8-hour horizon' })
  probability_8h!: number;
  @ApiProperty({
    enum: [...METRICS, null],
    nullable: true,
    description: 'Metric contributing most to the 8-hour risk',
  })
  driver!: string | null;
}

export class ServerPredictionDto {
  @ApiProperty({ type: MetricPredictionDto, required: false, description: 'Always present unless `metrics` leaves it out' })
  cpu_percent?: MetricPredictionDto;
  @ApiProperty({ type: MetricPredictionDto, required: false, description: 'Always present unless `metrics` leaves it out' })
  memory_percent?: MetricPredictionDto;
  @ApiProperty({ type: MetricPredictionDto, required: false, description: 'Always present unless `metrics` leaves it out' })
  disk_percent?: MetricPredictionDto;
  @ApiProperty({ type: MetricPredictionDto, required: false, description: 'Always present unless `metrics` leaves it out' })
  load_average?: MetricPredictionDto;
  @ApiProperty({
    enum: ['TFT', 'heuristic'],
    description: 'TFT once warm; heuristic while warming up or without a model',
  })
  model!: 'TFT' | 'heuristic';
  @ApiProperty({
    required: false,
    example: '3.0.0',
    description:
      'The TFT version that made this forecast (absent for the heuristic): after a model reload, servers move to the new version as the next pass forecasts them',
  })
  model_version?: string;
  @ApiProperty({ enum: [...PROFILES, null], nullable: true })
  profile!: string | null;
  @ApiProperty({
    example: '2026-11-28T12:00:00Z',
    format: 'date-time',
    description: 'Start of the last step used; step h covers origin + (h+1) x step',
  })
  forecast_origin!: string;
  @ApiProperty({
    type: DriversDto,
    nullable: true,
    description:
      "The TFT's variable-selection weights: where the network looked, not what drives the forecast (recent and day-old values reach the output past them; GET /servers/{name}/drivers measures what does). Null from the heuristic",
  })
  drivers!: DriversDto | null;
  @ApiProperty({ type: ServerRiskDto })
  risk!: ServerRiskDto;
}

export class ExpectedCountDto {
  @ApiProperty({ example: 2.4, description: "Sum of the servers' probabilities (one decimal)" })
  expected!: number;
  @ApiProperty({ example: 0, description: '5th percentile of the count (normal approximation, whole servers)' })
  low!: number;
  @ApiProperty({ example: 5, description: '95th percentile of the count' })
  high!: number;
}

export class EnvironmentDto {
  @ApiProperty({
    example: 0.15,
    description: 'Probability that at least one server reaches a critical threshold within 30 min (servers independent)',
  })
  incident_probability_30m!: number;
  @ApiProperty({ example: 0.35, description: 'Same within 8 hours' })
  incident_probability_8h!: number;
  @ApiProperty({
    example: 2,
    description: 'Servers whose 8-hour incident probability is at least 0.5',
  })
  high_risk_servers!: number;
  @ApiProperty({
    type: ExpectedCountDto,
    description:
      'How many servers are expected to reach a critical threshold within 30 min, with a 90 % band: unlike ' +
      'incident_probability_30m it does not saturate on a large fleet',
  })
  expected_critical_servers_30m!: ExpectedCountDto;
  @ApiProperty({ type: ExpectedCountDto, description: 'Same within 8 hours' })
  expected_critical_servers_8h!: ExpectedCountDto;
  @ApiProperty({ example: 20 })
  total_servers!: number;
  @ApiProperty({ enum: ['healthy', 'degraded', 'critical'] })
  fleet_health!: string;
}

export class PredictionMetadataDto {
  @ApiProperty({
    enum: ['TFT', 'heuristic'],
    description: 'heuristic when no model could be loaded',
  })
  model_type!: string;
  @ApiProperty({ nullable: true, type: String, example: 'models/tft/1.2.0' })
  model_dir!: string | null;
  @ApiProperty({ nullable: true, type: String, example: '1.2.0' })
  model_version!: string | null;
  @ApiProperty({
    example: '2026-11-28T12:05:00Z',
    format: 'date-time',
    description: 'Data time of the forecast pass: the newest sample accepted (GET /status shows it beside the wall clock)',
  })
  prediction_time!: string;
  @ApiProperty({ example: 96 })
  horizon_steps!: number;
  @ApiProperty({ example: 300 })
  step_seconds!: number;
  @ApiProperty({ example: 'cpu', description: 'cpu or cuda:0' })
  device!: string;
  @ApiProperty({
    example: 'cpu-2t',
    description: 'Settings profile chosen for the device',
  })
  inference_profile!: string;
  @ApiProperty({ example: 18 })
  servers_tft!: number;
  @ApiProperty({ example: 2 })
  servers_heuristic!: number;
}

export class PredictionsDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(ServerPredictionDto) },
    description: 'Per server name: four metrics with p10/p50/p90 over the horizon, the model used, drivers and risk',
  })
  predictions!: Record<string, ServerPredictionDto>;
  @ApiProperty({
    type: [AlertDto],
    description: 'Firing alerts, critical first',
  })
  alerts!: AlertDto[];
  @ApiProperty({ type: EnvironmentDto })
  environment!: EnvironmentDto;
  @ApiProperty({ type: PredictionMetadataDto })
  metadata!: PredictionMetadataDto;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Only with `limit` or `cursor`: pass as `cursor` for the next page; null on the last',
  })
  next_cursor?: string | null;
}
