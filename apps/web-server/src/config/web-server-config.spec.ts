import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseEnvExample } from '@tft/contracts';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadWebConfig, WEB_ENV } from './web-server-config';

describe('loadWebConfig', () => {
  it('has the documented defaults: loopback, the local daemons', () => {
    expect(loadWebConfig({})).toStrictEqual({
      port: 8501,
      host: '127.0.0.1',
      options: {
        root: undefined,
        apiUrl: 'http://127.0.0.1:8000',
        generatorUrl: 'http://127.0.0.1:8001',
        apiKey: undefined,
        proxyTimeoutMs: 15000,
      },
    });
  });

  it('reads an empty variable as the default, as .env.example writes it', () => {
    expect(loadWebConfig({ WEB_PORT: '', WEB_HOST: ' ', API_URL: '', API_KEYS: '' })).toStrictEqual(loadWebConfig({}));
  });

  it('stays on loopback with a key, unlike the daemons', () => {
    expect(loadWebConfig({ API_KEY: 'key-one-111' }).host).toBe('127.0.0.1');
  });

  it('reads every variable; API_KEY, else the first of API_KEYS, goes upstream', () => {
    expect(
      loadWebConfig({
        WEB_PORT: '0',
        WEB_HOST: ' 0.0.0.0 ',
        WEB_ROOT: '/srv/console',
        API_URL: 'http://api.internal:8000',
        GENERATOR_URL: 'https://gen.internal/base',
        API_KEYS: ' , key-two-222,key-three-333',
        PROXY_TIMEOUT_MS: '2500',
      }),
    ).toStrictEqual({
      port: 0,
      host: '0.0.0.0',
      options: {
        root: '/srv/console',
        apiUrl: 'http://api.internal:8000',
        generatorUrl: 'https://gen.internal/base',
        apiKey: 'key-two-222',
        proxyTimeoutMs: 2500,
      },
    });
    expect(loadWebConfig({ API_KEY: ' key-one-111 ', API_KEYS: 'key-two-222' }).options.apiKey).toBe('key-one-111');
  });

  it('names every bad variable in one ConfigError', () => {
    let error: unknown;
    try {
      loadWebConfig({ WEB_PORT: '65536', GENERATOR_URL: 'localhost:8001', PROXY_TIMEOUT_MS: 'soon' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).name).toBe('ConfigError');
    expect((error as Error).message).toBe(
      'WEB_PORT must be an integer in 0..65535 (got "65536"); ' +
        'GENERATOR_URL must be an http(s) URL such as http://127.0.0.1:8000 (got "localhost:8001"); ' +
        'PROXY_TIMEOUT_MS must be an integer in 1..3600000 (got "soon")',
    );
    expect(() => loadWebConfig({ WEB_PORT: 'eighty' })).toThrow(new ConfigError('WEB_PORT must be an integer in 0..65535 (got "eighty")'));
    expect(() => loadWebConfig({ PROXY_TIMEOUT_MS: '0' })).toThrow('PROXY_TIMEOUT_MS must be an integer in 1..3600000 (got "0")');
    expect(() => loadWebConfig({ API_URL: 'ftp://x' })).toThrow(
      'API_URL must be an http(s) URL such as http://127.0.0.1:8000 (got "ftp://x")',
    );
  });

  it('applies the api and generator key rules to the key it sends, without echoing it', () => {
    expect(() => loadWebConfig({ API_KEY: 'short' })).toThrow(
      new ConfigError('API_KEY/API_KEYS: key 1 must be 8-256 visible ASCII characters without spaces or commas (it has 5 characters)'),
    );
    expect(() => loadWebConfig({ API_KEYS: 'key-two-222,has space1' })).toThrow(/key 2 must be 8-256 visible ASCII characters/);
  });
});

describe('.env.example', () => {
  const entries = parseEnvExample(readFileSync(join(__dirname, '..', '..', '..', '..', '.env.example'), 'utf8'));
  const documented = new Map(entries.map((e) => [e.name, e.value]));
  const names = Object.keys(WEB_ENV);
  // the section that documents the console server is the one WEB_PORT is in
  const section = entries.find((e) => e.name === 'WEB_PORT')?.section;

  it('documents every variable of the console server schema', () => {
    expect(names.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('lists in the console server section only variables its schema knows', () => {
    expect(section).toBeTruthy();
    expect(entries.filter((e) => e.section === section && !names.includes(e.name)).map((e) => e.name)).toEqual([]);
  });

  it('writes each default', () => {
    const defaults = loadWebConfig({});
    expect(names.filter((name) => !isDeepStrictEqual(loadWebConfig({ [name]: documented.get(name) }), defaults))).toEqual([]);
  });
});
