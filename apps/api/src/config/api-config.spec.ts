import { describe, expect, it } from 'vitest';
import { loadApiConfig } from './api-config';

describe('loadApiConfig', () => {
  it('has working defaults', () => {
    const c = loadApiConfig({});
    expect(c).toMatchObject({ port: 8000, device: 'auto', forecastIntervalSeconds: 5, maxBodyBytes: 16 * 1024 * 1024, sqliteSynchronous: 'FULL' });
    expect(c.dataDir.endsWith('/data')).toBe(true);
    expect(c.warmupSteps).toBeUndefined();
  });

  it('reads every variable', () => {
    const c = loadApiConfig({ API_PORT: '18000', INFERENCE_DEVICE: 'cuda', WARMUP_STEPS: '6', MAX_BODY_SIZE: '512kb', LOG_FORMAT: 'json' });
    expect(c).toMatchObject({ port: 18000, device: 'cuda', warmupSteps: 6, maxBodyBytes: 512 * 1024, logFormat: 'json' });
  });

  it('names the bad variable', () => {
    expect(() => loadApiConfig({ API_PORT: '0' })).toThrow('API_PORT must be an integer in 1..65535 (got "0")');
    expect(() => loadApiConfig({ INFERENCE_DEVICE: 'tpu' })).toThrow('INFERENCE_DEVICE must be one of auto, cpu, cuda (got "tpu")');
    expect(() => loadApiConfig({ MAX_BODY_SIZE: 'lots' })).toThrow('MAX_BODY_SIZE must be a size like 512kb or 10mb');
  });

  it('documents its clock, alert and staleness defaults, and reads durations', () => {
    expect(loadApiConfig({})).toMatchObject({
      host: '127.0.0.1',
      maxFutureSkewSeconds: 300,
      alertForSeconds: 600,
      alertResolveAfterSeconds: 900,
      staleAfterSeconds: 900,
      retireAfterSeconds: 86400,
    });
    expect(loadApiConfig({ API_KEY: 'some-key-123', MAX_FUTURE_SKEW: '90s', ALERT_FOR: '0', STALE_AFTER: '1h', RETIRE_AFTER: '2d' })).toMatchObject({
      host: '0.0.0.0',
      maxFutureSkewSeconds: 90,
      alertForSeconds: 0,
      staleAfterSeconds: 3600,
      retireAfterSeconds: 172800,
    });
    expect(loadApiConfig({ API_HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(() => loadApiConfig({ ALERT_FOR: 'soon' })).toThrow('ALERT_FOR: invalid duration "soon" (use e.g. 30s, 90m, 24h, 2d)');
    expect(() => loadApiConfig({ STALE_AFTER: '2h', RETIRE_AFTER: '1h' })).toThrow('RETIRE_AFTER must be longer than STALE_AFTER');
  });
});
