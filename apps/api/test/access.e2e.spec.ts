import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { history, startTestApp, type TestApp } from './test-app';

const KEYS = ['alpha-key-0001', 'bravo-key-0002'];

function post(t: TestApp, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${t.base}/feed/data`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('access control over HTTP: keys, rate limit, CORS, headers', () => {
  let t: TestApp;
  const limit = 8;
  let writes = 0; // every POST counts against the limit, refused ones too
  const send = (body: unknown, headers: Record<string, string> = {}) => {
    writes++;
    return post(t, body, headers);
  };

  beforeAll(async () => {
    t = await startTestApp({
      API_KEYS: KEYS.join(','),
      WRITE_RATE_LIMIT: String(limit),
    });
  }, 60_000);
  afterAll(() => t.app.close());

  it('refuses writes without a valid key with 401 and stores nothing', async () => {
    const records = history('ppweb0401', 3, () => 40);
    const missing = await send({ records });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await missing.json()).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'this endpoint needs an API key: send X-API-Key: <key> or Authorization: Bearer <key>',
    });
    const wrong = await send({ records }, { 'x-api-key': 'alpha-key-0002' });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).message).toBe('invalid API key');
    const basic = await send(
      { records },
      {
        authorization: `Basic ${Buffer.from(`u:${KEYS[0]}`).toString('base64')}`,
      },
    );
    expect(basic.status).toBe(401);
    expect((await fetch(`${t.base}/servers/ppweb0401`)).status).toBe(404);
  });

  it('accepts either key, as X-API-Key or as a Bearer token', async () => {
    const first = await send({ records: history('ppweb0401', 3, () => 40) }, { 'x-api-key': KEYS[0] });
    expect(first.status).toBe(200);
    expect((await first.json()).records_added).toBe(3);
    const second = await send({ records: history('ppweb0402', 2, () => 40) }, { authorization: `Bearer ${KEYS[1]}` });
    expect(second.status).toBe(200);
    expect((await second.json()).records_added).toBe(2);
  });

  it('keeps reads open by default', async () => {
    expect((await fetch(`${t.base}/predictions/current`)).status).toBe(200);
    expect((await fetch(`${t.base}/servers/ppweb0401`)).status).toBe(200);
    expect((await fetch(`${t.base}/status`)).status).toBe(200);
  });

  it('sends security headers', async () => {
    const res = await fetch(`${t.base}/health`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('x-powered-by')).toBeNull();
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
  });

  it('serves Swagger UI under that policy: its scripts are same-origin files, none inline', async () => {
    const page = await fetch(`${t.base}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/src="\.?\/?[\w./-]+\.js"/);
      expect(body.trim()).toBe('');
    }
    const init = await fetch(`${t.base}/docs/swagger-ui-init.js`);
    expect(init.status).toBe(200);
    expect(await init.text()).toContain('SwaggerUIBundle');
  });

  it('documents the security schemes on the write route', async () => {
    const doc = (await (await fetch(`${t.base}/docs-json`)).json()) as {
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
    };
    expect(doc.components.securitySchemes).toEqual({
      api_key: {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
        description: 'One of API_KEY / API_KEYS',
      },
      bearer: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'API key',
        description: 'The same key as `Authorization: Bearer <key>`',
      },
    });
    expect(doc.paths['/feed/data'].post.security).toEqual([{ api_key: [] }, { bearer: [] }]);
    expect(Object.keys(doc.paths['/feed/data'].post.responses)).toEqual(expect.arrayContaining(['401', '429', '413']));
    // reads take a key when one is presented, and need one when READS_REQUIRE_KEY closes them
    expect(doc.paths['/predictions/current'].get.security).toEqual([{ api_key: [] }, { bearer: [] }, {}]);
  });

  it('allows CORS for the configured console origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${t.base}/feed/data`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-api-key',
        },
      });
    const allowed = await preflight('http://localhost:8501');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:8501');
    expect(allowed.headers.get('access-control-allow-headers')).toBe('Content-Type,X-API-Key,Authorization,X-Clock-Offset');
    const foreign = await preflight('http://evil.example');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const read = await fetch(`${t.base}/status`, {
      headers: { origin: 'http://evil.example' },
    });
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('rate limits writes per client with 429 and Retry-After, never reads', async () => {
    const records = history('ppweb0403', 1, () => 40);
    const statuses: number[] = [];
    while (writes < limit) statuses.push((await send({ records }, { 'x-api-key': KEYS[0] })).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const throttled = await send({ records }, { 'x-api-key': KEYS[0] });
    expect(throttled.status).toBe(429);
    const retryAfter = Number(throttled.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await throttled.json()).message).toContain(`at most ${limit} per minute per client (WRITE_RATE_LIMIT)`);
    for (let i = 0; i < 3 * limit; i++) expect((await fetch(`${t.base}/alerts/active`)).status).toBe(200);
  });
});

describe('access control: READS_REQUIRE_KEY and open mode', () => {
  it('closes reads when configured', async () => {
    const t = await startTestApp({
      API_KEY: KEYS[0],
      READS_REQUIRE_KEY: 'true',
    });
    try {
      expect((await fetch(`${t.base}/status`)).status).toBe(401);
      expect((await fetch(`${t.base}/predictions/current`)).status).toBe(401);
      expect((await fetch(`${t.base}/status`, { headers: { 'x-api-key': KEYS[0] } })).status).toBe(200);
      expect(
        (
          await fetch(`${t.base}/predictions/current`, {
            headers: { authorization: `Bearer ${KEYS[0]}` },
          })
        ).status,
      ).toBe(200);
    } finally {
      await t.app.close();
    }
  }, 60_000);

  it('runs open without keys, with WRITE_RATE_LIMIT=0 meaning unlimited', async () => {
    const t = await startTestApp({ WRITE_RATE_LIMIT: '0' });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await post(t, {
          records: history('ppweb0404', 1, () => 40 + i).map((r) => ({
            ...r,
            timestamp: r.timestamp.replace(':00.000Z', `:0${i}Z`),
          })),
        });
        expect(res.status).toBe(200);
        expect((await res.json()).records_added).toBe(1);
      }
    } finally {
      await t.app.close();
    }
  }, 60_000);
});
