import { describe, expect, it } from 'vitest';
import { decodeWeights, quantileDecoder } from './forecast-decoding';
import { parseModelMetadata, profileIndex } from './model-metadata';

const metaJson = {
  step_seconds: 300,
  horizon: 2,
  min_encoder_length: 1,
  max_encoder_length: 4,
  // deliberately not in p10/p50/p90 order: decoding must go by level
  quantiles: [0.5, 0.1, 0.9],
  targets: ['cpu_percent', 'memory_percent', 'disk_percent', 'load_average'],
  profile_vocabulary: ['unknown', 'ml_compute', 'database'],
  profile_prefixes: { ppml: 'ml_compute', ppdb: 'database' },
  value_ranges: {
    cpu_percent: [0, 100],
    memory_percent: [0, 100],
    disk_percent: [0, 100],
    load_average: [0, null],
  },
  encoder_variables: ['a', 'b'],
  decoder_variables: ['c'],
  static_variables: ['d'],
};
const meta = parseModelMetadata(metaJson);

describe('quantileDecoder', () => {
  it('picks quantiles by level and clips to the valid range', () => {
    // [B=1, H=2, T=4, Q=3] with Q order (0.5, 0.1, 0.9)
    const out = new Float32Array([
      50,
      40,
      60,
      70,
      65,
      75,
      99,
      97,
      103,
      -0.5,
      -1,
      0.5, // h = 0
      51,
      41,
      61,
      71,
      66,
      76,
      100,
      98,
      104,
      2,
      1,
      3, // h = 1
    ]);
    const f = quantileDecoder(meta)(out, 0);
    expect(f.cpu_percent).toEqual({
      p10: [40, 41],
      p50: [50, 51],
      p90: [60, 61],
    });
    expect(f.disk_percent).toEqual({
      p10: [97, 98],
      p50: [99, 100],
      p90: [100, 100],
    });
    expect(f.load_average).toEqual({ p10: [0, 1], p50: [0, 2], p90: [0.5, 3] });
  });

  it('names drivers, largest first', () => {
    expect(decodeWeights(new Float32Array([0.25, 0.75, 0.5, 0.5]), 1, ['x', 'y'])).toEqual([
      { name: 'x', weight: 0.5 },
      { name: 'y', weight: 0.5 },
    ]);
    expect(decodeWeights(new Float32Array([0.25, 0.75]), 0, ['x', 'y'])[0].name).toBe('y');
  });
});

describe('model metadata', () => {
  it('names every problem with a bad metadata.json', () => {
    expect(() =>
      parseModelMetadata({
        step_seconds: 0,
        quantiles: [0.1, 0.5],
        targets: ['cpu_percent'],
      }),
    ).toThrow(
      /step_seconds must be a positive integer.*targets must be cpu_percent, memory_percent, disk_percent, load_average.*quantiles must include 0.9/,
    );
  });

  it("checks the alert rule, the trend guard's margin included", () => {
    const rule = { level: 0.15, window_minutes: 120, trend_guard: true };
    expect(parseModelMetadata({ ...metaJson, alert_rule: { ...rule, trend_guard_margin: 0.5 } }).alert_rule).toEqual({
      ...rule,
      trend_guard_margin: 0.5,
    });
    expect(parseModelMetadata({ ...metaJson, alert_rule: rule }).alert_rule).toEqual(rule);
    expect(() => parseModelMetadata({ ...metaJson, alert_rule: { ...rule, trend_guard_margin: 2 } })).toThrow(
      /alert_rule.trend_guard_margin must be a number in \[0, 1\]/,
    );
  });

  it('assigns profiles like the trainer', () => {
    expect(profileIndex(meta, 'anything', 'database')).toBe(2);
    expect(profileIndex(meta, 'anything', 'no_such_profile')).toBe(0);
    expect(profileIndex(meta, 'PPML0001')).toBe(1);
    expect(profileIndex(meta, 'web-1')).toBe(0);
  });
});
