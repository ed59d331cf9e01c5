import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ConfigError as SharedConfigError, parseEnvExample } from '@tft/contracts';
import { describe, expect, it, vi } from 'vitest';
import { API_ENV, ConfigError, loadApiConfig } from './api-config';

describe('loadApiConfig', () => {
  it('has working defaults', () => {
    const c = loadApiConfig({});
    expect(c).toMatchObject({
      port: 8000,
      device: 'auto',
      forecastIntervalSeconds: 5,
      maxBodyBytes: 16 * 1024 * 1024,
      sqliteSynchronous: 'FULL',
    });
    expect(c.dataDir.endsWith('/data')).toBe(true);
    expect(c.warmupSteps).toBeUndefined();
  });

  it('reads every variable', () => {
    const c = loadApiConfig({ API_PORT: '18000', INFERENCE_DEVICE: 'cuda', WARMUP_STEPS: '6', MAX_BODY_SIZE: '512kb', LOG_FORMAT: 'json' });
    expect(c).toMatchObject({
      port: 18000,
      device: 'cuda',
      warmupSteps: 6,
      maxBodyBytes: 512 * 1024,
      logFormat: 'json',
    });
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
    expect(
      loadApiConfig({ API_KEY: 'some-key-123', MAX_FUTURE_SKEW: '90s', ALERT_FOR: '0', STALE_AFTER: '1h', RETIRE_AFTER: '2d' }),
    ).toMatchObject({
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

describe('loadApiConfig through its envalid schema', () => {
  it('reads an empty or blank value as the default, as .env.example writes it', () => {
    expect(loadApiConfig({ API_PORT: '', MAX_BODY_SIZE: '  ', INFERENCE_DEVICE: '', STALE_AFTER: '', CORS_ORIGINS: ' ' })).toEqual(
      loadApiConfig({}),
    );
  });

  it('refuses a value outside an enum, exactly as spelled', () => {
    expect(() => loadApiConfig({ LOG_FORMAT: 'xml' })).toThrow('LOG_FORMAT must be one of text, json (got "xml")');
    expect(() => loadApiConfig({ SQLITE_SYNCHRONOUS: 'full' })).toThrow('SQLITE_SYNCHRONOUS must be one of FULL, NORMAL (got "full")');
    expect(loadApiConfig({ SQLITE_SYNCHRONOUS: ' NORMAL ' }).sqliteSynchronous).toBe('NORMAL');
  });

  it('names every bad variable in one ConfigError, in schema order', () => {
    let error: unknown;
    try {
      loadApiConfig({ WRITE_RATE_LIMIT: 'many', API_PORT: '70000', ALERT_FOR: 'soon' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toBeInstanceOf(SharedConfigError);
    expect((error as Error).message).toBe(
      'API_PORT must be an integer in 1..65535 (got "70000"); ' +
        'ALERT_FOR: invalid duration "soon" (use e.g. 30s, 90m, 24h, 2d); ' +
        'WRITE_RATE_LIMIT must be an integer in 0..10000000 (got "many")',
    );
  });

  it('throws instead of printing and exiting as envalid does by default', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation(() => undefined as never);
    const print = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(() => loadApiConfig({ API_PORT: 'eighty' })).toThrow(ConfigError);
      expect(exit).not.toHaveBeenCalled();
      expect(print).not.toHaveBeenCalled();
    } finally {
      exit.mockRestore();
      print.mockRestore();
    }
  });

  it('keeps an archive for 14 days of data time unless ARCHIVE_RETENTION says otherwise (0 = none)', () => {
    expect(loadApiConfig({}).archiveRetentionSeconds).toBe(14 * 86400);
    expect(loadApiConfig({ ARCHIVE_RETENTION: '36h' }).archiveRetentionSeconds).toBe(36 * 3600);
    expect(loadApiConfig({ ARCHIVE_RETENTION: '0' }).archiveRetentionSeconds).toBe(0);
    expect(() => loadApiConfig({ ARCHIVE_RETENTION: 'forever' })).toThrow('ARCHIVE_RETENTION: invalid duration "forever"');
  });

  it('reads cluster mode: NATS URLs, a replica id, partitions and the lease TTL, each named when wrong', () => {
    expect(loadApiConfig({}).natsUrl).toBeUndefined();
    expect(loadApiConfig({ API_PORT: '8002' }).replicaId).toMatch(/-8002$/);
    expect(
      loadApiConfig({ NATS_URL: 'nats://10.0.0.5:4222, nats://10.0.0.6:4222', REPLICA_ID: 'api-2', PARTITIONS: '64', LEASE_TTL: '15s' }),
    ).toMatchObject({ natsUrl: 'nats://10.0.0.5:4222,nats://10.0.0.6:4222', replicaId: 'api-2', partitions: 64, leaseTtlSeconds: 15 });
    expect(() => loadApiConfig({ NATS_URL: 'http://10.0.0.5:4222' })).toThrow(
      'NATS_URL entries must look like nats://127.0.0.1:4222 (got "http://10.0.0.5:4222")',
    );
    expect(() => loadApiConfig({ REPLICA_ID: 'api 2' })).toThrow('REPLICA_ID');
    expect(() => loadApiConfig({ LEASE_TTL: '1s' })).toThrow('LEASE_TTL');
  });

  it('checks sizes, bounds of durations, keys and the rules across variables', () => {
    expect(loadApiConfig({ MAX_BODY_SIZE: '2048' }).maxBodyBytes).toBe(2048);
    expect(loadApiConfig({ MAX_BODY_SIZE: '10MB' }).maxBodyBytes).toBe(10 * 1024 ** 2);
    expect(() => loadApiConfig({ STALE_AFTER: '0' })).toThrow('STALE_AFTER must be at least 1s (got "0")');
    expect(() => loadApiConfig({ STALE_AFTER: '1d' })).toThrow('RETIRE_AFTER must be longer than STALE_AFTER');
    expect(() => loadApiConfig({ API_KEYS: 'good-key-1, short' })).toThrow(
      'API_KEY/API_KEYS: key 2 must be 8-256 visible ASCII characters',
    );
    expect(() => loadApiConfig({ READS_REQUIRE_KEY: 'true' })).toThrow('READS_REQUIRE_KEY=true needs API_KEY or API_KEYS');
    const keyed = loadApiConfig({ API_KEY: 'key-one-111', API_KEYS: 'key-two-222,key-one-111', READS_REQUIRE_KEY: '1' });
    expect(keyed).toMatchObject({
      apiKeys: ['key-one-111', 'key-two-222'],
      readsRequireKey: true,
    });
  });

  it('resolves paths and keeps optional settings unset', () => {
    const c = loadApiConfig({
      DATA_DIR: 'var/tft',
      MODEL_DIR: 'models/tft/v1',
      ALERT_THRESHOLDS_FILE: 'thresholds.json',
      INFERENCE_THREADS: '3',
    });
    expect(c).toMatchObject({
      dataDir: resolve('var/tft'),
      modelDir: resolve('models/tft/v1'),
      alertThresholdsFile: resolve('thresholds.json'),
      inferenceThreads: 3,
    });
    expect(loadApiConfig({})).toMatchObject({
      modelDir: undefined,
      alertThresholdsFile: undefined,
      inferenceThreads: undefined,
      retentionSteps: undefined,
    });
    expect(loadApiConfig({}).corsOrigins).toEqual(['http://localhost:8501']);
    expect(loadApiConfig({ CORS_ORIGINS: 'none' }).corsOrigins).toEqual([]);
  });
});

describe('.env.example', () => {
  const entries = parseEnvExample(readFileSync(join(__dirname, '..', '..', '..', '..', '.env.example'), 'utf8'));
  const documented = new Map(entries.map((e) => [e.name, e.value]));

  it('documents every variable of the api schema', () => {
    expect(Object.keys(API_ENV).filter((name) => !documented.has(name))).toEqual([]);
  });

  it('lists in the api section only variables the api schema knows', () => {
    expect(entries.filter((e) => e.section === 'apps/api' && !(e.name in API_ENV)).map((e) => e.name)).toEqual([]);
  });

  it('writes each api default', () => {
    const defaults = loadApiConfig({});
    const wrong = Object.keys(API_ENV).filter((name) => !isDeepStrictEqual(loadApiConfig({ [name]: documented.get(name) }), defaults));
    expect(wrong).toEqual([]);
  });

  it('puts every variable in a daemon section, and a variable listed twice has one value', () => {
    expect([...new Set(entries.map((e) => e.section))].sort()).toEqual(['apps/api', 'apps/generator', 'apps/web-server']);
    expect(entries.filter((e) => documented.get(e.name) !== e.value).map((e) => e.name)).toEqual([]);
  });
});
