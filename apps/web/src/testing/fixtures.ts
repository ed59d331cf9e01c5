// Canned api answers shaped like the real ones (values taken from a 20-server demo run, trimmed to
// three servers) for component specs.
import type {
  ActiveAlertsDto,
  AlertDto,
  MetricPredictionDto,
  PredictionsDto,
  ServerDetailDto,
  ServerPredictionDto,
  StatusDto,
  ThresholdsDto,
} from '@tft/api-client';
import { PROFILES } from '@tft/contracts';
import { DEFAULT_THRESHOLD_CONFIG, thresholdsFor } from '@tft/forecasting';

export const ORIGIN = '2026-11-28T14:15:00Z';
export const STEP_SECONDS = 300;

/** 96 steps starting at `start`, rising by `slope` per step, band of +/- `spread`. */
export function metric(start: number, slope: number, spread: number, current = start): MetricPredictionDto {
  const p50 = Array.from({ length: 96 }, (_, h) => Math.round((start + slope * h) * 100) / 100);
  return {
    p10: p50.map((v) => Math.round((v - spread) * 100) / 100),
    p50,
    p90: p50.map((v) => Math.round((v + spread) * 100) / 100),
    current,
    trend: slope * 12,
  };
}

export function serverPrediction(overrides: Partial<ServerPredictionDto> = {}): ServerPredictionDto {
  return {
    cpu_percent: metric(40, 0, 5),
    memory_percent: metric(60, 0, 4),
    disk_percent: metric(50, 0, 1),
    load_average: metric(2, 0, 0.5),
    model: 'TFT',
    profile: 'web_api',
    forecast_origin: ORIGIN,
    drivers: {
      encoder: [
        { name: 'load_average', weight: 0.48 },
        { name: 'cpu_percent', weight: 0.29 },
        { name: 'memory_percent', weight: 0.23 },
      ],
      decoder: [
        { name: 'day_of_week', weight: 0.61 },
        { name: 'time_of_day', weight: 0.39 },
      ],
      static: [{ name: 'profile', weight: 1 }],
    },
    risk: { probability_30m: 0, probability_8h: 0, driver: null },
    ...overrides,
  };
}

export const ALERTS: AlertDto[] = [
  {
    id: 'a1b2c3d4e5f60718',
    server: 'ppetl0001',
    metric: 'memory_percent',
    severity: 'warning',
    predicted_value: 89,
    threshold: 85,
    minutes_ahead: 110,
    trigger: 'p50',
    expected_at: '2026-11-28T16:05:00Z',
    model: 'TFT',
    state: 'firing',
    first_seen: '2026-11-28T11:05:00.000Z',
    last_seen: '2026-11-28T11:09:00.000Z',
    resolved_at: null,
  },
  {
    id: 'b2c3d4e5f6071829',
    server: 'ppweb0004',
    metric: 'memory_percent',
    severity: 'critical',
    predicted_value: 95.4,
    threshold: 95,
    minutes_ahead: 5,
    trigger: 'p90',
    expected_at: '2026-11-28T14:20:00Z',
    model: 'TFT',
    state: 'firing',
    first_seen: '2026-11-28T11:07:00.000Z',
    last_seen: '2026-11-28T11:09:00.000Z',
    resolved_at: null,
  },
  {
    id: 'c3d4e5f60718293a',
    server: 'ppdb0001',
    metric: 'cpu_percent',
    severity: 'warning',
    predicted_value: 81.2,
    threshold: 80,
    minutes_ahead: 45,
    trigger: 'p50',
    expected_at: '2026-11-28T15:00:00Z',
    model: 'heuristic',
    state: 'firing',
    first_seen: '2026-11-28T11:08:00.000Z',
    last_seen: '2026-11-28T11:09:00.000Z',
    resolved_at: null,
  },
];

export function predictions(): PredictionsDto {
  return {
    predictions: {
      ppdb0001: serverPrediction({
        profile: 'database',
        model: 'heuristic',
        drivers: null,
        memory_percent: metric(88, 0.05, 3),
        risk: {
          probability_30m: 0.01,
          probability_8h: 0.12,
          driver: 'memory_percent',
        },
      }),
      ppetl0001: serverPrediction({
        profile: 'data_ingest',
        memory_percent: metric(86, 0.03, 3),
        risk: {
          probability_30m: 0.098,
          probability_8h: 0.247,
          driver: 'memory_percent',
        },
      }),
      ppweb0004: serverPrediction({
        memory_percent: metric(94, 0.02, 4, 97.2),
        risk: {
          probability_30m: 0.108,
          probability_8h: 0.24,
          driver: 'memory_percent',
        },
      }),
    },
    alerts: ALERTS,
    environment: {
      incident_probability_30m: 0.1287,
      incident_probability_8h: 0.4412,
      high_risk_servers: 0,
      total_servers: 3,
      fleet_health: 'critical',
    },
    metadata: {
      model_type: 'TFT',
      model_dir: 'models/tft/1.0.0',
      model_version: '1.0.0',
      prediction_time: '2026-11-28T11:09:57.000Z',
      horizon_steps: 96,
      step_seconds: STEP_SECONDS,
      device: 'cpu',
      inference_profile: 'cpu-2t',
      servers_tft: 2,
      servers_heuristic: 1,
    },
  };
}

export function status(overrides: Partial<StatusDto> = {}): StatusDto {
  const names = ['ppdb0001', 'ppetl0001', 'ppweb0004'];
  return {
    running: true,
    tick_count: 42,
    window_size: 864,
    clock: { data_time: '2026-11-28T11:09:55Z', wall_time: '2026-11-28T11:09:57Z', lag_seconds: 2 },
    warmup: {
      is_warmed_up: true,
      progress_percent: 100,
      threshold: 12,
      message: 'Model ready - using TFT predictions',
    },
    fleet: {
      total_servers: 3,
      healthy_servers: 0,
      stale_servers: 0,
      fleet_status: '3/3 servers ready',
    },
    inference: {
      model_type: 'TFT',
      model_dir: 'models/tft/1.0.0',
      model_version: '1.0.0',
      model_error: null,
      device: 'cpu',
      profile: 'cpu-2t',
      batch_size: 1024,
      threads: 2,
      gpu: null,
      fallback_reason: null,
      step_seconds: STEP_SECONDS,
      forecast_interval_seconds: 5,
      last_tick_ms: 12.5,
    },
    memory: {
      rss_mb: 412.3,
      heap_used_mb: 96.1,
      heap_total_mb: 131.5,
      array_buffers_mb: 240.7,
      external_mb: 245.2,
      last_collection_ms: null,
    },
    servers: names.map((server_name) => ({
      server_name,
      buckets: 288,
      warmup_steps: 144,
      is_warmed_up: true,
      progress_percent: 100,
      model: server_name === 'ppdb0001' ? 'heuristic' : 'TFT',
      stale: false,
      last_sample_at: '2026-11-28T11:09:55Z',
    })),
    ...overrides,
  };
}

export function activeAlerts(alerts = ALERTS): ActiveAlertsDto {
  return {
    timestamp: '2026-11-28T11:09:57.000Z',
    count: alerts.length,
    alerts,
  };
}

/** /servers/ppweb0004 with four closed steps of history ending at the forecast origin. */
export function serverDetail(overrides: Partial<ServerDetailDto> = {}): ServerDetailDto {
  const history = [0, 1, 2, 3].map((i) => ({
    timestamp: new Date(Date.parse(ORIGIN) - (3 - i) * STEP_SECONDS * 1000).toISOString(),
    cpu_percent: [35, 38, null, 41][i],
    memory_percent: [92.5, 93.1, null, 94.0][i],
    disk_percent: [34.9, 34.9, null, 35.0][i],
    load_average: [1.2, 1.4, null, 1.5][i],
    samples: [60, 60, 0, 60][i],
  }));
  return {
    server_name: 'ppweb0004',
    profile: 'web_api',
    step_seconds: STEP_SECONDS,
    warmup: {
      is_warmed_up: true,
      steps: 144,
      threshold: 12,
      progress_percent: 100,
    },
    history,
    open_step: null,
    forecast: predictions().predictions['ppweb0004'],
    alerts: [ALERTS[1]],
    ...overrides,
  };
}

/** GET /alerts/thresholds as the api answers it with no ALERT_THRESHOLDS_FILE. */
export const THRESHOLDS: ThresholdsDto = {
  defaults: DEFAULT_THRESHOLD_CONFIG.defaults,
  profiles: [...PROFILES, 'unknown' as const].map((profile) => ({
    profile,
    thresholds: thresholdsFor(DEFAULT_THRESHOLD_CONFIG, profile),
  })),
};
