import { METRICS, type MetricName } from '@tft/contracts';
import type { ModelMetadata } from './model-metadata';

export interface QuantileForecast {
  p10: number[];
  p50: number[];
  p90: number[];
}

export type MetricForecasts = Record<MetricName, QuantileForecast>;

/** Names and weights of the inputs that drive a forecast (variable selection), largest first. */
export interface Drivers {
  encoder: { name: string; weight: number }[];
  decoder: { name: string; weight: number }[];
  static: { name: string; weight: number }[];
}

/**
 * Reads row `b` of the `[B, H, targets, quantiles]` output. Quantiles are looked up by their level in
 * the metadata (never by position: the original read q0.02/0.10/0.25 as p10/p50/p90), and clipped to
 * each metric's valid range; clipping is monotone, so p10 <= p50 <= p90 survives it.
 */
export function decodeQuantiles(output: Float32Array, b: number, meta: ModelMetadata): MetricForecasts {
  const H = meta.horizon;
  const T = meta.targets.length;
  const Q = meta.quantiles.length;
  const [i10, i50, i90] = [0.1, 0.5, 0.9].map((q) => meta.quantiles.indexOf(q));
  const result = {} as MetricForecasts;
  METRICS.forEach((metric, m) => {
    const [lo, hiOrNull] = meta.value_ranges[metric];
    const hi = hiOrNull ?? Infinity;
    // filled with a double up front, so the arrays start as unboxed doubles and are never converted
    // while being written: that conversion was the largest cost of decoding a batch
    const p10 = new Array<number>(H).fill(NaN);
    const p50 = new Array<number>(H).fill(NaN);
    const p90 = new Array<number>(H).fill(NaN);
    const clip = (v: number) => (v < lo ? lo : v > hi ? hi : v);
    for (let h = 0, base = (b * H * T + m) * Q; h < H; h++, base += T * Q) {
      p10[h] = clip(output[base + i10]);
      p50[h] = clip(output[base + i50]);
      p90[h] = clip(output[base + i90]);
    }
    result[metric] = { p10, p50, p90 };
  });
  return result;
}

/** Row `b` of a `[B, names]` weight output as named weights, largest first. */
export function decodeWeights(output: Float32Array, b: number, names: readonly string[]): { name: string; weight: number }[] {
  return names.map((name, i) => ({ name, weight: output[b * names.length + i] })).sort((x, y) => y.weight - x.weight);
}
