import type { StepSeries } from '@tft/forecasting';

export const T0 = Date.UTC(2025, 0, 6) / 1000;
export const STEP = 300;

/** cpu at bucket i: 50, with one ramp of +2 per step from bucket 200 (80 = warning at 215, 98 at 224), then 50 again. */
export const rampCpu = (i: number): number => (i >= 200 && i <= 224 ? 50 + 2 * (i - 200) : 50);

/** `n` buckets of cpu only (the other metrics unmeasured), rampCpu's shape. */
export function rampSeries(n: number): StepSeries {
  const values = new Float32Array(n * 4);
  const mask = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    values[i * 4] = rampCpu(i);
    mask[i * 4] = 1;
  }
  return { t0: T0, stepSeconds: STEP, length: n, values, mask, samples: new Uint32Array(n).fill(1) };
}
