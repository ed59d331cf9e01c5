import { describe, expect, it } from 'vitest';
import {
  bucketOfSteps,
  intervalCoverage,
  meanAbsoluteScaledError,
  naiveScale,
  pinballLoss,
  ScoreAccumulator,
  weightedQuantileLoss,
} from './metrics';

// Worked by hand (see each expectation): y = 10, 20 and one masked step.
const forecast = { p10: [8, 22, 5], p50: [10, 18, 5], p90: [12, 25, 5] };
const targets = { values: [10, 20, 999], observed: [1, 1, 0] };

describe('pinballLoss', () => {
  it('weights under- and over-prediction by q and 1 - q', () => {
    expect(pinballLoss(10, 8, 0.1)).toBeCloseTo(0.2, 12); // under by 2: 0.1 * 2
    expect(pinballLoss(20, 22, 0.1)).toBeCloseTo(1.8, 12); // over by 2: 0.9 * 2
    expect(pinballLoss(20, 25, 0.9)).toBeCloseTo(0.5, 12); // over by 5: 0.1 * 5
    expect(pinballLoss(20, 18, 0.5)).toBeCloseTo(1, 12);
    expect(pinballLoss(7, 7, 0.9)).toBe(0);
  });
});

describe('weightedQuantileLoss', () => {
  it('is 2 * sum pinball / sum |y| averaged over q = 0.1, 0.5, 0.9, skipping masked targets', () => {
    // q0.1: 0.2 + 1.8 = 2.0; q0.5: 0 + 1.0 = 1.0; q0.9: 0.2 + 0.5 = 0.7; sum |y| = 30
    // mean(2*2/30, 2*1/30, 2*0.7/30) = 7.4 / 90
    expect(weightedQuantileLoss(forecast, targets)).toBeCloseTo(7.4 / 90, 12);
  });

  it('is 0 for a forecast that hits every target with a zero-width band', () => {
    expect(weightedQuantileLoss({ p10: [3, 4], p50: [3, 4], p90: [3, 4] }, { values: [3, 4], observed: [1, 1] })).toBe(0);
  });

  it('is null when nothing is observed or every target is 0', () => {
    expect(
      weightedQuantileLoss(forecast, {
        values: [1, 2, 3],
        observed: [0, 0, 0],
      }),
    ).toBeNull();
    expect(
      weightedQuantileLoss(forecast, {
        values: [0, 0, 0],
        observed: [1, 1, 1],
      }),
    ).toBeNull();
  });
});

describe('naiveScale and MASE', () => {
  it('scales by the mean one-step change between consecutive observed history steps', () => {
    // pairs (1,3) -> 2 and (4,8) -> 4; the pair across the gap (3, masked) and (masked, 4) are skipped
    expect(naiveScale([1, 3, 0, 4, 8], [1, 1, 0, 1, 1])).toBe(3);
    expect(naiveScale([5, 6], [1, 0])).toBeNull();
  });

  it('divides the mean absolute p50 error by the scale', () => {
    // |10 - 10| = 0, |20 - 18| = 2 -> mean 1, / 3
    expect(meanAbsoluteScaledError(forecast.p50, targets, 3)).toBeCloseTo(1 / 3, 12);
    expect(meanAbsoluteScaledError(forecast.p50, targets, 0)).toBeNull();
    expect(meanAbsoluteScaledError(forecast.p50, targets, null)).toBeNull();
  });
});

describe('intervalCoverage', () => {
  it('counts observed targets inside [p10, p90]', () => {
    // 10 in [8, 12]; 20 not in [22, 25]
    expect(intervalCoverage(forecast, targets)).toBe(0.5);
  });
});

describe('bucketOfSteps', () => {
  it('puts steps 1-6, 7-24 and 25-96 of a 5 min grid in 0-30m, 30m-2h and 2h-8h', () => {
    const b = bucketOfSteps(96, 300);
    expect([b[0], b[5], b[6], b[23], b[24], b[95]]).toEqual([0, 0, 1, 1, 2, 2]);
  });
});

describe('ScoreAccumulator', () => {
  it('pools sums per metric and horizon bucket, and averages metrics into overall', () => {
    const acc = new ScoreAccumulator(8, 300);
    const y = { values: new Array(8).fill(10), observed: new Array(8).fill(1) };
    // steps 1-6: p50 = 10 (exact), band 9..11; steps 7-8: p50 = 12, band 11..13
    const p50 = [10, 10, 10, 10, 10, 10, 12, 12];
    acc.add('cpu_percent', { p10: p50.map((v) => v - 1), p50, p90: p50.map((v) => v + 1) }, y, 2);
    const flat = new Array(8).fill(50);
    acc.add('memory_percent', { p10: flat, p50: flat, p90: flat }, { values: flat, observed: new Array(8).fill(1) }, 1);
    const rows = acc.rows();
    const row = (metric: string, bucket: string) => rows.find((r) => r.metric === metric && r.horizon_bucket === bucket)!;

    // 0-30m: per step pinball 0.1 + 0 + 0.1 = 0.2, 6 steps = 1.2; sum |y| = 60 -> 2 * 1.2 / 60 / 3
    expect(row('cpu_percent', '0-30m').wql).toBeCloseTo(2.4 / 180, 12);
    expect(row('cpu_percent', '0-30m').coverage_p10_p90).toBe(1);
    expect(row('cpu_percent', '0-30m').mase).toBe(0);
    expect(row('cpu_percent', '0-30m').n).toBe(6);
    // 30m-2h: y = 10 under p10 = 11: 0.9 * 1 + 0.5 * 2 + 0.1 * 3 = 2.2 per step, 4.4 / 20
    expect(row('cpu_percent', '30m-2h').wql).toBeCloseTo(8.8 / 60, 12);
    expect(row('cpu_percent', '30m-2h').coverage_p10_p90).toBe(0);
    expect(row('cpu_percent', '30m-2h').mase).toBe(1); // |10 - 12| / 2
    // the 2h-8h bucket is empty at horizon 8
    expect(row('cpu_percent', '2h-8h').n).toBe(0);
    expect(row('cpu_percent', '2h-8h').wql).toBeNull();
    // all: 5.6 / 80, coverage 6/8, MASE 2/8
    expect(row('cpu_percent', 'all').wql).toBeCloseTo(11.2 / 240, 12);
    expect(row('cpu_percent', 'all').coverage_p10_p90).toBe(0.75);
    expect(row('cpu_percent', 'all').mase).toBe(0.25);
    expect(row('memory_percent', 'all').wql).toBe(0);
    // overall = plain mean over the measured metrics; disk and load were never added, so no rows
    expect(row('overall', 'all').wql).toBeCloseTo(11.2 / 480, 12);
    expect(row('overall', 'all').coverage_p10_p90).toBe(0.875);
    expect(row('overall', 'all').mase).toBe(0.125);
    expect(row('overall', 'all').n).toBe(16);
    expect(rows.some((r) => r.metric === 'disk_percent')).toBe(false);
  });

  it('skips masked targets and leaves flat-encoder forecasts out of MASE only', () => {
    const acc = new ScoreAccumulator(2, 300);
    acc.add('load_average', { p10: [1, 1], p50: [2, 2], p90: [3, 3] }, { values: [4, 100], observed: [1, 0] }, 0);
    const all = acc.rows().find((r) => r.metric === 'load_average' && r.horizon_bucket === 'all')!;
    // y = 4: 0.1 * 3 + 0.5 * 2 + 0.9 * 1 = 2.2 -> 2 * 2.2 / 4 / 3
    expect(all.wql).toBeCloseTo(4.4 / 12, 12);
    expect(all.n).toBe(1);
    expect(all.mase).toBeNull();
    expect(all.coverage_p10_p90).toBe(0);
  });
});
