import { describe, expect, it } from 'vitest';
import { binSamples } from './step-grid';

const T0 = Date.UTC(2025, 0, 6, 12) / 1000; // on the 300 s grid

describe('binSamples', () => {
  it('averages each metric over its bucket, in any order, and leaves gaps masked', () => {
    const s = binSamples(
      [
        { time: T0 + 610, values: [30, 60, 40, 2] }, // bucket 2
        { time: T0 + 10, values: [10, 50, null, 1] }, // bucket 0
        { time: T0 + 299, values: [20, null, null, 3] }, // bucket 0
        { time: T0 + 600, values: [null, null, null, null] }, // all-null: creates nothing
      ],
      300,
    )!;
    expect(s.t0).toBe(T0);
    expect(s.length).toBe(3);
    expect([...s.values.subarray(0, 4)]).toEqual([15, 50, 0, 2]);
    expect([...s.mask.subarray(0, 4)]).toEqual([1, 1, 0, 1]);
    expect([...s.mask.subarray(4, 8)]).toEqual([0, 0, 0, 0]); // bucket 1: nothing arrived
    expect([...s.values.subarray(8, 12)]).toEqual([30, 60, 40, 2]);
    expect([...s.samples]).toEqual([2, 0, 2]);
  });

  it('ends the grid at the last bucket holding a value', () => {
    const s = binSamples(
      [
        { time: T0, values: [1, 1, 1, 1] },
        { time: T0 + 900, values: [null, null, null, null] },
      ],
      300,
    )!;
    expect(s.length).toBe(1);
    expect(binSamples([{ time: T0, values: [null, null, null, null] }], 300)).toBeNull();
  });

  it('ignores non-finite values rather than poisoning the mean', () => {
    const s = binSamples(
      [
        { time: T0, values: [NaN, 5, Infinity, 1] },
        { time: T0 + 1, values: [7, 7, 7, 1] },
      ],
      300,
    )!;
    expect([...s.values]).toEqual([7, 6, 7, 1]);
  });
});
