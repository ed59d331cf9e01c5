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
 * A reader of rows of the `[B, H, targets, quantiles]` output, the metadata's lookups done once per
 * batch. Quantiles are looked up by their level in the metadata (never by position: the original read
 * q0.02/0.10/0.25 as p10/p50/p90), and clipped to each metric's valid range; clipping is monotone, so
 * p10 <= p50 <= p90 survives it.
 */
export function quantileDecoder(meta: ModelMetadata): (output: Float32Array, b: number) => MetricForecasts {
  const H = meta.horizon;
  const T = meta.targets.length;
  const Q = meta.quantiles.length;
  const [i10, i50, i90] = [0.1, 0.5, 0.9].map((q) => meta.quantiles.indexOf(q));
  const ranges = METRICS.map((metric) => {
    const [lo, hi] = meta.value_ranges[metric];
    return [lo, hi ?? Infinity];
  });
  // each array starts as a copy of one filled with doubles: unboxed from the start and never converted
  // while written (that conversion was the largest cost of decoding), and a copy is cheaper than a fill
  const blank = new Array<number>(H).fill(NaN);
  return (output, b) => {
    const result = {} as MetricForecasts;
    METRICS.forEach((metric, m) => {
      const [lo, hi] = ranges[m];
      const p10 = blank.slice();
      const p50 = blank.slice();
      const p90 = blank.slice();
      for (let h = 0, base = (b * H * T + m) * Q; h < H; h++, base += T * Q) {
        const v10 = output[base + i10];
        const v50 = output[base + i50];
        const v90 = output[base + i90];
        p10[h] = v10 < lo ? lo : v10 > hi ? hi : v10;
        p50[h] = v50 < lo ? lo : v50 > hi ? hi : v50;
        p90[h] = v90 < lo ? lo : v90 > hi ? hi : v90;
      }
      result[metric] = { p10, p50, p90 };
    });
    return result;
  };
}

/** Row `b` of a `[B, names]` weight output as named weights, largest first. */
export function decodeWeights(output: Float32Array, b: number, names: readonly string[]): { name: string; weight: number }[] {
  return names.map((name, i) => ({ name, weight: output[b * names.length + i] })).sort((x, y) => y.weight - x.weight);
}
