import { fleetHistories, inGap, makeFleet } from './fleet';
import { gaussian, seededRandom } from './rng';

describe('seededRandom', () => {
  it('repeats for a seed and differs across seeds', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(seededRandom(43)()).not.toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('gives standard normal draws', () => {
    const r = seededRandom(7);
    const n = 20000;
    const xs = Array.from({ length: n }, () => gaussian(r));
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
  });
});

describe('fleetHistories', () => {
  const fleet = makeFleet(200, 3);
  const origin = Date.UTC(2026, 10, 23, 14, 5) / 1000;
  const items = fleetHistories(fleet, {
    steps: 144,
    stepSeconds: 300,
    origin,
    seed: 9,
    profileIndex: (s) => fleet.indexOf(s) % 8,
  });

  it('builds one 144-step series per server ending at the origin step', () => {
    expect(items).toHaveLength(200);
    for (const { series } of items) {
      expect(series.length).toBe(144);
      expect(series.t0 + 143 * 300).toBe(origin);
      expect(series.values).toHaveLength(576);
      expect(series.mask[143 * 4]).toBe(1); // the origin step holds data
    }
    expect(items[9].profileIndex).toBe(1);
  });

  it('has a daily cycle, varied levels, a few gaps, and zeros wherever the mask is 0', () => {
    const cpuMeans = items.map(({ series }) => {
      let sum = 0;
      let n = 0;
      for (let i = 0; i < 144; i++) {
        if (series.mask[i * 4]) {
          sum += series.values[i * 4];
          n++;
        }
      }
      return sum / n;
    });
    expect(Math.max(...cpuMeans) - Math.min(...cpuMeans)).toBeGreaterThan(30);
    const gapped = items.filter(({ series }) => series.samples.some((s) => s === 0));
    expect(gapped.length).toBeGreaterThan(5);
    expect(gapped.length).toBeLessThan(60);
    for (const { series } of items) {
      for (let j = 0; j < series.values.length; j++) if (series.mask[j] === 0) expect(series.values[j]).toBe(0);
    }
    // 144 steps = 12 h: the cpu of a server without gaps swings with the time of day
    const steady = items.find(({ series }, i) => fleet[i].cpuAmp > 15 && series.samples.every((s) => s > 0));
    expect(steady).toBeDefined();
    const cpu = Array.from({ length: 144 }, (_, i) => steady!.series.values[i * 4]);
    expect(Math.max(...cpu) - Math.min(...cpu)).toBeGreaterThan(15);
  });

  it('is the same for the same seed', () => {
    const again = fleetHistories(makeFleet(200, 3), {
      steps: 144,
      stepSeconds: 300,
      origin,
      seed: 9,
      profileIndex: () => 0,
    });
    expect(again[17].series.values).toEqual(items[17].series.values);
  });

  it('marks gap steps by step index', () => {
    const s = { ...fleet[0], gapEvery: 10, gapOffset: 3, gapLength: 2 };
    expect([2, 3, 4, 5, 13, 14, 15].map((k) => inGap(s, k))).toEqual([false, true, true, false, true, true, false]);
    expect(inGap({ ...s, gapEvery: 0 }, 3)).toBe(false);
  });
});
