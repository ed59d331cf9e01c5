import {
  DEFAULT_THRESHOLD_CONFIG,
  thresholdsFor as apiThresholdsFor,
} from '@tft/forecasting';
import { PROFILE_THRESHOLD_OVERRIDES, thresholdsFor } from './thresholds';

describe('thresholdsFor', () => {
  it('gives the defaults to servers without an override', () => {
    expect(thresholdsFor('web_api')).toEqual({
      cpu_percent: { warning: 80, critical: 95 },
      memory_percent: { warning: 85, critical: 95 },
      disk_percent: { warning: 85, critical: 95 },
      load_average: { warning: 8, critical: 12 },
    });
    expect(thresholdsFor(null)).toEqual(thresholdsFor('web_api'));
  });

  it('applies the per-profile overrides metric by metric', () => {
    expect(thresholdsFor('database').memory_percent).toEqual({
      warning: 92,
      critical: 97,
    });
    expect(thresholdsFor('database').cpu_percent).toEqual({
      warning: 80,
      critical: 95,
    });
    expect(thresholdsFor('ml_compute').load_average).toEqual({
      warning: 16,
      critical: 24,
    });
    expect(thresholdsFor('data_ingest').disk_percent).toEqual({
      warning: 90,
      critical: 96,
    });
  });

  it('matches the thresholds the api alerts on, for every profile', () => {
    const profiles = [
      'ml_compute',
      'database',
      'web_api',
      'conductor_mgmt',
      'data_ingest',
      'risk_analytics',
      'generic',
    ] as const;
    for (const profile of profiles) {
      expect(thresholdsFor(profile), profile).toEqual(
        apiThresholdsFor(DEFAULT_THRESHOLD_CONFIG, profile),
      );
    }
    expect(Object.keys(PROFILE_THRESHOLD_OVERRIDES).sort()).toEqual(
      Object.keys(DEFAULT_THRESHOLD_CONFIG.profiles).sort(),
    );
  });
});
