import { METRIC_SPECS, METRICS } from '@tft/contracts';
import { describe, expect, it } from 'vitest';
import { HEURISTIC_DAMPING, heuristicForecast } from './heuristic';
import { Z_P90 } from './incident-risk';
import type { StepSeries } from './step-grid';

const T0 = Date.UTC(2025, 0, 6, 12) / 1000;

/** Rows of [cpu, memory, disk, load] on a 5 min grid; `null` = not observed (value 0, mask 0). */
function series(rows: readonly (readonly (number | null)[])[]): StepSeries {
  const values = new Float32Array(rows.length * 4);
  const mask = new Float32Array(rows.length * 4);
  rows.forEach((row, i) =>
    row.forEach((v, m) => {
      if (v === null) return;
      values[i * 4 + m] = v;
      mask[i * 4 + m] = 1;
    }),
  );
  return {
    t0: T0,
    stepSeconds: 300,
    length: rows.length,
    values,
    mask,
    samples: new Uint32Array(rows.length).fill(1),
  };
}

function rowsOf(n: number, row: (i: number) => (number | null)[]): (number | null)[][] {
  return Array.from({ length: n }, (_, i) => row(i));
}

/** sum_{k=1..d} phi^k, written out independently of the implementation. */
function damped(d: number): number {
  let s = 0;
  for (let k = 1; k <= d; k++) s += HEURISTIC_DAMPING ** k;
  return s;
}

describe('heuristicForecast', () => {
  it('keeps a flat hour flat, with a symmetric band growing like sqrt(h + 1) from the sigma floor', () => {
    const f = heuristicForecast(series(rowsOf(24, () => [40, 60, 70, 2])), 96);
    const cpu = f.cpu_percent;
    expect(cpu.p50).toHaveLength(96);
    expect(cpu.p50.every((v) => v === 40)).toBe(true);
    expect(cpu.p90[0]).toBeCloseTo(40 + Z_P90 * 0.5, 10);
    expect(cpu.p90[3]).toBeCloseTo(40 + Z_P90, 10); // sqrt(4) * 0.5 = 1
    expect(cpu.p90[95]).toBeCloseTo(40 + Z_P90 * 0.5 * Math.sqrt(96), 10);
    for (let h = 0; h < 96; h++) expect(40 - cpu.p10[h]).toBeCloseTo(cpu.p90[h] - 40, 10);
    expect(f.memory_percent.p50[50]).toBe(60);
    expect(f.load_average.p90[3]).toBeCloseTo(2 + Z_P90 * 0.05 * 2, 10);
    expect(f.load_average.p10[3]).toBeCloseTo(2 - Z_P90 * 0.05 * 2, 10);
  });

  it('damps a rising trend instead of extrapolating it linearly', () => {
    // cpu rises 0.25 per step: level 55.75 at bucket 23
    const f = heuristicForecast(series(rowsOf(24, (i) => [50 + 0.25 * i, 60, 70, 2])), 96);
    const p50 = f.cpu_percent.p50;
    expect(p50[0]).toBeCloseTo(55.75 + 0.25 * 0.97, 10);
    expect(p50[95]).toBeCloseTo(63.399146171690134, 8); // 55.75 + 0.25 * sum_{k=1..96} 0.97^k
    expect(p50[95]).toBeLessThan(55.75 + 0.25 * 96);
    for (let h = 1; h < 96; h++) expect(p50[h]).toBeGreaterThan(p50[h - 1]);
    expect(p50[95] - p50[94]).toBeLessThan((p50[1] - p50[0]) / 10);
    // an exact line has no residuals, so the band is the floor
    expect(f.cpu_percent.p90[0] - p50[0]).toBeCloseTo(Z_P90 * 0.5, 10);
  });

  it('blends the hour slope (0.6) with the last three points (0.4)', () => {
    // hour: 50 x 9 then 51, 52, 53. LS slope over the hour = 29 / 143; last three: 1 per step.
    const cpu = [50, 50, 50, 50, 50, 50, 50, 50, 50, 51, 52, 53];
    const f = heuristicForecast(series(rowsOf(12, (i) => [cpu[i], 60, 70, 2])), 4);
    const slope = 0.6 * (29 / 143) + 0.4 * 1;
    expect(f.cpu_percent.p50[0]).toBeCloseTo(53.50602797202797, 10);
    expect(f.cpu_percent.p50[3]).toBeCloseTo(53 + slope * damped(4), 10);
  });

  it('looks only at the last hour', () => {
    const f = heuristicForecast(series(rowsOf(36, (i) => [i < 24 ? 90 : 40, 60, 70, 2])), 8);
    expect(f.cpu_percent.p50).toEqual(new Array(8).fill(40));
    expect(f.cpu_percent.p90[0]).toBeCloseTo(40 + Z_P90 * 0.5, 10);
  });

  it('clips to the valid range: percents at 0 and 100, load only at 0', () => {
    const f = heuristicForecast(series(rowsOf(12, (i) => [76 + 2 * i, 60, 22 - 2 * i, 2.75 - 0.25 * i])), 96);
    expect(f.cpu_percent.p50[0]).toBeCloseTo(98 + 2 * 0.97, 10);
    expect(f.cpu_percent.p50[1]).toBe(100);
    expect(f.cpu_percent.p90[0]).toBe(100);
    expect(f.cpu_percent.p50[95]).toBe(100);
    expect(f.cpu_percent.p10[0]).toBeCloseTo(98 + 2 * 0.97 - Z_P90 * 0.5, 10);
    // disk fell 2 per step to 0: the trend runs out of range faster than the band widens
    expect(f.disk_percent.p10[0]).toBe(0);
    expect(f.disk_percent.p50[0]).toBe(0);
    expect(f.disk_percent.p90[95]).toBe(0);
    expect(f.load_average.p50[5]).toBe(0);
    expect(f.load_average.p10[0]).toBe(0);

    const rising = heuristicForecast(series(rowsOf(12, (i) => [40, 60, 70, 10 + i])), 96);
    expect(rising.load_average.p50[95]).toBeCloseTo(21 + damped(96), 8); // no upper bound
  });

  it('uses only observed buckets, and counts a trailing gap as distance from the last observation', () => {
    // cpu observed in odd buckets only (even ones hold 0 with mask 0); memory missing in the last two.
    const f = heuristicForecast(series(rowsOf(12, (i) => [i % 2 === 1 ? 40 : null, i < 10 ? 50 + 0.25 * i : null, 70, 2])), 4);
    expect(f.cpu_percent.p50).toEqual([40, 40, 40, 40]);
    expect(f.cpu_percent.p90[0]).toBeCloseTo(40 + Z_P90 * 0.5, 10);
    // last memory observation 52.25 at bucket 9: forecast step 0 is 3 steps after it
    expect(f.memory_percent.p50[0]).toBeCloseTo(52.25 + 0.25 * (0.97 + 0.97 ** 2 + 0.97 ** 3), 10);
    expect(f.memory_percent.p90[0] - f.memory_percent.p50[0]).toBeCloseTo(Z_P90 * 0.5 * Math.sqrt(3), 10);
  });

  it('keeps p10 <= p50 <= p90 inside the valid range on noisy, gappy series', () => {
    let state = 12345;
    const rand = () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648;
    };
    const f = heuristicForecast(
      series(
        rowsOf(48, (i) => [
          rand() < 0.2 ? null : Math.min(100, 95 + 10 * rand()),
          rand() < 0.2 ? null : 60 + 20 * rand(),
          rand() < 0.2 ? null : 5 * rand(),
          rand() < 0.2 ? null : Math.max(0, 0.5 - i * 0.05 + rand()),
        ]),
      ),
      96,
    );
    for (const metric of METRICS) {
      const { p10, p50, p90 } = f[metric];
      const hi = METRIC_SPECS[metric].max ?? Infinity;
      for (let h = 0; h < 96; h++) {
        expect(Number.isFinite(p10[h]) && Number.isFinite(p90[h])).toBe(true);
        expect(p10[h]).toBeGreaterThanOrEqual(0);
        expect(p10[h]).toBeLessThanOrEqual(p50[h]);
        expect(p50[h]).toBeLessThanOrEqual(p90[h]);
        expect(p90[h]).toBeLessThanOrEqual(hi);
      }
      expect(p90[95] - p10[95]).toBeGreaterThan(0);
    }
  });

  it('gives one observation a flat forecast with a default band, and no observation zeros', () => {
    const f = heuristicForecast(series([[50, null, 99, 5]]), 4);
    expect(f.cpu_percent.p50).toEqual([50, 50, 50, 50]);
    expect(f.cpu_percent.p90[0]).toBeCloseTo(50 + Z_P90 * 2, 10); // 2 % of 0..100
    expect(f.cpu_percent.p10[3]).toBeCloseTo(50 - Z_P90 * 2 * 2, 10);
    expect(f.disk_percent.p90).toEqual([100, 100, 100, 100]);
    expect(f.load_average.p90[0]).toBeCloseTo(5 + Z_P90 * 0.5, 10); // 10 % of 5
    expect(f.memory_percent).toEqual({
      p10: [0, 0, 0, 0],
      p50: [0, 0, 0, 0],
      p90: [0, 0, 0, 0],
    });

    const idle = heuristicForecast(series([[null, null, null, 0.25]]), 1).load_average;
    expect(idle.p90[0]).toBeCloseTo(0.25 + Z_P90 * 0.1, 10); // floor 0.1 beats 10 % of 0.25
    expect(idle.p10[0]).toBeCloseTo(0.25 - Z_P90 * 0.1, 10);
  });

  it('rejects a bad horizon and accepts an empty one', () => {
    const s = series([[50, 60, 70, 2]]);
    expect(() => heuristicForecast(s, -1)).toThrow(RangeError);
    expect(() => heuristicForecast(s, 1.5)).toThrow(/non-negative integer/);
    expect(heuristicForecast(s, 0).cpu_percent.p50).toEqual([]);
  });
});
