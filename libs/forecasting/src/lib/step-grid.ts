import { METRICS } from '@tft/contracts';

const N_METRICS = METRICS.length;

/** One raw sample: epoch seconds and the four metric values (`null` = not measured). */
export interface RawSample {
  time: number;
  values: ArrayLike<number | null>;
}

/**
 * One server's history on the model's step grid, row-major `[length, 4]`. `values` is 0 wherever
 * `mask` is 0: gaps stay gaps, nothing is invented.
 */
export interface StepSeries {
  /** Epoch seconds of the start of bucket 0. */
  t0: number;
  stepSeconds: number;
  length: number;
  values: Float32Array;
  mask: Float32Array;
  /** Samples that went into each bucket (any metric). */
  samples: Uint32Array;
}

export function bucketStart(time: number, stepSeconds: number): number {
  return Math.floor(time / stepSeconds) * stepSeconds;
}

/**
 * Bins raw samples onto the step grid: per metric, the mean (in float64) of the non-null samples in
 * each bucket. The grid runs from the first to the last bucket holding any value; samples whose cells
 * are all null create nothing. Order of the samples does not matter. `null` when nothing was observed.
 */
export function binSamples(samples: Iterable<RawSample>, stepSeconds: number): StepSeries | null {
  const buckets = new Map<number, { sums: Float64Array; counts: Uint32Array; samples: number }>();
  for (const { time, values } of samples) {
    const b = bucketStart(time, stepSeconds);
    for (let m = 0; m < N_METRICS; m++) {
      const v = values[m];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      let bucket = buckets.get(b);
      if (!bucket) {
        bucket = {
          sums: new Float64Array(N_METRICS),
          counts: new Uint32Array(N_METRICS),
          samples: 0,
        };
        buckets.set(b, bucket);
      }
      bucket.sums[m] += v;
      bucket.counts[m]++;
    }
    const bucket = buckets.get(b);
    if (bucket) bucket.samples++;
  }
  if (buckets.size === 0) return null;
  let first = Infinity;
  let last = -Infinity;
  for (const b of buckets.keys()) {
    if (b < first) first = b;
    if (b > last) last = b;
  }
  const length = (last - first) / stepSeconds + 1;
  const values = new Float32Array(length * N_METRICS);
  const mask = new Float32Array(length * N_METRICS);
  const counts = new Uint32Array(length);
  for (const [b, bucket] of buckets) {
    const i = (b - first) / stepSeconds;
    counts[i] = bucket.samples;
    for (let m = 0; m < N_METRICS; m++) {
      if (bucket.counts[m] === 0) continue;
      values[i * N_METRICS + m] = bucket.sums[m] / bucket.counts[m];
      mask[i * N_METRICS + m] = 1;
    }
  }
  return { t0: first, stepSeconds, length, values, mask, samples: counts };
}

/** ISO 8601 UTC without milliseconds, e.g. `2025-01-06T00:05:00Z`: how step times are written everywhere. */
export function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** Three decimals: the precision observed values are sent and shown with (history, streamed samples, `current`). */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * Two decimals: the precision forecast quantiles and alert values are sent with, as `uptime` shows
 * load. A forecast's p10-p90 spread is whole units, so a third decimal only made bodies larger.
 */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
