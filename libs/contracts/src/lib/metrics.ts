/** The four forecast targets of the data contract, in model output order. */
export const METRICS = ['cpu_percent', 'memory_percent', 'disk_percent', 'load_average'] as const;
export type MetricName = (typeof METRICS)[number];

export interface MetricSpec {
  unit: string;
  description: string;
  min: number;
  /** Upper bound of valid values; `null` means unbounded. */
  max: number | null;
}

/** Real units only: disk is usage percent (not I/O MB/s) and load is the load average (not latency). */
export const METRIC_SPECS: Readonly<Record<MetricName, MetricSpec>> = {
  cpu_percent: { unit: '%', description: 'CPU utilisation', min: 0, max: 100 },
  memory_percent: { unit: '%', description: 'Memory in use', min: 0, max: 100 },
  disk_percent: { unit: '%', description: 'Disk space used', min: 0, max: 100 },
  load_average: {
    unit: 'runnable tasks',
    description: '1-minute load average',
    min: 0,
    max: null,
  },
};

/**
 * The largest load average a record may carry, whichever path it takes (POST /feed/data, remote write,
 * OTLP): no real host comes near it, and it keeps an overflow or a typo out of the windows. The load's
 * spec above stays unbounded, as a forecast of it is.
 */
export const MAX_LOAD_AVERAGE = 100_000;

export type Severity = 'warning' | 'critical';
export type ThresholdPair = Readonly<Record<Severity, number>>;

/** The seed's default alert thresholds (config.py `alert_thresholds`). */
export const DEFAULT_ALERT_THRESHOLDS: Readonly<Record<MetricName, ThresholdPair>> = {
  cpu_percent: { warning: 80, critical: 95 },
  memory_percent: { warning: 85, critical: 95 },
  disk_percent: { warning: 85, critical: 95 },
  load_average: { warning: 8, critical: 12 },
};
