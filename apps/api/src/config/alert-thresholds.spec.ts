import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { thresholdsFor } from '@tft/forecasting';
import { describe, expect, it } from 'vitest';
import { loadThresholdConfig } from './alert-thresholds';

const file = (content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'tft-thr-')), 'thresholds.json');
  writeFileSync(path, content);
  return path;
};

describe('loadThresholdConfig', () => {
  it('keeps the seed defaults and profile overrides without a file', () => {
    const c = loadThresholdConfig(undefined);
    expect(thresholdsFor(c, 'web_api').cpu_percent).toEqual({ warning: 80, critical: 95 });
    expect(thresholdsFor(c, 'database').memory_percent).toEqual({ warning: 92, critical: 97 });
  });

  it('lays a file over the defaults', () => {
    const c = loadThresholdConfig(
      file(
        '{"defaults": {"cpu_percent": {"warning": 70, "critical": 90}}, "profiles": {"web_api": {"memory_percent": {"warning": 75, "critical": 85}}}}',
      ),
    );
    expect(thresholdsFor(c, 'generic').cpu_percent).toEqual({ warning: 70, critical: 90 });
    expect(thresholdsFor(c, 'web_api').memory_percent).toEqual({ warning: 75, critical: 85 });
    expect(thresholdsFor(c, 'database').memory_percent).toEqual({ warning: 92, critical: 97 });
  });

  it('names what is wrong in a bad file', () => {
    expect(() => loadThresholdConfig(file('{"defaults": {"cpu": {"warning": 1, "critical": 2}}}'))).toThrow(
      'defaults: unknown metric "cpu"',
    );
    expect(() => loadThresholdConfig(file('{"profiles": {"web_api": {"cpu_percent": {"warning": 99, "critical": 90}}}}'))).toThrow(
      'profiles.web_api.cpu_percent: warning 99 is above critical 90',
    );
    expect(() => loadThresholdConfig(file('{"profiles": {"mainframe": {}}}'))).toThrow('unknown profile "mainframe"');
    expect(() => loadThresholdConfig(file('{oops'))).toThrow(/ALERT_THRESHOLDS_FILE/);
  });
});
