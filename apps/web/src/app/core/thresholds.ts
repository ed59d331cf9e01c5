// The alert thresholds the console draws as warning/critical lines and scores the heatmap against:
// always the ones the api serves (GET /alerts/thresholds), so ALERT_THRESHOLDS_FILE overrides show.
import type { MetricThresholdsDto, ThresholdsDto } from '@tft/api-client';
import { METRICS, type MetricName, type ThresholdPair } from '@tft/contracts';

export type { MetricName, ThresholdPair, ThresholdsDto };
export { METRICS };

export type MetricThresholds = Readonly<MetricThresholdsDto>;

/** Thresholds that apply to a server of `profile` in the api's table (null or unlisted: the defaults). */
export function thresholdsOf(table: ThresholdsDto, profile: string | null | undefined): MetricThresholds {
  return table.profiles.find((p) => p.profile === profile)?.thresholds ?? table.defaults;
}
