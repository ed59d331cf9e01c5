import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../config/api-config';
import { parseOrigins } from '../config/cors-origins';

describe('access rules', () => {
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
});

describe('loadApiConfig: access settings', () => {
  it('defaults to open reads, the console origin and 600 writes a minute', () => {
    expect(loadApiConfig({})).toMatchObject({
      apiKeys: [],
      readsRequireKey: false,
      corsOrigins: ['http://localhost:8501'],
      writeRateLimit: 600,
    });
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
