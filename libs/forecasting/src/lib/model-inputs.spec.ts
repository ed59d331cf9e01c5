import { describe, expect, it } from 'vitest';
import { buildModelInputs } from './model-inputs';
import { binSamples } from './step-grid';

const MONDAY = Date.UTC(2025, 0, 6) / 1000;

describe('buildModelInputs', () => {
  const series = binSamples(
    Array.from({ length: 5 }, (_, i) => ({
      time: MONDAY + i * 300,
      values: [i, 10 + i, 20, 0.5],
    })),
    300,
  )!;
  const inputs = buildModelInputs([{ series, profileIndex: 3 }], {
    L: 8,
    H: 4,
    stepSeconds: 300,
  });

  it('left-pads the encoder and ends it at the last bucket', () => {
    expect(inputs.encoderLength[0]).toBe(5n);
    expect(inputs.profile[0]).toBe(3n);
    expect(inputs.origins[0]).toBe(MONDAY + 1200);
    expect([...inputs.pastMask.subarray(0, 12)]).toEqual(new Array(12).fill(0));
    expect([...inputs.pastValues.subarray(12, 16)]).toEqual([0, 10, 20, 0.5]);
    expect([...inputs.pastValues.subarray(28, 32)]).toEqual([4, 14, 20, 0.5]);
  });

  it('writes time features of each step start (Monday 00:00 is tod 0, dow 0)', () => {
    // encoder position 3 is the first real bucket: Monday 00:00; rel = (3 - 8) / 4
    const f = [...inputs.pastTime.subarray(3 * 5, 4 * 5)];
    expect(f[0]).toBeCloseTo(0, 7);
    expect(f[1]).toBeCloseTo(1, 7);
    expect(f[2]).toBeCloseTo(0, 7);
    expect(f[3]).toBeCloseTo(1, 7);
    expect(f[4]).toBe(-1.25);
    // first future step starts at 00:25: tod = 1500/86400
    const g = [...inputs.futureTime.subarray(0, 5)];
    expect(g[0]).toBeCloseTo(Math.sin((2 * Math.PI * 1500) / 86400), 7);
    expect(g[4]).toBe(0);
    expect(inputs.futureTime[3 * 5 + 4]).toBe(0.75);
  });

  it('takes only the last L buckets of a long history', () => {
    const long = binSamples(
      Array.from({ length: 20 }, (_, i) => ({
        time: MONDAY + i * 300,
        values: [i, 0, 0, 0],
      })),
      300,
    )!;
    const x = buildModelInputs([{ series: long, profileIndex: 0 }], {
      L: 8,
      H: 4,
      stepSeconds: 300,
    });
    expect(x.encoderLength[0]).toBe(8n);
    expect(Array.from({ length: 8 }, (_, i) => x.pastValues[i * 4])).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('gives each row the time features of its own origin when origins differ within a batch', () => {
    const later = binSamples([{ time: MONDAY + 3600, values: [1, 1, 1, 1] }], 300)!;
    const x = buildModelInputs(
      [
        { series, profileIndex: 0 },
        { series: later, profileIndex: 0 },
        { series, profileIndex: 0 },
      ],
      { L: 8, H: 4, stepSeconds: 300 },
    );
    const row = (t: Float32Array, b: number, steps: number) => [...t.subarray(b * steps * 5, (b + 1) * steps * 5)];
    expect(row(x.pastTime, 2, 8)).toEqual(row(x.pastTime, 0, 8));
    expect(row(x.futureTime, 2, 4)).toEqual(row(x.futureTime, 0, 4));
    // row 1's origin is Monday 01:00, 40 minutes after row 0's (00:20): its first future step starts at 01:05
    expect(x.origins[1] - x.origins[0]).toBe(2400);
    expect(x.futureTime[4 * 5]).toBeCloseTo(Math.sin((2 * Math.PI * 3900) / 86400), 6);
    expect(x.futureTime[4 * 5]).not.toBeCloseTo(x.futureTime[0], 3);
  });

  it('refuses a series on another grid', () => {
    expect(() =>
      buildModelInputs([{ series, profileIndex: 0 }], {
        L: 8,
        H: 4,
        stepSeconds: 60,
      }),
    ).toThrow('series is on a 300 s grid but the model steps 60 s');
  });

  it('builds over a spare batch exactly what it builds afresh: padding zeroed, longer batches get new memory', () => {
    const shape = { L: 8, H: 4, stepSeconds: 300 };
    const history = (n: number, v: number) =>
      binSamples(
        Array.from({ length: n }, (_, i) => ({ time: MONDAY + i * 300, values: [v + i, v, v, 1] })),
        300,
      )!;
    const long = buildModelInputs(
      [8, 8, 8].map((n) => ({ series: history(n, 50), profileIndex: 1 })),
      shape,
    );
    const items = [3, 8].map((n, b) => ({ series: history(n, 7 + b), profileIndex: b }));
    const over = buildModelInputs(items, shape, long);
    const fresh = buildModelInputs(items, shape);
    expect(over.pastValues.buffer).toBe(long.pastValues.buffer);
    for (const key of ['pastValues', 'pastMask', 'encoderLength', 'pastTime', 'futureTime', 'profile', 'origins'] as const) {
      expect([...over[key]], key).toEqual([...fresh[key]]);
    }
    const wider = buildModelInputs([...items, ...items], shape, over);
    expect(wider.pastValues.buffer).not.toBe(over.pastValues.buffer);
    expect(wider.pastValues).toHaveLength(4 * 8 * 4);
  });
});
