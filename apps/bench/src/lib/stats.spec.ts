import { maxAbsDiff, median, percentile, perSecond } from './stats';

describe('median and percentile', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it('interpolates between ranks like numpy', () => {
    const xs = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    expect(percentile(xs, 0)).toBe(10);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile(xs, 90)).toBeCloseTo(91, 10);
    expect(percentile(xs, 99)).toBeCloseTo(99.1, 10);
    expect(percentile([3, 1, 2], 50)).toBe(2);
  });

  it('sorts numerically, not as strings', () => {
    expect(median([100, 9, 20])).toBe(20);
  });

  it('rejects a percentile outside 0..100', () => {
    expect(() => percentile([1], 101)).toThrow(/0\.\.100/);
    expect(() => percentile([1], -1)).toThrow(RangeError);
  });
});

describe('perSecond and maxAbsDiff', () => {
  it('turns a count over milliseconds into a rate', () => {
    expect(perSecond(1000, 2500)).toBe(400);
    expect(perSecond(5, 0)).toBeNaN();
  });

  it('finds the largest element-wise gap and refuses different lengths', () => {
    expect(maxAbsDiff([1, 2, 3], Float32Array.from([1, 2.5, 2]))).toBe(1);
    expect(maxAbsDiff([0, 0], [0, Number.NaN])).toBeNaN();
    expect(() => maxAbsDiff([1], [1, 2])).toThrow(/length/);
  });
});
