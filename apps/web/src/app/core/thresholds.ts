// The alert thresholds the console draws as warning/critical lines and scores the heatmap against.
// The api decides alerts; these only have to match what it uses: the seed's defaults (from
// @tft/contracts) and the per-profile overrides below, which mirror
// DEFAULT_PROFILE_THRESHOLD_OVERRIDES in libs/forecasting (thresholds.spec.ts fails if they drift).
import {
  DEFAULT_ALERT_THRESHOLDS,
  METRICS,
  type MetricName,
  type ThresholdPair,
} from '@tft/contracts';

export type { MetricName, ThresholdPair };
export { METRICS };

export type MetricThresholds = Readonly<Record<MetricName, ThresholdPair>>;

export const PROFILE_THRESHOLD_OVERRIDES: Readonly<
  Record<string, Partial<Record<MetricName, ThresholdPair>>>
> = {
  // Databases keep memory full by design (buffer pools, page cache).
  database: { memory_percent: { warning: 92, critical: 97 } },
  // Many-core boxes: a load of 12 is not an emergency there.
  ml_compute: { load_average: { warning: 16, critical: 24 } },
  // Staging areas run full between batch drains.
  data_ingest: { disk_percent: { warning: 90, critical: 96 } },
};

/** Thresholds that apply to a server of `profile` (null or unknown profile: the defaults). */
export function thresholdsFor(
  profile: string | null | undefined,
): MetricThresholds {
  const overrides = profile ? PROFILE_THRESHOLD_OVERRIDES[profile] : undefined;
  const result = {} as Record<MetricName, ThresholdPair>;
  for (const metric of METRICS) {
    result[metric] = overrides?.[metric] ?? DEFAULT_ALERT_THRESHOLDS[metric];
  }
  return result;
}
