import { ApiProperty } from '@nestjs/swagger';

export class HealthDetailsDto {
  @ApiProperty({
    enum: ['TFT', 'heuristic'],
    description: 'heuristic when no model could be loaded',
  })
  model!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Why no model is loaded, if so',
  })
  model_error!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '3.0.0', description: 'The TFT version serving; null in heuristic mode' })
  model_version!: string | null;
  @ApiProperty({ example: 'cpu' })
  device!: string;
}

export class HealthDto {
  @ApiProperty({
    example: 'healthy',
    enum: ['healthy', 'degraded'],
    description: 'degraded when running without a model',
  })
  status!: string;
  @ApiProperty({ example: 'tft_inference_daemon' })
  service!: string;
  @ApiProperty({ example: true })
  running!: boolean;
  @ApiProperty({ type: HealthDetailsDto })
  details!: HealthDetailsDto;
}

export class WarmupDto {
  @ApiProperty({
    description: 'Every reporting (not stale) server is ready for the TFT',
  })
  is_warmed_up!: boolean;
  @ApiProperty({
    example: 100,
    description: 'Mean readiness over the fleet, %',
  })
  progress_percent!: number;
  @ApiProperty({
    example: 12,
    description: 'Closed steps of data a server needs (min encoder length or WARMUP_STEPS)',
  })
  threshold!: number;
  @ApiProperty({ example: 'Model ready - using TFT predictions' })
  message!: string;
}

export class DataClockDto {
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    example: '2026-12-01T09:30:05Z',
    description:
      'Data time: the newest sample accepted for any server; null before any. Forecast times, alert times and staleness are on this clock',
  })
  data_time!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    example: '2026-12-01T09:30:07Z',
    description: "The api's wall clock",
  })
  wall_time!: string;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 2,
    description:
      'wall_time - data_time in seconds: how far the newest data lags (negative while a sender declares a clock ahead, as the demo does)',
  })
  lag_seconds!: number | null;
}

export class FleetDto {
  @ApiProperty({
    example: 20,
    description: 'Reporting servers (stale ones are not counted)',
  })
  total_servers!: number;
  @ApiProperty({
    example: 19,
    description: 'Reporting servers without a firing alert',
  })
  healthy_servers!: number;
  @ApiProperty({
    example: 1,
    description: 'Servers without data for STALE_AFTER of data time; retired after RETIRE_AFTER',
  })
  stale_servers!: number;
  @ApiProperty({
    example: '20/20 servers ready',
    description: 'Servers ready for the TFT',
  })
  fleet_status!: string;
}

export class LimitsDto {
  @ApiProperty({ example: 20, description: 'Servers held (stale ones included), against max_servers' })
  servers!: number;
  @ApiProperty({ example: 20000, description: 'MAX_SERVERS: samples of a new server beyond it are refused' })
  max_servers!: number;
  @ApiProperty({ example: 10000, description: 'MAX_NEW_SERVERS_PER_MINUTE: new servers one client may add per minute; 0 = unlimited' })
  max_new_servers_per_minute!: number;
}

export class ServerStatusDto {
  @ApiProperty({ example: 'ppml0001' })
  server_name!: string;
  @ApiProperty({ example: 288, description: 'Step buckets held' })
  buckets!: number;
  @ApiProperty({
    example: 144,
    description: 'Closed steps with data within the model context',
  })
  warmup_steps!: number;
  @ApiProperty()
  is_warmed_up!: boolean;
  @ApiProperty({ example: 100 })
  progress_percent!: number;
  @ApiProperty({
    enum: ['TFT', 'heuristic', null],
    nullable: true,
    description: 'Model of the cached forecast; null before the first',
  })
  model!: string | null;
  @ApiProperty({
    description: 'No data for STALE_AFTER of data time: out of the fleet counts, warmup, forecasts and alerts',
  })
  stale!: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    example: '2026-12-01T09:30:05Z',
    description: 'Time of the newest sample',
  })
  last_sample_at!: string | null;
  @ApiProperty({ required: false, example: 'api-2', description: 'Cluster mode: the replica that owns the server' })
  owner?: string;
}

export class InferenceStatusDto {
  @ApiProperty({ enum: ['TFT', 'heuristic'] })
  model_type!: string;
  @ApiProperty({ nullable: true, type: String })
  model_dir!: string | null;
  @ApiProperty({ nullable: true, type: String })
  model_version!: string | null;
  @ApiProperty({ nullable: true, type: String })
  model_error!: string | null;
  @ApiProperty({ example: 'cpu' })
  device!: string;
  @ApiProperty({ example: 'cpu-2t' })
  profile!: string;
  @ApiProperty({ example: 1024 })
  batch_size!: number;
  @ApiProperty({ nullable: true, type: Number, example: 2 })
  threads!: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'GPU seen by nvidia-smi',
  })
  gpu!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Why the GPU is not used, when it is not',
  })
  fallback_reason!: string | null;
  @ApiProperty({ example: 300 })
  step_seconds!: number;
  @ApiProperty({ example: 5 })
  forecast_interval_seconds!: number;
  @ApiProperty({
    example: 12.5,
    description: 'Duration of the last forecast tick, ms',
  })
  last_tick_ms!: number;
}

export class MemoryStatusDto {
  @ApiProperty({
    example: 412.3,
    description: 'Resident set size of the whole process (worker thread and native libraries included), MB',
  })
  rss_mb!: number;
  @ApiProperty({
    example: 96.1,
    description: 'V8 heap of the main thread, used, MB',
  })
  heap_used_mb!: number;
  @ApiProperty({
    example: 131.5,
    description: 'V8 heap of the main thread, reserved, MB',
  })
  heap_total_mb!: number;
  @ApiProperty({
    example: 240.7,
    description: 'ArrayBuffers and Buffers (server windows, cached response bodies), MB; part of external_mb',
  })
  array_buffers_mb!: number;
  @ApiProperty({
    example: 245.2,
    description: 'Memory outside the V8 heap held by JavaScript objects, MB',
  })
  external_mb!: number;
  @ApiProperty({
    example: 41.7,
    nullable: true,
    type: Number,
    description:
      'The last full garbage collection run once forecast passes had re-forecast 2,000 servers since the previous one, ms; null when none ran. It frees what the pass dropped at once instead of whenever V8 next collects',
  })
  last_collection_ms!: number | null;
}

export class ReplicaDto {
  @ApiProperty({ example: 'api-2' })
  replica_id!: string;
  @ApiProperty({ type: [Number], example: [5, 6, 7, 8, 9], description: 'Partitions it leases' })
  partitions!: number[];
  @ApiProperty({ example: 640, description: 'Servers whose windows it holds' })
  servers!: number;
  @ApiProperty({ example: 0 })
  stale_servers!: number;
  @ApiProperty({ type: String, nullable: true, example: '3.0.0', description: 'The TFT version it serves, as of its last lease round' })
  model_version!: string | null;
}

export class ClusterStatusDto {
  @ApiProperty({ example: 'api-1', description: 'This replica (REPLICA_ID)' })
  replica_id!: string;
  @ApiProperty({ example: 'api-1', description: 'The replica that answered this request' })
  answered_by!: string;
  @ApiProperty({ enum: ['connected', 'reconnecting'], description: 'reconnecting: writes get 503, reads serve what this replica holds' })
  nats!: string;
  @ApiProperty({ example: 16, description: 'PARTITIONS' })
  partitions!: number;
  @ApiProperty({ type: [Number], example: [0, 1, 2, 3, 4, 5], description: 'Partitions this replica leases' })
  owned_partitions!: number[];
  @ApiProperty({ type: [Number], description: 'Owned partitions already replayed from the metrics log, hence forecast here' })
  replayed_partitions!: number[];
  @ApiProperty({ type: [ReplicaDto], description: 'Live replicas as of the last lease round, this one included' })
  replicas!: ReplicaDto[];
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 1.2,
    description: "Seconds since another replica's forecast last arrived: the age of what this replica serves of theirs",
  })
  remote_forecast_age_seconds!: number | null;
}

export class StatusDto {
  @ApiProperty({ example: true })
  running!: boolean;
  @ApiProperty({ example: 150, description: 'Forecast ticks run' })
  tick_count!: number;
  @ApiProperty({
    example: 5760,
    description: 'Step buckets held across the fleet',
  })
  window_size!: number;
  @ApiProperty({ type: DataClockDto })
  clock!: DataClockDto;
  @ApiProperty({ type: WarmupDto })
  warmup!: WarmupDto;
  @ApiProperty({ type: FleetDto })
  fleet!: FleetDto;
  @ApiProperty({ type: LimitsDto, description: 'Cardinality limits and their use (docs/OPERATIONS.md, memory sizing)' })
  limits!: LimitsDto;
  @ApiProperty({ type: InferenceStatusDto })
  inference!: InferenceStatusDto;
  @ApiProperty({
    type: MemoryStatusDto,
    description: "The api process's memory; onnxruntime's arena and SQLite count in rss_mb only",
  })
  memory!: MemoryStatusDto;
  @ApiProperty({ type: [ServerStatusDto], description: "The whole fleet's servers (in cluster mode, every replica's)" })
  servers!: ServerStatusDto[];
  @ApiProperty({ type: ClusterStatusDto, nullable: true, description: 'Cluster mode (NATS_URL) only; null for a single process' })
  cluster!: ClusterStatusDto | null;
}
