import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../config/api-config';
import { accessOf } from './access.decorators';
import { ApiKeyVerifier, openAccessWarning, parseApiKeys, parseOrigins, presentedKey } from './api-keys';

describe('API keys', () => {
  it('reads API_KEY and API_KEYS together, trimmed and deduplicated', () => {
    expect(parseApiKeys(undefined, undefined)).toEqual([]);
    expect(parseApiKeys('', ' , ')).toEqual([]);
    expect(parseApiKeys('primary-key-1', ' second-key-2 ,third-key-3,primary-key-1')).toEqual(['primary-key-1', 'second-key-2', 'third-key-3']);
  });

  it('rejects short or odd keys without echoing them', () => {
    expect(() => parseApiKeys('short', undefined)).toThrow('key 1 must be 8-256 visible ASCII characters without spaces or commas (it has 5 characters)');
    expect(() => parseApiKeys(undefined, 'good-key-123,has space in it')).toThrow('key 2 must be');
    expect(() => parseApiKeys('sécret-key-1', undefined)).not.toThrow(/sécret/);
    expect(() => parseApiKeys('sécret-key-1', undefined)).toThrow('key 1');
  });

  it('accepts exactly the configured keys', () => {
    const v = new ApiKeyVerifier(['alpha-key-0001', 'bravo-key-0002']);
    expect(v.enabled).toBe(true);
    expect(v.verify('alpha-key-0001')).toBe(true);
    expect(v.verify('bravo-key-0002')).toBe(true);
    expect(v.verify('alpha-key-000')).toBe(false);
    expect(v.verify('alpha-key-00011')).toBe(false);
    expect(v.verify('')).toBe(false);
    expect(v.verify(undefined)).toBe(false);
    expect(new ApiKeyVerifier([]).enabled).toBe(false);
    expect(new ApiKeyVerifier([]).verify('anything-at-all')).toBe(false);
  });

  it('takes the key from X-API-Key or a Bearer authorization', () => {
    expect(presentedKey({ 'x-api-key': 'k-from-header' })).toBe('k-from-header');
    expect(presentedKey({ authorization: 'Bearer k-from-bearer' })).toBe('k-from-bearer');
    expect(presentedKey({ authorization: 'bearer  k-lower ' })).toBe('k-lower');
    expect(presentedKey({ authorization: 'Basic dXNlcjpwdw==' })).toBeUndefined();
    expect(presentedKey({})).toBeUndefined();
  });

  it('treats every method but GET/HEAD/OPTIONS as a write, whatever the annotation', () => {
    expect(accessOf('GET', undefined)).toBe('read');
    expect(accessOf('HEAD', 'read')).toBe('read');
    expect(accessOf('POST', undefined)).toBe('write');
    expect(accessOf('DELETE', 'read')).toBe('write');
  });

  it('parses CORS origins strictly', () => {
    expect(parseOrigins('CORS_ORIGINS', undefined, ['http://localhost:8501'])).toEqual(['http://localhost:8501']);
    expect(parseOrigins('CORS_ORIGINS', 'none', ['http://localhost:8501'])).toEqual([]);
    expect(parseOrigins('CORS_ORIGINS', 'https://ops.example.com/, http://10.0.0.5:8501', [])).toEqual([
      'https://ops.example.com',
      'http://10.0.0.5:8501',
    ]);
    expect(() => parseOrigins('CORS_ORIGINS', '*', [])).toThrow('CORS_ORIGINS entries must be origins');
    expect(() => parseOrigins('CORS_ORIGINS', 'https://ops.example.com/console', [])).toThrow('no path');
    expect(() => parseOrigins('CORS_ORIGINS', 'ftp://x.example', [])).toThrow('got "ftp://x.example"');
  });

  it('warns loudly only when no key is configured', () => {
    expect(openAccessWarning('the api', [], 'POST /feed/data')).toMatch(/^NO API KEY CONFIGURED: the api accepts POST \/feed\/data from anyone/);
    expect(openAccessWarning('the api', ['some-key-123'], 'POST /feed/data')).toBeNull();
  });
});

describe('loadApiConfig: access settings', () => {
  it('defaults to open reads, the console origin and 600 writes a minute', () => {
    expect(loadApiConfig({})).toMatchObject({ apiKeys: [], readsRequireKey: false, corsOrigins: ['http://localhost:8501'], writeRateLimit: 600 });
  });

  it('reads every access variable', () => {
    const c = loadApiConfig({
      API_KEY: 'one-key-00001',
      API_KEYS: 'two-key-00002',
      READS_REQUIRE_KEY: 'true',
      CORS_ORIGINS: 'https://ops.example.com',
      WRITE_RATE_LIMIT: '0',
    });
    expect(c).toMatchObject({
      apiKeys: ['one-key-00001', 'two-key-00002'],
      readsRequireKey: true,
      corsOrigins: ['https://ops.example.com'],
      writeRateLimit: 0,
    });
  });

  it('names the bad access variable', () => {
    expect(() => loadApiConfig({ READS_REQUIRE_KEY: 'yes' })).toThrow('READS_REQUIRE_KEY must be true or false (got "yes")');
    expect(() => loadApiConfig({ READS_REQUIRE_KEY: 'true' })).toThrow('READS_REQUIRE_KEY=true needs API_KEY or API_KEYS');
    expect(() => loadApiConfig({ WRITE_RATE_LIMIT: '-1' })).toThrow('WRITE_RATE_LIMIT must be an integer in 0..10000000 (got "-1")');
    expect(() => loadApiConfig({ CORS_ORIGINS: '*' })).toThrow('CORS_ORIGINS entries must be origins');
    expect(() => loadApiConfig({ API_KEY: 'tiny' })).toThrow('API_KEY/API_KEYS: key 1 must be');
  });
});
