import { describe, expect, it } from 'vitest';
import {
  GENERATOR_DEFAULTS,
  loadGeneratorConfig,
  parseDuration,
} from './generator-config';

describe('loadGeneratorConfig', () => {
  it('uses the documented defaults', () => {
    expect(loadGeneratorConfig([], {})).toEqual(GENERATOR_DEFAULTS);
  });

  it('reads the environment and lets flags override it', () => {
    const config = loadGeneratorConfig(
      ['--servers', '50', '--speed', '60', '--backfill', '24h'],
      {
        GENERATOR_PORT: '18001',
        API_URL: 'http://127.0.0.1:9/',
        GENERATOR_SERVERS: '10',
      },
    );
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
    expect(() => loadGeneratorConfig(['--servers', '0'], {})).toThrow(
      '--servers must be an integer in 1..100000',
    );
    expect(() =>
      loadGeneratorConfig([], { API_URL: 'localhost:8000' }),
    ).toThrow('API_URL must be an http(s) URL');
    expect(() => loadGeneratorConfig(['--bogus'], {})).toThrow(/bogus/);
  });

  it('parses durations', () => {
    expect(parseDuration('90m')).toBe(5400);
    expect(parseDuration('2d')).toBe(172800);
    expect(parseDuration('45')).toBe(45);
    expect(() => parseDuration('1 week')).toThrow('invalid duration "1 week"');
  });

  it('listens on loopback only without a key, unless told otherwise', () => {
    expect(loadGeneratorConfig([], {}).host).toBe('127.0.0.1');
    expect(loadGeneratorConfig([], { API_KEY: 'some-key-123' }).host).toBe('0.0.0.0');
    expect(loadGeneratorConfig(['--host', '0.0.0.0'], {}).host).toBe('0.0.0.0');
    expect(loadGeneratorConfig([], { GENERATOR_HOST: '::1' }).host).toBe('::1');
  });
});
