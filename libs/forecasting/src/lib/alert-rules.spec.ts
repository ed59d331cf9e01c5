import { DEFAULT_ALERT_THRESHOLDS, type MetricName } from '@tft/contracts';
import { describe, expect, it } from 'vitest';
import { currentBreach, DEFAULT_THRESHOLD_CONFIG, predictAlerts, thresholdsFor, type AlertThresholds } from './alert-rules';
import type { MetricForecasts, QuantileForecast } from './forecast-decoding';

const H = 96;

function band(p50: readonly number[], below = 3, above = 3): QuantileForecast {
  return {
    p10: p50.map((v) => v - below),
    p50: [...p50],
    p90: p50.map((v) => v + above),
  };
}

function flat(value: number): number[] {
  return new Array<number>(H).fill(value);
}

/** Healthy flat forecasts, with the given metrics replaced. */
function forecast(overrides: Partial<Record<MetricName, QuantileForecast>>): MetricForecasts {
  return {
    cpu_percent: band(flat(30)),
    memory_percent: band(flat(50)),
    disk_percent: band(flat(40)),
    load_average: { p10: flat(1), p50: flat(1.5), p90: flat(2) },
    ...overrides,
  };
}

/** p50 rising linearly from `from` at step 0 to `to` at step 95. */
function ramp(from: number, to: number): number[] {
  return Array.from({ length: H }, (_, h) => from + ((to - from) * h) / (H - 1));
}

/** p50 stays at `p50`; p90 is `p50 + 5` except from `step` on, where it is `value`. */
function p90Spike(p50: number, step: number, value: number): QuantileForecast {
  return {
    p10: flat(p50 - 5),
    p50: flat(p50),
    p90: flat(p50 + 5).map((v, h) => (h >= step ? value : v)),
  };
}

const defaults: AlertThresholds = { ...DEFAULT_ALERT_THRESHOLDS };

describe('predictAlerts', () => {
  it('raises a warning where p50 first reaches the warning threshold', () => {
    // 70 -> 100: 70 + 30 h / 95 >= 80 first at h = 32 (80.105), ends (32 + 1) * 5 = 165 min ahead
    const noCritical = {
      ...defaults,
      cpu_percent: { warning: 80, critical: 101 },
    };
    expect(predictAlerts(forecast({ cpu_percent: band(ramp(70, 100)) }), noCritical, 300)).toEqual([
      {
        metric: 'cpu_percent',
        severity: 'warning',
        predicted_value: 80.11,
        threshold: 80,
        minutes_ahead: 165,
        step: 32,
        trigger: 'p50',
      },
    ]);
  });

  it('reports only the critical alert when the same ramp also reaches critical', () => {
    // 70 + 30 h / 95 >= 95 first at h = 80 (95.263), 405 min ahead
    expect(predictAlerts(forecast({ cpu_percent: band(ramp(70, 100)) }), defaults, 300)).toEqual([
      {
        metric: 'cpu_percent',
        severity: 'critical',
        predicted_value: 95.26,
        threshold: 95,
        minutes_ahead: 405,
        step: 80,
        trigger: 'p50',
      },
    ]);
  });

  it('lets p90 raise a critical alert within the first 30 minutes', () => {
    const [alert, ...rest] = predictAlerts(forecast({ cpu_percent: p90Spike(60, 3, 96) }), defaults, 300);
    expect(rest).toEqual([]);
    expect(alert).toEqual({
      metric: 'cpu_percent',
      severity: 'critical',
      predicted_value: 96,
      threshold: 95,
      minutes_ahead: 20,
      step: 3,
      trigger: 'p90',
    });
  });

  it('ignores a p90 that reaches critical only after 30 minutes', () => {
    expect(predictAlerts(forecast({ cpu_percent: p90Spike(60, 20, 99) }), defaults, 300)).toEqual([]);
    // the window ends exactly at 30 min: step 5 (ends at 30) counts, step 6 (ends at 35) does not
    expect(predictAlerts(forecast({ cpu_percent: p90Spike(60, 5, 99) }), defaults, 300)[0].minutes_ahead).toBe(30);
    expect(predictAlerts(forecast({ cpu_percent: p90Spike(60, 6, 99) }), defaults, 300)).toEqual([]);
    // with 10 min steps the window is 3 steps
    expect(predictAlerts(forecast({ cpu_percent: p90Spike(60, 2, 99) }), defaults, 600)[0].minutes_ahead).toBe(30);
    expect(predictAlerts(forecast({ cpu_percent: p90Spike(60, 3, 99) }), defaults, 600)).toEqual([]);
  });

  it('lets p90 raise a warning within the first 30 minutes, and only then', () => {
    expect(predictAlerts(forecast({ cpu_percent: p90Spike(60, 4, 82) }), defaults, 300)).toEqual([
      {
        metric: 'cpu_percent',
        severity: 'warning',
        predicted_value: 82,
        threshold: 80,
        minutes_ahead: 25,
        step: 4,
        trigger: 'p90',
      },
    ]);
    expect(predictAlerts(forecast({ cpu_percent: p90Spike(60, 6, 82) }), defaults, 300)).toEqual([]);
    // a p50 crossing later still makes it one warning, at the earlier p90 step
    const later = { ...p90Spike(60, 2, 82), p50: flat(60).map((v, h) => (h >= 40 ? 81 : v)) };
    expect(predictAlerts(forecast({ cpu_percent: later }), defaults, 300)).toMatchObject([
      { severity: 'warning', step: 2, trigger: 'p90' },
    ]);
  });

  it('names p50 as the trigger when p50 and p90 cross at the same step', () => {
    const [alert] = predictAlerts(forecast({ cpu_percent: band(flat(95.004)) }), defaults, 300);
    expect(alert).toMatchObject({
      severity: 'critical',
      trigger: 'p50',
      step: 0,
      predicted_value: 95,
      minutes_ahead: 5,
    });
  });

  it('applies profile overrides: a database at 88 % memory is normal', () => {
    const steadyMemory = forecast({ memory_percent: band(flat(88), 2, 2) });
    expect(predictAlerts(steadyMemory, thresholdsFor(DEFAULT_THRESHOLD_CONFIG, 'database'), 300)).toEqual([]);
    expect(predictAlerts(steadyMemory, thresholdsFor(DEFAULT_THRESHOLD_CONFIG, 'web_api'), 300)).toEqual([
      {
        metric: 'memory_percent',
        severity: 'warning',
        predicted_value: 88,
        threshold: 85,
        minutes_ahead: 5,
        step: 0,
        trigger: 'p50',
      },
    ]);
  });

  it('keeps one alert per metric and orders critical first, then by minutes ahead', () => {
    const cpuWarnsAt10 = flat(30).map((v, h) => (h >= 10 ? 82 : v));
    const memoryCriticalAt50 = flat(70).map((v, h) => (h >= 50 ? 96 : h >= 5 ? 90 : v)); // warning at 5 too
    const loadWarnsAt1 = flat(2).map((v, h) => (h >= 1 ? 9 : v));
    const alerts = predictAlerts(
      forecast({
        cpu_percent: band(cpuWarnsAt10),
        memory_percent: band(memoryCriticalAt50, 1, 1),
        disk_percent: p90Spike(50, 2, 97),
        load_average: band(loadWarnsAt1, 1, 1),
      }),
      defaults,
      300,
    );
    expect(alerts.map((a) => [a.metric, a.severity, a.step, a.minutes_ahead, a.trigger])).toEqual([
      ['disk_percent', 'critical', 2, 15, 'p90'],
      ['memory_percent', 'critical', 50, 255, 'p50'],
      ['load_average', 'warning', 1, 10, 'p50'],
      ['cpu_percent', 'warning', 10, 55, 'p50'],
    ]);
  });
});

describe('thresholdsFor', () => {
  it('merges a profile over the defaults, metric by metric', () => {
    const ml = thresholdsFor(DEFAULT_THRESHOLD_CONFIG, 'ml_compute');
    expect(ml.load_average).toEqual({ warning: 16, critical: 24 });
    expect(ml.cpu_percent).toEqual({ warning: 80, critical: 95 });
    expect(thresholdsFor(DEFAULT_THRESHOLD_CONFIG, 'data_ingest').disk_percent).toEqual({ warning: 90, critical: 96 });
    expect(thresholdsFor(DEFAULT_THRESHOLD_CONFIG, 'unknown')).toEqual(DEFAULT_ALERT_THRESHOLDS);
    expect(thresholdsFor(DEFAULT_THRESHOLD_CONFIG, undefined)).toEqual(DEFAULT_ALERT_THRESHOLDS);
  });

  it('rejects a pair whose warning is above its critical', () => {
    const config = {
      defaults,
      profiles: { generic: { cpu_percent: { warning: 90, critical: 85 } } },
    };
    expect(() => thresholdsFor(config, 'generic')).toThrow(/cpu_percent thresholds for generic: warning 90 > critical 85/);
    expect(thresholdsFor(config, 'database').cpu_percent.warning).toBe(80);
  });
});

describe('currentBreach', () => {
  it('classifies the current value, thresholds inclusive', () => {
    const cpu = DEFAULT_ALERT_THRESHOLDS.cpu_percent;
    expect(currentBreach(79.99, cpu)).toBeNull();
    expect(currentBreach(80, cpu)).toBe('warning');
    expect(currentBreach(94.99, cpu)).toBe('warning');
    expect(currentBreach(95, cpu)).toBe('critical');
    expect(currentBreach(Number.NaN, cpu)).toBeNull();
  });
});
