import { describe, expect, it } from 'vitest';
import type { ModelUnderTest } from './backtest';
import { leadFor, runLeadtime } from './leadtime';
import { rampSeries as ramp, STEP, T0 } from './ramp.fixture';

/** 300 buckets of the ramp. */
const rampSeries = () => ramp(300);

const INCIDENT = new Date((T0 + 220 * STEP) * 1000).toISOString();
const options = {
  stepSeconds: STEP,
  horizon: 96,
  maxEncoder: 144,
  minEncoder: 12,
  stride: 1,
};

describe('leadFor', () => {
  const times = [1, 2, 3, 4, 5, 6].map((k) => T0 + k * 600);
  it('measures from the onset of the run of alerts before the incident', () => {
    const tl = { times, alert: Uint8Array.from([0, 1, 1, 0, 1, 1]) };
    // last alert before T0 + 3000 is at k = 4 (T0 + 3000 is not before it); its run starts at k = 4
    expect(leadFor(tl, T0 + 3000 + 1)).toEqual({
      detected: true,
      lead_minutes: 0,
    });
    expect(leadFor(tl, T0 + 3600 + 600)).toEqual({
      detected: true,
      lead_minutes: 20,
    });
    expect(leadFor(tl, T0 + 1800)).toEqual({
      detected: true,
      lead_minutes: 10,
    }); // only k = 1 is before it
    expect(leadFor(tl, T0 + 2400)).toEqual({
      detected: true,
      lead_minutes: 20,
    }); // run k = 1..2
    expect(leadFor(tl, T0 + 600)).toEqual({
      detected: false,
      lead_minutes: null,
    });
    // an alert more than 8 h before the incident does not count
    expect(leadFor(tl, T0 + 3600 + 8 * 3600 + 1)).toEqual({
      detected: false,
      lead_minutes: null,
    });
  });
});

describe('runLeadtime', () => {
  it('scores the static threshold and predict_linear rules on a ramp with exact lead times', async () => {
    const r = await runLeadtime(
      [{ name: 'ramp', profile: null, series: rampSeries(), file: 'x' }],
      { ramp: [INCIDENT] },
      { ...options, models: [] },
    );
    const lead = (m: string) => r.incidents.find((x) => x.method === m)!;
    // static: value >= 80 from bucket 215; origins complete at the end of their bucket, so the run
    // starts at T0 + 216 steps: 4 steps = 20 min before the incident at bucket 220
    expect(lead('static_threshold')).toMatchObject({
      detected: true,
      lead_minutes: 20,
    });
    // the line through the ramp's first points reaches 80 within 8 h before the value does
    expect(lead('linear_1h').detected).toBe(true);
    expect(lead('linear_1h').lead_minutes!).toBeGreaterThan(20);
    expect(lead('linear_1h').lead_minutes!).toBeLessThanOrEqual(100); // the ramp starts at bucket 200
    const stat = r.summary.find((s) => s.method === 'static_threshold')!;
    expect(stat).toMatchObject({
      incidents: 1,
      detected: 1,
      alert_onsets: 1,
      false_alerts: 0,
    });
    // replay from the 12th observed step (origin 11) to the end: 289 origins of 5 min
    expect(r.replayedDays).toBeCloseTo((289 * 300) / 86400, 12);
  });

  it('counts an alert onset with no incident in the next 8 h as false, and caps the lead at 8 h', async () => {
    const alwaysHot: ModelUnderTest = {
      name: 'hot',
      profileIndex: () => 0,
      forecaster: {
        forecast: async (items) =>
          items.map(() => {
            const q = {
              p10: new Array(96).fill(85),
              p50: new Array(96).fill(85),
              p90: new Array(96).fill(85),
            };
            const zero = {
              p10: new Array(96).fill(0),
              p50: new Array(96).fill(0),
              p90: new Array(96).fill(0),
            };
            // memory is never observed in the series, so its (alerting) forecast must be ignored
            return {
              cpu_percent: q,
              memory_percent: {
                p10: q.p10,
                p50: new Array(96).fill(99),
                p90: q.p90,
              },
              disk_percent: zero,
              load_average: zero,
            };
          }),
      },
    };
    const r = await runLeadtime(
      [{ name: 'ramp', profile: null, series: rampSeries(), file: 'x' }],
      { ramp: [INCIDENT] },
      { ...options, models: [alwaysHot] },
    );
    const hot = r.summary.find((s) => s.method === 'hot')!;
    // one run of alerts from origin 11 (1 h) on; the incident is 18 h 20 min in: more than 8 h later
    expect(hot).toMatchObject({
      detected: 1,
      alert_onsets: 1,
      false_alerts: 1,
      median_lead_minutes: 480,
    });
    expect(hot.false_alerts_per_day).toBeCloseTo(1 / ((289 * 300) / 86400), 12);
  });
});
