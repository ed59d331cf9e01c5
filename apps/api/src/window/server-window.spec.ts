import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ServerWindow } from './server-window';

const T = Date.UTC(2026, 0, 5, 12) / 1000; // on the 300 s grid

describe('ServerWindow', () => {
  it('averages samples per step and keeps the open step apart from the closed ones', () => {
    const w = new ServerWindow(300, 10);
    w.add(T + 5, [10, 20, 30, 1]);
    w.add(T + 10, [20, 40, 30, 3]);
    w.add(T + 305, [50, 50, 50, 5]);
    const closed = w.series(false)!;
    expect(closed.length).toBe(1);
    expect([...closed.values]).toEqual([15, 30, 30, 2]);
    expect([...closed.samples]).toEqual([2]);
    const all = w.series(true)!;
    expect(all.length).toBe(2);
    expect([...all.values.subarray(4)]).toEqual([50, 50, 50, 5]);
  });

  it('ignores a re-sent sample (same second) and reports it as a duplicate', () => {
    const w = new ServerWindow(300, 10);
    expect(w.add(T + 7.2, [10, 10, 10, 1])).toBe('added');
    expect(w.add(T + 7.9, [99, 99, 99, 9])).toBe('duplicate');
    expect(w.add(T + 8, [30, 30, 30, 3])).toBe('added');
    expect(w.bucket(T)).toMatchObject({ count: 2 });
    expect([...w.bucket(T)!.sums]).toEqual([40, 40, 40, 4]);
  });

  it('accepts late samples inside the ring, marks forecasts stale, and rejects older ones', () => {
    const w = new ServerWindow(300, 4);
    for (let k = 0; k < 4; k++) w.add(T + k * 300, [k, k, k, k]);
    const version = w.version;
    expect(w.add(T + 300 + 1, [3, 3, 3, 3])).toBe('added'); // late, into a closed step
    expect(w.version).toBe(version + 1);
    expect(w.series(false)!.values[4]).toBe(2); // (1 + 3) / 2
    expect(w.add(T - 300, [0, 0, 0, 0])).toBe('too_old');
  });

  it("gives the open step's means as the series has them", () => {
    const w = new ServerWindow(300, 10);
    expect(w.latestMeans()).toBeNull();
    w.add(T + 5, [10.1, 20, 30, 1]);
    w.add(T + 305, [50, 50, 50, 5]);
    w.add(T + 310, [20.2, 40, 30, 3]);
    const s = w.series(true)!;
    expect([...w.latestMeans()!]).toEqual([...s.values.subarray(4, 8)]);
    expect([...w.latestMeans()!]).toEqual([Math.fround(35.1), 45, 40, 4]);
  });

  it('merges partial samples per metric: weighted means, missing metrics masked, no second-level dedup', () => {
    const w = new ServerWindow(300, 10);
    // cpu from two requests of the same scrape (3 cores, then 1), memory at another second, no disk ever
    w.add(T + 10, [40, NaN, NaN, NaN], [3, 0, 0, 0]);
    w.add(T + 10, [80, NaN, NaN, NaN], [1, 0, 0, 0]);
    w.add(T + 12, [NaN, 60, NaN, 2], [0, 1, 0, 1]);
    w.add(T + 312, [NaN, 70, NaN, NaN], [0, 1, 0, 0]);
    const s = w.series(false)!;
    expect(s.length).toBe(1);
    expect([...s.values]).toEqual([50, 60, 0, 2]);
    expect([...s.mask]).toEqual([1, 1, 0, 1]);
    expect([...s.samples]).toEqual([3]);
    // the open step has memory only: the others come from the newest step that has them
    expect([...w.latestMeans()!]).toEqual([50, 70, NaN, 2]);
  });

  it('keeps per-metric counts through bucket() and restore()', () => {
    const w = new ServerWindow(300, 10);
    w.add(T + 10, [40, NaN, NaN, NaN], [3, 0, 0, 0]);
    w.add(T + 20, [10, 20, 30, 4]);
    const b = w.bucket(T)!;
    expect([...b.metricCounts]).toEqual([4, 1, 1, 1]);
    const copy = new ServerWindow(300, 10);
    copy.restore(b);
    expect([...copy.series(true)!.values]).toEqual([32.5, 20, 30, 4]);
  });

  it('leaves missing steps masked instead of inventing them', () => {
    const w = new ServerWindow(300, 10);
    w.add(T, [1, 1, 1, 1]);
    w.add(T + 900, [4, 4, 4, 4]);
    w.add(T + 1200, [5, 5, 5, 5]);
    const s = w.series(false)!;
    expect(s.length).toBe(4);
    expect([...s.mask.subarray(4, 12)]).toEqual(new Array(8).fill(0));
    expect([...s.samples]).toEqual([1, 0, 0, 1]);
    expect(w.closedBucketsWithin(12)).toBe(2);
  });

  it('forgets steps that fell out of the ring as newer ones arrive', () => {
    const w = new ServerWindow(300, 3);
    for (let k = 0; k < 6; k++) w.add(T + k * 300, [k, k, k, k]);
    const s = w.series(true)!;
    expect(s.t0).toBe(T + 900);
    expect(Array.from({ length: s.length }, (_, i) => s.values[i * 4])).toEqual([3, 4, 5]);
    expect(w.bucketCount()).toBe(3);
  });

  it('round-trips bucket state through restore (what the store persists)', () => {
    const a = new ServerWindow(300, 5);
    a.add(T + 1, [1, 2, 3, 4]);
    a.add(T + 301, [5, 6, 7, 8]);
    const b = new ServerWindow(300, 5);
    b.restore(a.bucket(T)!);
    b.restore(a.bucket(T + 300)!);
    expect(b.series(true)).toEqual(a.series(true));
    expect(b.add(T + 1, [9, 9, 9, 9])).toBe('duplicate');
  });

  it('keeps bucketCount equal to the buckets with data in the ring, through jumps, late and old samples', () => {
    const heldBySeries = (w: ServerWindow) => [...(w.series(true)?.samples ?? [])].filter((c) => c > 0).length;
    // offsets in seconds around T: small steps, late samples, jumps of up to two ring lengths
    const op = fc.oneof(fc.integer({ min: -3000, max: 3000 }), fc.integer({ min: -9000, max: 9000 }));
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 80 }), (moves) => {
        const w = new ServerWindow(300, 10);
        let t = T;
        for (const dt of moves) {
          t += dt;
          w.add(t, [1, 2, 3, 4]);
          expect(w.bucketCount()).toBe(heldBySeries(w));
        }
        // a window restored from the same buckets counts the same
        const r = new ServerWindow(300, 10);
        for (let k = 0; k < 10; k++) {
          const b = w.bucket(w.newest - k * 300);
          if (b) r.restore(b);
        }
        expect(r.bucketCount()).toBe(w.bucketCount());
      }),
      { numRuns: 500 },
    );
  });

  it('matches a plain map of buckets through duplicates, late, old and far-jumping samples', () => {
    const S = 300;
    const C = 8;
    /** The reference: every bucket in a Map, with a Set of its seconds. */
    const reference = () => {
      const buckets = new Map<number, { sums: number[]; seconds: Set<number> }>();
      let newest = -Infinity;
      return {
        add(t: number, v: number[]): string {
          const start = Math.floor(t / S) * S;
          if (start <= newest - C * S) return 'too_old';
          const b = buckets.get(start) ?? {
            sums: [0, 0, 0, 0],
            seconds: new Set<number>(),
          };
          if (b.seconds.has(Math.floor(t - start))) return 'duplicate';
          b.seconds.add(Math.floor(t - start));
          v.forEach((x, m) => (b.sums[m] += x));
          buckets.set(start, b);
          newest = Math.max(newest, start);
          for (const k of buckets.keys()) if (k <= newest - C * S) buckets.delete(k);
          return 'added';
        },
        means(): { start: number; values: number[] }[] {
          return [...buckets.entries()]
            .sort(([a], [b]) => a - b)
            .map(([start, b]) => ({
              start,
              values: b.sums.map((x) => Math.fround(x / b.seconds.size)),
            }));
        },
      };
    };
    const sample = fc.record({
      dt: fc.oneof(fc.integer({ min: -400, max: 400 }), fc.integer({ min: -2 * C * S, max: 2 * C * S }), fc.constant(0)),
      v: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 120 }), (samples) => {
        const w = new ServerWindow(S, C);
        const ref = reference();
        let t = T;
        for (const { dt, v } of samples) {
          t += dt;
          expect(w.add(t, [v, v / 2, 100 - v, v / 10])).toBe(ref.add(t, [v, v / 2, 100 - v, v / 10]));
        }
        const s = w.series(true)!;
        const got = Array.from({ length: s.length }, (_, i) => ({
          start: s.t0 + i * S,
          values: [...s.values.subarray(i * 4, i * 4 + 4)],
        })).filter((_, i) => s.samples[i] > 0);
        expect(got).toEqual(ref.means());
        expect(w.bucketCount()).toBe(ref.means().length);
      }),
      { numRuns: 400 },
    );
  });
});
