import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../app.module';
import { configureApp } from '../configure-app';
import { GENERATOR_DEFAULTS, loadGeneratorConfig } from '../config/generator-config';

describe('generator API keys', () => {
  it('reads API_KEY and API_KEYS with the api rules', () => {
    expect(loadGeneratorConfig([], {})).toMatchObject({
      apiKey: undefined,
      apiKeys: [],
    });
    expect(
      loadGeneratorConfig([], {
        API_KEY: 'main-key-0001',
        API_KEYS: 'other-key-002',
      }),
    ).toMatchObject({
      apiKey: 'main-key-0001',
      apiKeys: ['main-key-0001', 'other-key-002'],
    });
    expect(() => loadGeneratorConfig([], { API_KEY: 'short' })).toThrow('API_KEY/API_KEYS: key 1 must be 8-256 visible ASCII characters');
  });
});

describe('scenario API with keys configured', () => {
  const KEY = 'scenario-key-001';
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppModule.forRoot({
          ...GENERATOR_DEFAULTS,
          stream: false,
          apiKey: KEY,
          apiKeys: [KEY],
        }),
      ],
    }).compile();
    app = configureApp(moduleRef.createNestApplication({ logger: false }));
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(() => app.close());

  const set = (scenario: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/scenario/set`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ scenario }),
    });
  const scenario = async () => (await (await fetch(`${base}/scenario/status`)).json()).scenario;

  it('guards POST /scenario/set with the configured key; reads stay open', async () => {
    const missing = await set('critical');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="tft-generator"');
    expect((await set('critical', { 'x-api-key': `${KEY}x` })).status).toBe(401);
    expect(await scenario()).toBe('healthy');
    expect((await set('degrading', { authorization: `Bearer ${KEY}` })).status).toBe(200);
    expect(await scenario()).toBe('degrading');
    expect((await fetch(`${base}/fleet`)).status).toBe(200);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('documents the security scheme on the write route only', async () => {
    const doc = await (await fetch(`${base}/docs-json`)).json();
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['api_key', 'bearer']);
    expect(doc.paths['/scenario/set'].post.security).toEqual([{ api_key: [] }, { bearer: [] }]);
    expect(doc.paths['/scenario/status'].get.security).toBeUndefined();
  });
});
