// Canned api answers typed by the generated client (values taken from a 20-server demo run, trimmed
// to three servers) for component specs.
import type {
  AccuracyDto,
  ActiveAlertsDto,
  AlertDto,
  BucketScoreDto,
  FleetServerDto,
  FleetSummaryDto,
  HealthDto,
  MetricPredictionDto,
  PassEventDto,
  PredictionsDto,
  RecordBlockDto,
  ServerDetailDto,
  ServerDriversDto,
  ServerPredictionDto,
  ServerTrackRecordDto,
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
    trigger: 'probability',
    probability: 0.42,
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
      expected_critical_servers_30m: { expected: 0.2, low: 0, high: 1 },
      expected_critical_servers_8h: { expected: 0.6, low: 0, high: 2 },
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

/** The summary entry of `name` in predictions(), with its worst alert from ALERTS. */
export function fleetServer(name: string, overrides: Partial<FleetServerDto> = {}): FleetServerDto {
  const f = predictions().predictions[name];
  const worst = ALERTS.filter((a) => a.server === name).sort((a, b) =>
    a.severity === b.severity ? a.minutes_ahead - b.minutes_ahead : a.severity === 'critical' ? -1 : 1,
  )[0];
  return {
    name,
    profile: f.profile,
    model: f.model,
    warmup: { is_warmed_up: true, progress_percent: 100 },
    current: {
      cpu_percent: f.cpu_percent?.current ?? null,
      memory_percent: f.memory_percent?.current ?? null,
      disk_percent: f.disk_percent?.current ?? null,
      load_average: f.load_average?.current ?? null,
    },
    risk: f.risk,
    alert: worst ? { severity: worst.severity, metric: worst.metric, minutes_ahead: worst.minutes_ahead } : null,
    forecast_origin: f.forecast_origin,
    ...overrides,
  };
}

/** GET /fleet/summary for the three servers of predictions(), riskiest first. */
export function fleetSummary(servers = ['ppetl0001', 'ppweb0004', 'ppdb0001'].map((n) => fleetServer(n))): FleetSummaryDto {
  const profiles: Record<string, number> = {
    ml_compute: 0,
    database: 0,
    web_api: 0,
    conductor_mgmt: 0,
    data_ingest: 0,
    risk_analytics: 0,
    generic: 0,
    unknown: 0,
  };
  for (const s of servers) profiles[s.profile ?? 'unknown']++;
  return {
    prediction_time: '2026-11-28T11:09:57Z',
    fleet: {
      total_servers: servers.length,
      servers_tft: servers.filter((s) => s.model === 'TFT').length,
      servers_heuristic: servers.filter((s) => s.model === 'heuristic').length,
      warming_up: servers.filter((s) => !s.warmup.is_warmed_up).length,
      stale_servers: 0,
      alerts_critical: 1,
      alerts_warning: 2,
      profiles,
    },
    environment: {
      incident_probability_30m: 0.1287,
      incident_probability_8h: 0.4412,
      high_risk_servers: 0,
      expected_critical_servers_30m: { expected: 0.2, low: 0, high: 1 },
      expected_critical_servers_8h: { expected: 0.6, low: 0, high: 2 },
      total_servers: servers.length,
      fleet_health: 'critical',
    },
    matching: servers.length,
    next_cursor: null,
    servers,
  };
}

/** A summary of `n` generated servers (lf00000…), riskiest first, as a large fleet's would be. */
export function largeFleetSummary(n: number): FleetSummaryDto {
  const servers: FleetServerDto[] = Array.from({ length: n }, (_, i) => ({
    name: `lf${String(i).padStart(5, '0')}`,
    profile: 'generic',
    model: 'heuristic',
    warmup: { is_warmed_up: false, progress_percent: 25 },
    current: { cpu_percent: 40, memory_percent: 50, disk_percent: 60, load_average: 1.5 },
    // falling with the index, so the list is in risk order as the api sends it
    risk: { probability_30m: 0, probability_8h: Math.round((1 - i / n) * 1e4) / 1e4, driver: 'memory_percent' },
    alert: null,
    forecast_origin: ORIGIN,
  }));
  const summary = fleetSummary(servers);
  summary.fleet.alerts_critical = 0;
  summary.fleet.alerts_warning = 0;
  return summary;
}

/** A pass event of the change feed. */
export function passEvent(overrides: Partial<PassEventDto> = {}): PassEventDto {
  return {
    pass: 42,
    prediction_time: '2026-11-28T11:10:02Z',
    published_at: '2026-11-28T11:10:03.000Z',
    changed: [],
    changed_count: 0,
    removed: [],
    live_updates: 3,
    total_servers: 3,
    ...overrides,
  };
}

export function health(overrides: Partial<HealthDto['details']> = {}): HealthDto {
  const details = { model: 'TFT' as const, model_error: null, model_version: null, device: 'cpu', ...overrides };
  return {
    status: details.model === 'TFT' ? 'healthy' : 'degraded',
    service: 'tft_inference_daemon',
    running: true,
    details,
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
    track_record: serverTrackRecord(),
    ...overrides,
  };
}

/** One horizon bucket of a track record, with its best baseline and skill as the api derives them. */
export function bucketScore(
  bucket: BucketScoreDto['bucket'],
  tft: number,
  persistence: number,
  seasonal: number,
  coverage: number,
  n: number,
): BucketScoreDto {
  const best = seasonal < persistence ? 'seasonal_naive' : 'persistence';
  return {
    bucket,
    tft_wql: tft,
    persistence_wql: persistence,
    seasonal_naive_wql: seasonal,
    coverage_p10_p90: coverage,
    n,
    best_baseline: best,
    skill: 1 - tft / Math.min(persistence, seasonal),
  };
}

/**
 * A track record: the TFT 40 % better than seasonal naive over the whole horizon, 81 % coverage, 7 of
 * 12 alerts hit; `tftAll` sets the TFT's whole-horizon wQL (above 0.07 it loses to seasonal naive).
 */
export function recordBlock({ tftAll = 0.042, scored = true } = {}): RecordBlockDto {
  const buckets = [
    bucketScore('0-30m', 0.03, 0.04, 0.05, 0.85, 288),
    bucketScore('30m-2h', 0.035, 0.06, 0.062, 0.82, 864),
    bucketScore('2h-8h', 0.045, 0.1, 0.075, 0.8, 3456),
    bucketScore('all', tftAll, 0.088, 0.07, 0.81, 4608),
  ];
  if (!scored) {
    return {
      buckets: buckets.map((b) => ({
        ...b,
        tft_wql: null,
        persistence_wql: null,
        seasonal_naive_wql: null,
        coverage_p10_p90: null,
        n: 0,
        best_baseline: null,
        skill: null,
      })),
      alerts: { fired: 0, hit: 0, late: 0, false: 0, precision: null },
      loses_to_baseline: false,
    };
  }
  return {
    buckets,
    alerts: { fired: 12, hit: 7, late: 2, false: 3, precision: 7 / 12 },
    loses_to_baseline: tftAll > 0.07,
  };
}

/** `track_record` of GET /servers/{name}. */
export function serverTrackRecord(options: Parameters<typeof recordBlock>[0] = {}): ServerTrackRecordDto {
  return { last_24h: recordBlock(options), last_7d: recordBlock(options) };
}

/** GET /accuracy: the fleet better than both baselines, web_api's servers losing to seasonal naive. */
export function accuracy(window: AccuracyDto['window'] = '24h', options: Parameters<typeof recordBlock>[0] = {}): AccuracyDto {
  return {
    window,
    data_time: ORIGIN,
    origin_every_steps: 48,
    fleet: recordBlock(options),
    profiles: [
      { profile: 'database', ...recordBlock(options) },
      { profile: 'web_api', ...recordBlock({ ...options, tftAll: 0.095 }) },
    ],
    server: null,
  };
}

/** GET /servers/ppweb0004/drivers: memory held high over the last hour drives its own forecast. */
export function serverDrivers(): ServerDriversDto {
  const rows = (leading: string, change: number) => [
    { input: leading, label: leading, change, share: 0.7 },
    { input: 'calendar', label: 'time of day and day of week', change: change / 4, share: 0.175 },
    { input: 'cpu_percent.day_ago', label: 'cpu_percent 24 h before the horizon', change: change / 8, share: 0.125 },
    { input: 'profile', label: 'the server profile', change: 0, share: 0 },
  ];
  return {
    server_name: 'ppweb0004',
    model: 'TFT',
    model_version: '3.0.0',
    forecast_origin: ORIGIN,
    method: 'Each input group is replaced, one at a time, by a neutral baseline and the forecast re-run.',
    metrics: {
      cpu_percent: rows('cpu_percent.recent', 6.4),
      memory_percent: rows('memory_percent.recent', 12.52),
      disk_percent: rows('disk_percent.day_ago', 0.4),
      load_average: rows('load_average.recent', 0.318),
    },
    reason: null,
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
