import type { MetricForecasts, StepSeries } from '@tft/forecasting';
import { describe, expect, it } from 'vitest';
import { isPlateau, runBacktest, type ModelUnderTest } from './backtest';

const STEP = 300;

/** cpu only: 40 with a small wobble, and held at 97-99 from step 400 to 700, then 40 again. */
function heldHigh(n: number): StepSeries {
  const values = new Float32Array(n * 4);
  const mask = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    values[i * 4] = i >= 400 && i < 700 ? 97 + (i % 3) : 40 + (i % 2);
    mask[i * 4] = 1;
  }
  return { t0: 1736121600, stepSeconds: STEP, length: n, values, mask, samples: new Uint32Array(n).fill(1) };
}

describe('plateaus', () => {
  it('are the last six observed steps within five points at or above 80', () => {
    const s = heldHigh(900);
    expect(isPlateau(s, 404, 0)).toBe(false); // only five steps up there
    expect(isPlateau(s, 405, 0)).toBe(true);
    expect(isPlateau(s, 699, 0)).toBe(true);
    expect(isPlateau(s, 700, 0)).toBe(false); // back down
    expect(isPlateau(s, 500, 1)).toBe(false); // memory is not measured
    s.mask[450 * 4] = 0;
    expect(isPlateau(s, 452, 0)).toBe(false); // a gap in the six steps
  });

  it("score each model's p50 30 minutes after them: a model that expects reversion loses to persistence", async () => {
    // p50 falls back to 50 at once: the synthetic-spike habit issue #28 measured
    const reverting: ModelUnderTest = {
      name: 'tft',
      profileIndex: () => 0,
      forecaster: {
        forecast: async (items) =>
          items.map(() => {
            const q = { p10: new Array(96).fill(45), p50: new Array(96).fill(50), p90: new Array(96).fill(55) };
            return { cpu_percent: q, memory_percent: q, disk_percent: q, load_average: q } as MetricForecasts;
          }),
      },
    };
    const r = await runBacktest([{ name: 'held', profile: null, series: heldHigh(1200), file: 'x' }], {
      stepSeconds: STEP,
      horizon: 96,
      maxEncoder: 288,
      minEncoder: 12,
      stride: 1,
      calibrationFraction: 0.3,
      models: [reverting],
    });
    const row = (m: string) => r.plateau.find((p) => p.model === m)!;
    // origins 287..1103, the first 245 calibrate: scored from 532, on the plateau through 699
    expect(row('tft').n).toBe(699 - 532 + 1);
    expect(row('persistence').n).toBe(row('tft').n);
    expect(row('tft').mae_30m).toBeGreaterThan(40);
    expect(row('persistence').mae_30m).toBeLessThan(10); // wrong only where the plateau ends within 30 minutes
  });
});
