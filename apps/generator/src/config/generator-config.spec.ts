import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ConfigError as SharedConfigError, parseEnvExample } from '@tft/contracts';
import { describe, expect, it } from 'vitest';
import { ConfigError, GENERATOR_DEFAULTS, GENERATOR_ENV_VARIABLES, loadGeneratorConfig } from './generator-config';

describe('loadGeneratorConfig', () => {
  it('uses the documented defaults', () => {
    expect(loadGeneratorConfig([], {})).toEqual(GENERATOR_DEFAULTS);
  });

  it('reads the environment and lets flags override it', () => {
    const config = loadGeneratorConfig(['--servers', '50', '--speed', '60', '--backfill', '24h'], {
      GENERATOR_PORT: '18001',
      API_URL: 'http://127.0.0.1:9/',
      GENERATOR_SERVERS: '10',
    });
    expect(config).toMatchObject({
      port: 18001,
      apiUrl: 'http://127.0.0.1:9',
      servers: 50,
      speed: 60,
      backfillSeconds: 86400,
    });
  });

  it('names the bad setting', () => {
    expect(() => loadGeneratorConfig([], { GENERATOR_PORT: 'eighty' })).toThrow(
      'GENERATOR_PORT must be an integer in 1..65535 (got "eighty")',
    );
    expect(() => loadGeneratorConfig(['--servers', '0'], {})).toThrow('--servers must be an integer in 1..100000');
    expect(() => loadGeneratorConfig([], { API_URL: 'localhost:8000' })).toThrow('API_URL must be an http(s) URL');
    expect(() => loadGeneratorConfig(['--bogus'], {})).toThrow(/bogus/);
  });

  it('parses durations', () => {
    const backfill = (text: string) => loadGeneratorConfig(['--backfill', text], {}).backfillSeconds;
    expect(backfill('90m')).toBe(5400);
    expect(backfill('2d')).toBe(172800);
    expect(backfill('45')).toBe(45);
    expect(() => backfill('1 week')).toThrow('--backfill: invalid duration "1 week"');
  });

  it('pins the start of simulated time when told, and names a start without a zone', () => {
    expect(loadGeneratorConfig([], {}).startSeconds).toBeNull();
    expect(loadGeneratorConfig(['--start', '2026-01-05T06:00:00Z'], {}).startSeconds).toBe(Date.UTC(2026, 0, 5, 6) / 1000);
    expect(loadGeneratorConfig([], { GENERATOR_START: '2026-01-05T07:00:00+01:00' }).startSeconds).toBe(Date.UTC(2026, 0, 5, 6) / 1000);
    expect(() => loadGeneratorConfig(['--start', '2026-01-05 06:00'], {})).toThrow(
      '--start must be an ISO 8601 date-time with a zone, like 2026-01-05T06:00:00Z (got "2026-01-05 06:00")',
    );
  });

  it('listens on loopback only without a key, unless told otherwise', () => {
    expect(loadGeneratorConfig([], {}).host).toBe('127.0.0.1');
    expect(loadGeneratorConfig([], { API_KEY: 'some-key-123' }).host).toBe('0.0.0.0');
    expect(loadGeneratorConfig(['--host', '0.0.0.0'], {}).host).toBe('0.0.0.0');
    expect(loadGeneratorConfig([], { GENERATOR_HOST: '::1' }).host).toBe('::1');
  });
});

describe('loadGeneratorConfig through its envalid schema', () => {
  it('names the flag when a flag set the value, the variable when the environment did', () => {
    expect(() => loadGeneratorConfig([], { GENERATOR_SERVERS: '0' })).toThrow(
      'GENERATOR_SERVERS must be an integer in 1..100000 (got "0")',
    );
    expect(() => loadGeneratorConfig(['--backfill', '91d'], {})).toThrow('--backfill must be at most 90d (got "91d")');
    expect(() => loadGeneratorConfig([], { GENERATOR_BACKFILL: 'a while' })).toThrow('GENERATOR_BACKFILL: invalid duration "a while"');
    expect(() => loadGeneratorConfig(['--tick-seconds', '0'], {})).toThrow('--tick-seconds must be a number in 0.05..3600 (got "0")');
  });

  it('reads a flag instead of the variable it overrides, bad or not', () => {
    expect(
      loadGeneratorConfig(['--servers', '5', '--port', '9001'], {
        GENERATOR_SERVERS: 'many',
        GENERATOR_PORT: '0',
      }),
    ).toMatchObject({ servers: 5, port: 9001 });
  });

  it('reads an empty variable as the default, as .env.example writes it', () => {
    expect(
      loadGeneratorConfig([], {
        GENERATOR_PORT: '',
        API_URL: ' ',
        GENERATOR_BACKFILL: '',
      }),
    ).toEqual(GENERATOR_DEFAULTS);
  });

  it('reads the flag-only settings', () => {
    expect(
      loadGeneratorConfig(
        [
          '--sample-seconds',
          '10',
          '--backfill-sample-seconds',
          '300',
          '--tick-seconds',
          '0.5',
          '--batch-size',
          '500',
          '--max-buffered',
          '1000',
          '--no-stream',
        ],
        {},
      ),
    ).toMatchObject({
      sampleSeconds: 10,
      backfillSampleSeconds: 300,
      tickSeconds: 0.5,
      batchSize: 500,
      maxBufferedRecords: 1000,
      stream: false,
    });
  });

  it('sends API_KEY, else the first of API_KEYS, and accepts them all', () => {
    expect(loadGeneratorConfig([], { API_KEYS: 'key-two-222,key-three-333' })).toMatchObject({
      apiKey: 'key-two-222',
      apiKeys: ['key-two-222', 'key-three-333'],
    });
    expect(
      loadGeneratorConfig([], {
        API_KEY: 'key-one-111',
        API_KEYS: 'key-two-222',
      }).apiKey,
    ).toBe('key-one-111');
  });

  it('throws one ConfigError for every bad setting, bad flags included', () => {
    let error: unknown;
    try {
      loadGeneratorConfig(['--speed', 'fast'], {
        GENERATOR_PORT: '0',
        API_URL: 'ftp://x',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toBeInstanceOf(SharedConfigError);
    expect((error as Error).message).toBe(
      'GENERATOR_PORT must be an integer in 1..65535 (got "0"); ' +
        'API_URL must be an http(s) URL (got "ftp://x"); ' +
        '--speed must be a number in 0.01..100000 (got "fast")',
    );
    expect(() => loadGeneratorConfig(['--bogus'], {})).toThrow(ConfigError);
    expect(() => loadGeneratorConfig(['--port'], {})).toThrow(ConfigError);
    expect(() => loadGeneratorConfig(['extra'], {})).toThrow(ConfigError);
  });
});

describe('.env.example', () => {
  const entries = parseEnvExample(readFileSync(join(__dirname, '..', '..', '..', '..', '.env.example'), 'utf8'));
  const documented = new Map(entries.map((e) => [e.name, e.value]));

  it('documents every variable of the generator schema', () => {
    expect(GENERATOR_ENV_VARIABLES.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('lists in the generator section only variables the generator schema knows', () => {
    expect(entries.filter((e) => e.section === 'apps/generator' && !GENERATOR_ENV_VARIABLES.includes(e.name)).map((e) => e.name)).toEqual(
      [],
    );
  });

  it('writes each generator default', () => {
    expect(
      GENERATOR_ENV_VARIABLES.filter(
        (name) => !isDeepStrictEqual(loadGeneratorConfig([], { [name]: documented.get(name) }), GENERATOR_DEFAULTS),
      ),
    ).toEqual([]);
  });
});
