import { METRICS } from '@tft/contracts';
import { describe, expect, it } from 'vitest';
import { ablatedInputs, attributionsOf, INPUT_GROUPS, inputGroupId } from './attribution';
import type { MetricForecasts } from './forecast-decoding';
import { buildModelInputs } from './model-inputs';
import { binSamples } from './step-grid';

const STEP = 300;
const ORIGIN = Date.UTC(2026, 0, 7, 2) / 1000;
/** A model shape small enough to read: a 2-day encoder would hide nothing more. */
const shape = { L: 300, H: 24, stepSeconds: STEP };
const series = binSamples(
  Array.from({ length: 300 }, (_, k) => ({ time: ORIGIN - (299 - k) * STEP, values: [10 + k, 20, 30, 1] })),
  STEP,
)!;

describe('ablatedInputs', () => {
  const base = buildModelInputs([{ series, profileIndex: 3 }], shape);
  const rows = ablatedInputs(base, shape);
  const masked = (r: number, metric: number) =>
    Array.from({ length: shape.L }, (_, p) => p).filter((p) => rows.pastMask[(r * shape.L + p) * 4 + metric] === 0);

  it('keeps the forecast itself as row 0 and adds one row per input group', () => {
    expect(rows.batch).toBe(1 + INPUT_GROUPS.length);
    expect(rows.pastValues.subarray(0, shape.L * 4)).toEqual(base.pastValues);
    expect(masked(0, 0)).toEqual([]);
    expect(rows.profile[0]).toBe(3n);
  });

  it('masks the last hour for recent values, and the day-old steps the horizon repeats for day_ago', () => {
    const recentCpu = 1 + INPUT_GROUPS.findIndex((g) => inputGroupId(g) === 'cpu_percent.recent');
    expect(masked(recentCpu, 0)).toEqual(Array.from({ length: 12 }, (_, i) => 288 + i));
    expect(masked(recentCpu, 1)).toEqual([]);
    // decoder step j (starting origin + (j+1) step) a day earlier is encoder position L - 288 + j
    const dayAgoMemory = 1 + INPUT_GROUPS.findIndex((g) => inputGroupId(g) === 'memory_percent.day_ago');
    expect(masked(dayAgoMemory, 1)).toEqual(Array.from({ length: 24 }, (_, j) => 12 + j));
    expect(rows.pastValues[(dayAgoMemory * shape.L + 12) * 4 + 1]).toBe(0);
    expect(masked(dayAgoMemory, 0)).toEqual([]);
  });

  it('blanks the calendar but keeps the position feature, and makes the profile unknown', () => {
    const calendar = 1 + INPUT_GROUPS.findIndex((g) => g.kind === 'calendar');
    const f = rows.futureTime.subarray(calendar * shape.H * 5, calendar * shape.H * 5 + 10);
    expect([...f]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, base.futureTime[9]]);
    expect(base.futureTime[1]).not.toBe(0);
    const profile = 1 + INPUT_GROUPS.findIndex((g) => g.kind === 'profile');
    expect(rows.profile[profile]).toBe(0n);
    expect(rows.profile[calendar]).toBe(3n);
  });
});

describe('attributionsOf', () => {
  const flat = (cpu: number): MetricForecasts =>
    Object.fromEntries(
      METRICS.map((m) => [m, { p10: [0, 0], p50: m === 'cpu_percent' ? [cpu, cpu + 2] : [5, 5], p90: [9, 9] }]),
    ) as MetricForecasts;

  it('scores each group by the mean absolute change of the p50, largest first, with its share', () => {
    const ablated = INPUT_GROUPS.map((g) => flat(inputGroupId(g) === 'cpu_percent.recent' ? 40 : inputGroupId(g) === 'calendar' ? 55 : 50));
    const cpu = attributionsOf(flat(50), ablated).cpu_percent;
    expect(cpu.slice(0, 2).map((r) => [r.input, r.change, r.share])).toEqual([
      ['cpu_percent.recent', 10, 10 / 15],
      ['calendar', 5, 5 / 15],
    ]);
    expect(cpu[0].label).toBe('cpu_percent over the last hour');
    expect(attributionsOf(flat(50), ablated).memory_percent.every((r) => r.change === 0 && r.share === 0)).toBe(true);
  });
});
