import { DEFAULT_ALERT_THRESHOLDS, type MetricName } from '@tft/contracts';
import { describe, expect, it } from 'vitest';
import type { AlertThresholds } from './alert-rules';
import type { MetricForecasts, QuantileForecast } from './forecast-decoding';
import { erf, exceedanceProbability, fleetIncidentRisk, normalCdf, serverIncidentRisk, Z_P90 } from './incident-risk';

const H = 96;
const thresholds: AlertThresholds = { ...DEFAULT_ALERT_THRESHOLDS };

/** p50 clipped to [0, 100], p10 / p90 = p50 -/+ z90 * sigma clipped again: a normal band cut at the range. */
function normalBand(p50: readonly number[], sigma: number): QuantileForecast {
  const clip = (v: number) => Math.min(100, Math.max(0, v));
  const mid = p50.map(clip);
  return {
    p10: mid.map((v) => clip(v - Z_P90 * sigma)),
    p50: mid,
    p90: mid.map((v) => clip(v + Z_P90 * sigma)),
  };
}

function flat(value: number): number[] {
  return new Array<number>(H).fill(value);
}

function forecast(overrides: Partial<Record<MetricName, QuantileForecast>>): MetricForecasts {
  return {
    cpu_percent: normalBand(flat(30), 3),
    memory_percent: normalBand(flat(50), 3),
    disk_percent: normalBand(flat(40), 1),
    load_average: { p10: flat(1), p50: flat(1.5), p90: flat(2) },
    ...overrides,
  };
}

describe('normalCdf', () => {
  it('matches tabulated values to the A&S 7.1.26 accuracy', () => {
    expect(erf(1)).toBeCloseTo(0.8427007929497149, 6);
    expect(erf(-1)).toBeCloseTo(-0.8427007929497149, 6);
    expect(normalCdf(0)).toBeCloseTo(0.5, 8);
    expect(normalCdf(2)).toBeCloseTo(0.9772498680518208, 6);
    expect(normalCdf(-1.959963984540054)).toBeCloseTo(0.025, 6);
  });
});

describe('exceedanceProbability', () => {
  it('is exact at the three quantiles, also for a skewed band', () => {
    for (const [p10, p50, p90] of [
      [40, 50, 60],
      [45, 50, 70],
    ]) {
      expect(exceedanceProbability(p90, p10, p50, p90)).toBeCloseTo(0.1, 6);
      expect(exceedanceProbability(p50, p10, p50, p90)).toBeCloseTo(0.5, 6);
      expect(exceedanceProbability(p10, p10, p50, p90)).toBeCloseTo(0.9, 6);
    }
  });

  it('gives normal tail probabilities in the symmetric case', () => {
    const sigma = 4;
    const [p10, p50, p90] = [50 - Z_P90 * sigma, 50, 50 + Z_P90 * sigma];
    expect(exceedanceProbability(50 + 1.2816 * sigma, p10, p50, p90)).toBeCloseTo(0.1, 4);
    expect(exceedanceProbability(50 + 2 * sigma, p10, p50, p90)).toBeCloseTo(0.02275, 4);
    expect(exceedanceProbability(50 - 2 * sigma, p10, p50, p90)).toBeCloseTo(0.97725, 4);
  });

  it('uses the side of the band the threshold is on', () => {
    // upper sigma 10 / z90, lower sigma 2 / z90: 5 above the median is z = 0.5 * z90 on the upper side
    expect(exceedanceProbability(55, 48, 50, 60)).toBeCloseTo(1 - normalCdf(0.5 * Z_P90), 8);
    expect(exceedanceProbability(49, 48, 50, 60)).toBeCloseTo(normalCdf(0.5 * Z_P90), 8);
  });

  it('is a step function for a zero-width band', () => {
    expect(exceedanceProbability(95, 90, 90, 90)).toBe(0);
    expect(exceedanceProbability(90, 90, 90, 90)).toBe(1);
    expect(exceedanceProbability(85, 90, 90, 90)).toBe(1);
    // zero width only above: below the median the lower half still applies
    expect(exceedanceProbability(95, 80, 90, 90)).toBe(0);
    expect(exceedanceProbability(80, 80, 90, 90)).toBeCloseTo(0.9, 6);
  });
});

describe('serverIncidentRisk', () => {
  it('gives a flat healthy forecast no risk and no driver', () => {
    expect(serverIncidentRisk(forecast({}), thresholds, 300)).toEqual({
      probability_30m: 0,
      probability_8h: 0,
      driver: null,
    });
  });

  it('sees a crossing at step 40 over 8 hours but not within 30 minutes', () => {
    // cpu p50 = 55 + h, clipped at 100: reaches 95 at step 40, sits at 100 from step 45; sigma 4
    const cpu = normalBand(
      Array.from({ length: H }, (_, h) => 55 + h),
      4,
    );
    const risk = serverIncidentRisk(forecast({ cpu_percent: cpu }), thresholds, 300);
    // max at p50 = 100 with the lower side: P = Phi(5 / 4) = 0.894350
    expect(risk.probability_8h).toBeCloseTo(0.8943502263331446, 6);
    // first 6 steps: p50 <= 60, 35 below critical = 8.75 sigma
    expect(risk.probability_30m).toBeLessThan(1e-12);
    expect(risk.driver).toBe('cpu_percent');
  });

  it('takes the max over steps per metric and combines metrics as independent', () => {
    // cpu and memory each touch critical (P = 0.5) at one step, several times for memory
    const cpu = normalBand(
      flat(60).map((v, h) => (h === 3 ? 95 : v)),
      2,
    );
    const memory = normalBand(
      flat(60).map((v, h) => (h % 10 === 0 && h > 0 ? 95 : v)),
      2,
    );
    const risk = serverIncidentRisk(forecast({ cpu_percent: cpu, memory_percent: memory }), thresholds, 300);
    expect(risk.probability_8h).toBeCloseTo(0.75, 6);
    expect(risk.probability_30m).toBeCloseTo(0.5, 6); // memory's first touch is at step 10
    expect(risk.driver).toBe('cpu_percent'); // tie: METRICS order
  });
});

describe('fleetIncidentRisk', () => {
  it('combines servers as independent and counts the high-risk ones', () => {
    expect(
      fleetIncidentRisk([
        { probability_30m: 0.5, probability_8h: 0.5 },
        { probability_30m: 0.5, probability_8h: 0.5 },
      ]),
    ).toMatchObject({
      incident_probability_30m: 0.75,
      incident_probability_8h: 0.75,
      high_risk_servers: 2,
    });
    // 1 - 0.9 * 0.8 * 0.99 = 0.2872; 1 - 0.7 * 0.4 * 0.51 = 0.8572
    expect(
      fleetIncidentRisk([
        { probability_30m: 0.1, probability_8h: 0.3 },
        { probability_30m: 0.2, probability_8h: 0.6 },
        { probability_30m: 0.01, probability_8h: 0.49 },
      ]),
    ).toMatchObject({
      incident_probability_30m: 0.2872,
      incident_probability_8h: 0.8572,
      high_risk_servers: 1,
    });
  });

  it('says how many servers are expected to go critical where the fleet probability saturates', () => {
    // Binomial(10000, 0.01): mean 100, sd 9.95; its exact 5th / 95th percentiles are 84 and 117
    const fleet = fleetIncidentRisk(Array.from({ length: 10_000 }, () => ({ probability_30m: 0.01, probability_8h: 0.3 })));
    expect(fleet.incident_probability_30m).toBe(1);
    expect(fleet.expected_critical_servers_30m).toEqual({ expected: 100, low: 83, high: 117 });
    // mean 3000, sd 45.8
    expect(fleet.expected_critical_servers_8h).toEqual({ expected: 3000, low: 2924, high: 3076 });
    // one server at 0.5: the band is the whole range of what can happen
    expect(fleetIncidentRisk([{ probability_30m: 0.5, probability_8h: 0 }]).expected_critical_servers_30m).toEqual({
      expected: 0.5,
      low: 0,
      high: 1,
    });
    expect(fleetIncidentRisk([]).expected_critical_servers_8h).toEqual({ expected: 0, low: 0, high: 0 });
  });

  it('keeps many small risks, saturates with certainty, and is 0 for no servers', () => {
    // 1 - (1 - 3e-5)^1000 = 0.029554 -> 0.0296: rounding each server first would have given 0
    const many = Array.from({ length: 1000 }, () => ({
      probability_30m: 3e-5,
      probability_8h: 3e-5,
    }));
    expect(fleetIncidentRisk(many).incident_probability_8h).toBe(0.0296);
    expect(fleetIncidentRisk([{ probability_30m: 1, probability_8h: 1 }, ...many]).incident_probability_8h).toBe(1);
    expect(fleetIncidentRisk([])).toMatchObject({
      incident_probability_30m: 0,
      incident_probability_8h: 0,
      high_risk_servers: 0,
    });
  });
});
