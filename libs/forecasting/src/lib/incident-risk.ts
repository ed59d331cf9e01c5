import { METRICS, type MetricName } from '@tft/contracts';
import { SHORT_WINDOW_SECONDS, type AlertThresholds } from './alert-rules';
import type { MetricForecasts } from './forecast-decoding';

/**
 * z of the standard normal's 0.9 quantile. The precise value, not 1.2816, so that a band built with
 * it and read back by `exceedanceProbability` gives P(p90) = 0.1 to the accuracy of `normalCdf`.
 */
export const Z_P90 = 1.2815515655446004;

/**
 * erf by Abramowitz & Stegun 7.1.26, absolute error < 1.5e-7 over the whole real line: plenty for
 * probabilities shown to 4 decimals, and no dependency.
 */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-a * a));
}

/** Standard normal CDF Phi(z) = (1 + erf(z / sqrt 2)) / 2, absolute error < 7.5e-8. */
export function normalCdf(z: number): number {
  return 0.5 * (1 + erf(z / Math.SQRT2));
}

/**
 * P(X >= threshold) under a split normal through (p10, p50, p90): the upper half has
 * sigma_hi = (p90 - p50) / z90, the lower half sigma_lo = (p50 - p10) / z90, so the fit is exact at
 * the three quantiles (P(p90) = 0.1, P(p50) = 0.5, P(p10) = 0.9) and skewed bands stay skewed.
 * A zero-width side (or crossed quantiles) is a point mass: 1 when p50 >= threshold, else 0.
 */
export function exceedanceProbability(threshold: number, p10: number, p50: number, p90: number): number {
  const sigma = threshold >= p50 ? (p90 - p50) / Z_P90 : (p50 - p10) / Z_P90;
  if (!(sigma > 0)) return p50 >= threshold ? 1 : 0;
  return 1 - normalCdf((threshold - p50) / sigma);
}

export interface ServerIncidentRisk {
  /** P(some metric reaches its critical threshold within the first 30 minutes). */
  probability_30m: number;
  /** The same over the whole forecast horizon. */
  probability_8h: number;
  /** Metric with the highest whole-horizon probability; `null` when every probability is 0. */
  driver: MetricName | null;
}

/**
 * Chance that a server hits a critical threshold, from its quantile forecast.
 *
 * Per metric, the max over the window's steps of the exceedance probability: consecutive steps of one
 * metric are strongly dependent (one trajectory), so the max is the honest lower bound and summing
 * would count one excursion many times. Metrics are then treated as independent:
 * P = 1 - prod(1 - p_metric).
 *
 * The short window is the steps that end within 30 minutes (`floor(1800 / stepSeconds)`, as in
 * `predictAlerts`). Probabilities are not rounded here: a fleet of many small risks must be combined
 * from the unrounded values (rounding 3e-5 to 0 would erase it); round at the edge.
 */
export function serverIncidentRisk(forecast: MetricForecasts, thresholds: AlertThresholds, stepSeconds: number): ServerIncidentRisk {
  const shortSteps = Math.floor(SHORT_WINDOW_SECONDS / stepSeconds);
  let survive30 = 1;
  let survive8h = 1;
  let driver: MetricName | null = null;
  let driverP = 0;
  for (const metric of METRICS) {
    const { p10, p50, p90 } = forecast[metric];
    const critical = thresholds[metric].critical;
    let max30 = 0;
    let max8h = 0;
    for (let h = 0; h < p50.length; h++) {
      const p = exceedanceProbability(critical, p10[h], p50[h], p90[h]);
      if (p > max8h) max8h = p;
      if (h < shortSteps && p > max30) max30 = p;
    }
    survive30 *= 1 - max30;
    survive8h *= 1 - max8h;
    if (max8h > driverP) {
      driverP = max8h;
      driver = metric;
    }
  }
  return {
    probability_30m: 1 - survive30,
    probability_8h: 1 - survive8h,
    driver,
  };
}

export interface FleetIncidentRisk {
  incident_probability_30m: number;
  incident_probability_8h: number;
  /** Servers whose whole-horizon probability is at least 0.5. */
  high_risk_servers: number;
  /** How many servers reach a critical threshold within 30 minutes: the figure that still means something on a large fleet. */
  expected_critical_servers_30m: ExpectedCount;
  /** The same within the whole horizon. */
  expected_critical_servers_8h: ExpectedCount;
}

/** A count of independent chance events: its mean and a 90 % band. */
export interface ExpectedCount {
  /** Sum of the servers' probabilities, one decimal. */
  expected: number;
  /** 5th and 95th percentile (normal approximation of the Poisson-binomial count, widened to whole servers). */
  low: number;
  high: number;
}

const Z_BAND = 1.6449;

/** Mean and 90 % band of the number of successes of independent events with these probabilities. */
export function expectedCount(mean: number, variance: number, n: number): ExpectedCount {
  const sd = Math.sqrt(variance);
  return {
    expected: Math.round(mean * 10) / 10,
    low: Math.max(0, Math.floor(mean - Z_BAND * sd + 1e-9)),
    high: Math.min(n, Math.max(0, Math.ceil(mean + Z_BAND * sd - 1e-9))),
  };
}

export const HIGH_RISK_PROBABILITY = 0.5;

/**
 * The chance that at least one server has an incident, servers independent: 1 - prod(1 - p_i)
 * (summed as log1p so thousands of tiny risks do not vanish in rounding). It saturates towards 1 for
 * a large fleet with many unhealthy servers; that is the honest answer to "will anything break",
 * and why `high_risk_servers` and the expected number of critical servers are reported beside it. Probabilities rounded to 4 decimals.
 */
export function fleetIncidentRisk(perServer: readonly Pick<ServerIncidentRisk, 'probability_30m' | 'probability_8h'>[]): FleetIncidentRisk {
  let logSurvive30 = 0;
  let logSurvive8h = 0;
  let highRisk = 0;
  const sums = { mean30: 0, var30: 0, mean8h: 0, var8h: 0 };
  for (const { probability_30m, probability_8h } of perServer) {
    logSurvive30 += Math.log1p(-probability_30m);
    logSurvive8h += Math.log1p(-probability_8h);
    sums.mean30 += probability_30m;
    sums.var30 += probability_30m * (1 - probability_30m);
    sums.mean8h += probability_8h;
    sums.var8h += probability_8h * (1 - probability_8h);
    if (probability_8h >= HIGH_RISK_PROBABILITY) highRisk++;
  }
  return {
    incident_probability_30m: round4(-Math.expm1(logSurvive30)),
    incident_probability_8h: round4(-Math.expm1(logSurvive8h)),
    high_risk_servers: highRisk,
    expected_critical_servers_30m: expectedCount(sums.mean30, sums.var30, perServer.length),
    expected_critical_servers_8h: expectedCount(sums.mean8h, sums.var8h, perServer.length),
  };
}

function round4(p: number): number {
  // `+ 0` turns the -0 of -expm1(0) into 0.
  return Math.round(p * 1e4) / 1e4 + 0;
}
