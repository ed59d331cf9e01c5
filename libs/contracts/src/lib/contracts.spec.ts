import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ALERT_THRESHOLDS,
  isScenarioName,
  METRICS,
  PROFILES,
  PROFILE_PREFIXES,
  profileFromServerName,
  SCENARIO_SPECS,
  SERVER_NAME_PATTERN,
} from '../index';

describe('contracts', () => {
  it('keeps the seed metric names and order', () => {
    expect(METRICS).toEqual(['cpu_percent', 'memory_percent', 'disk_percent', 'load_average']);
  });

  it('maps server names to profiles by prefix', () => {
    expect(profileFromServerName('ppml0001')).toBe('ml_compute');
    expect(profileFromServerName('pprisk0003')).toBe('risk_analytics');
    expect(profileFromServerName('ppgen0002')).toBe('generic');
    expect(profileFromServerName('production-web-01')).toBeUndefined();
    expect(new Set(Object.values(PROFILE_PREFIXES)).size).toBe(PROFILES.length);
  });

  it('keeps the seed scenario multipliers and alert thresholds', () => {
    expect(SCENARIO_SPECS.healthy.multiplier).toBe(1);
    expect(SCENARIO_SPECS.degrading.multiplier).toBe(1.15);
    expect(SCENARIO_SPECS.critical.multiplier).toBe(1.6);
    expect(isScenarioName('disk_fill')).toBe(true);
    expect(isScenarioName('toString')).toBe(false);
    expect(DEFAULT_ALERT_THRESHOLDS.load_average).toEqual({
      warning: 8,
      critical: 12,
    });
  });

  it('accepts hostnames and rejects hostile server names', () => {
    for (const ok of ['ppml0001', 'production-web-01', 'db-1.eu-west.example.com', 'i-0abc:9100']) {
      expect(SERVER_NAME_PATTERN.test(ok)).toBe(true);
    }
    for (const bad of ['', ' ppml', 'a/b', 'x'.repeat(129), 'web\n01', '__proto__ ', '-lead']) {
      expect(SERVER_NAME_PATTERN.test(bad)).toBe(false);
    }
  });
});
