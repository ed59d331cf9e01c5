import Ajv, { type AnySchema, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { OpenAPIObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi/openapi-document';
import { encodeWriteRequest } from '@tft/remote-write';
import { daily, history, startTestApp, type TestApp } from './test-app';

/**
 * Every endpoint over HTTP, success and error answers, each body validated against the schema the
 * generated OpenAPI document gives for that path, method and status. Object schemas are closed for the
 * check (`additionalProperties: false`), so a field the api sends but does not document fails too.
 */

const KEY = 'contract-key-0001';
const SCHEMA_REF = '#/components/schemas/';

/** A component schema as ajv reads it: refs by name, objects closed. */
function forAjv(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(forAjv);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === '$ref' && typeof value === 'string' ? value.replace(SCHEMA_REF, '') : forAjv(value);
  }
  if (out['type'] === 'object' && out['properties'] && out['additionalProperties'] === undefined) out['additionalProperties'] = false;
  return out;
}

class Contract {
  private readonly ajv = new Ajv({ strict: true, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly document: OpenAPIObject) {
    addFormats(this.ajv);
    this.ajv.addKeyword('example'); // an OpenAPI annotation, not a JSON Schema keyword
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) this.ajv.addSchema(forAjv(schema) as AnySchema, name);
  }

  /** The validator of `method path` answering `status`; fails the test when the document has no such answer. */
  validator(method: string, path: string, status: number): ValidateFunction {
    const key = `${method} ${path} ${status}`;
    const cached = this.compiled.get(key);
    if (cached) return cached;
    const operation = this.document.paths[path]?.[method as 'get' | 'post'];
    expect(operation, `${method.toUpperCase()} ${path} is documented`).toBeDefined();
    const response = operation?.responses[String(status)] as ResponseObject | undefined;
    expect(response, `${method.toUpperCase()} ${path} documents ${status}`).toBeDefined();
    const content = response?.content ?? {};
    const schema = (content['application/json'] ?? content['text/plain'])?.schema;
    expect(schema, `${method.toUpperCase()} ${path} ${status} has a schema`).toBeDefined();
    const validate = this.ajv.compile(forAjv(schema) as AnySchema);
    this.compiled.set(key, validate);
    return validate;
  }
}

interface Checked {
  status: number;
  body: Record<string, unknown>;
}

describe('every endpoint answers as its OpenAPI schema says (real app, ajv)', () => {
  let t: TestApp;
  let contract: Contract;
  const seen = new Set<string>();

  /** Calls `method path` (the document's template) at `url`, and checks the answer's body against the document. */
  async function call(
    method: 'get' | 'post',
    path: string,
    init: {
      url?: string;
      body?: string | Uint8Array;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Checked> {
    const res = await fetch(`${t.base}${init.url ?? path}`, {
      method: method.toUpperCase(),
      headers: {
        ...(typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      body: typeof init.body === 'string' || init.body === undefined ? init.body : Buffer.from(init.body),
    });
    const text = path === '/metrics';
    expect(res.headers.get('content-type')).toMatch(text ? /^text\/plain/ : /^application\/json/);
    const body = (text ? await res.text() : await res.json()) as Record<string, unknown>;
    const validate = contract.validator(method, path, res.status);
    expect(validate(body) ? [] : validate.errors, `${method.toUpperCase()} ${init.url ?? path} ${res.status}`).toEqual([]);
    seen.add(`${method} ${path} ${res.status}`);
    return { status: res.status, body };
  }

  const feed = (records: unknown, headers: Record<string, string> = { 'x-api-key': KEY }) =>
    call('post', '/feed/data', {
      body: typeof records === 'string' ? records : JSON.stringify({ records }),
      headers,
    });

  beforeAll(async () => {
    t = await startTestApp({
      API_KEY: KEY,
      WRITE_RATE_LIMIT: '0',
      MAX_BODY_SIZE: '1mb',
      MAX_RECORDS_PER_REQUEST: '1000',
      STALE_AFTER: '1d',
      RETIRE_AFTER: '2d',
    });
    contract = new Contract(JSON.parse(JSON.stringify(buildOpenApiDocument(t.app))) as OpenAPIObject);
  }, 60_000);
  afterAll(() => t.app.close());

  it('POST /feed/data: 200 success and partial, 400 with and without rejected, 401, 413, 415', async () => {
    const warm = history('ppcontract01', 36 * 12, (i) => daily(i), 'web_api');
    expect(await feed(warm)).toMatchObject({
      status: 200,
      body: { status: 'success', records_added: 432, rejected: [] },
    });
    const cold = history('ppcontract02', 6, () => 30);
    const partial = await feed([...cold.slice(0, 5), { ...cold[5], cpu_percent: 'abc' }]);
    expect(partial).toMatchObject({
      status: 200,
      body: { status: 'partial', records_added: 5 },
    });

    const refused = await feed([{ ...cold[5], memory_percent: 101 }]);
    expect(refused.status).toBe(400);
    expect(refused.body['rejected']).toEqual([
      {
        index: 0,
        field: 'memory_percent',
        reason: 'memory_percent must be a number in 0..100 (got 101)',
      },
    ]);
    expect((await feed('{"data": []}')).body['message']).toBe('property data should not exist; records must be an array');
    expect((await feed('{"records": [')).status).toBe(400);
    expect((await feed(`{"records":${'['.repeat(40)}${']'.repeat(40)}}`)).status).toBe(400);
    expect((await feed(cold, {})).status).toBe(401);
    expect((await feed(cold, { 'x-api-key': 'wrong-key-0000' })).body['message']).toBe('invalid API key');
    expect((await feed(Array.from({ length: 1001 }, () => cold[0]))).status).toBe(413);
    expect((await feed(JSON.stringify({ records: cold, pad: 'x'.repeat(1024 ** 2) }))).status).toBe(413);
    const snappy = await call('post', '/feed/data', {
      body: '{}',
      headers: { 'x-api-key': KEY, 'content-encoding': 'snappy' },
    });
    expect(snappy.status).toBe(415);
  });

  it('GET reads: forecasts with and without drivers, a server with and without a forecast, 404', async () => {
    await t.inference.pass();
    const current = await call('get', '/predictions/current');
    const predictions = current.body['predictions'] as Record<string, { model: string; drivers: unknown }>;
    expect(predictions['ppcontract01']).toMatchObject({
      model: 'TFT',
      drivers: expect.any(Object),
    });
    expect(predictions['ppcontract02']).toMatchObject({
      model: 'heuristic',
      drivers: null,
    });
    await call('get', '/alerts/active');
    await call('get', '/alerts/resolved');
    const thresholds = await call('get', '/alerts/thresholds');
    expect(
      (
        thresholds.body['profiles'] as {
          profile: string;
          thresholds: { memory_percent: unknown };
        }[]
      ).find((p) => p.profile === 'database'),
    ).toMatchObject({
      thresholds: { memory_percent: { warning: 92, critical: 97 } },
    });
    await call('get', '/servers');
    const detail = await call('get', '/servers/{server_name}', {
      url: '/servers/ppcontract01',
    });
    expect(detail.body['forecast']).not.toBeNull();
    expect(detail.body['open_step']).not.toBeNull();
    // stored after the tick: no forecast yet
    expect((await feed(history('ppcontract03', 1, () => 20))).status).toBe(200);
    expect(
      (
        await call('get', '/servers/{server_name}', {
          url: '/servers/ppcontract03',
        })
      ).body['forecast'],
    ).toBeNull();
    const missing = await call('get', '/servers/{server_name}', {
      url: '/servers/nope',
    });
    expect(missing).toEqual({
      status: 404,
      body: {
        statusCode: 404,
        error: 'Not Found',
        message: 'unknown server "nope": no data received for it',
      },
    });
    await t.inference.pass();
    const summary = await call('get', '/fleet/summary');
    const listed = summary.body['servers'] as { name: string; model: string; current: { cpu_percent: number | null } }[];
    expect(listed.map((e) => `${e.name} ${e.model}`).sort()).toEqual([
      'ppcontract01 TFT',
      'ppcontract02 heuristic',
      'ppcontract03 heuristic',
    ]);
    expect(listed.find((e) => e.name === 'ppcontract03')?.current.cpu_percent).toBe(20);
    const page = await call('get', '/fleet/summary', { url: '/fleet/summary?sort=name&limit=2' });
    expect(page.body).toMatchObject({ matching: 3, next_cursor: expect.any(String) });
    expect((await call('get', '/fleet/summary', { url: '/fleet/summary?sort=bogus' })).status).toBe(400);
    const narrowed = await call('get', '/predictions/current', { url: '/predictions/current?metrics=cpu_percent&limit=1' });
    expect(Object.keys(narrowed.body['predictions'] as object)).toEqual(['ppcontract01']);
    expect(narrowed.body['next_cursor']).toEqual(expect.any(String));
    expect((await call('get', '/predictions/current', { url: '/predictions/current?metrics=gpu' })).status).toBe(400);
    const one = await call('get', '/servers/{server_name}/forecast', { url: '/servers/ppcontract01/forecast' });
    expect(one.body).toEqual(predictions['ppcontract01']);
    expect((await call('get', '/servers/{server_name}/forecast', { url: '/servers/nope/forecast' })).status).toBe(404);
    const drivers = await call('get', '/servers/{server_name}/drivers', { url: '/servers/ppcontract01/drivers' });
    expect(drivers.body).toMatchObject({ model: 'TFT', reason: null, metrics: { cpu_percent: expect.any(Array) } });
    const heuristic = await call('get', '/servers/{server_name}/drivers', { url: '/servers/ppcontract02/drivers' });
    expect(heuristic.body).toMatchObject({ model: 'heuristic', metrics: null, reason: expect.any(String) });
    expect((await call('get', '/servers/{server_name}/drivers', { url: '/servers/nope/drivers' })).status).toBe(404);
    const accuracy = await call('get', '/accuracy', { url: '/accuracy?window=7d&server=ppcontract01' });
    expect(accuracy.body).toMatchObject({ window: '7d', server: { server_name: 'ppcontract01' } });
    expect((await call('get', '/accuracy', { url: '/accuracy?window=1y' })).status).toBe(400);
    expect((await call('get', '/accuracy', { url: '/accuracy?server=nope' })).status).toBe(404);
    // the newest shipped version, loaded again beside itself
    const keyed = { headers: { 'x-api-key': KEY } };
    const reload = await call('post', '/model/reload', keyed);
    expect(reload.body).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+$/), previous_version: reload.body['version'] });
    expect((await call('post', '/model/reload', { url: '/model/reload?version=0.0.1', ...keyed })).status).toBe(404);
    expect((await call('post', '/model/reload', { url: '/model/reload?version=newest', ...keyed })).status).toBe(400);
    const events = await fetch(`${t.base}/events`);
    expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(contract.document.paths['/events']?.get?.responses['200']).toBeDefined();
    await events.body?.cancel();
    seen.add('get /events 200');
    const csv = await fetch(`${t.base}/export?servers=ppcontract01`, { headers: { 'x-api-key': KEY } });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect((await csv.text()).split('\n')[0]).toBe('timestamp,server_name,cpu_percent,memory_percent,disk_percent,load_average,profile');
    expect((contract.document.paths['/export']?.get?.responses['200'] as ResponseObject | undefined)?.content?.['text/csv']).toBeDefined();
    seen.add('get /export 200');
    expect((await call('get', '/export', { url: '/export?since=yesterday', headers: { 'x-api-key': KEY } })).status).toBe(400);
    expect((await call('get', '/export')).status).toBe(401);
    await call('get', '/health');
    await call('get', '/status');
    const metrics = await call('get', '/metrics');
    expect(String(metrics.body)).toMatch(/^tft_servers\{model="TFT"\} 1$/m);
  });

  it('POST /api/v1/write: stored, undecodable, unauthorised, wrong encoding, too many samples', async () => {
    const remoteWrite = (body: Uint8Array, headers: Record<string, string> = {}) =>
      call('post', '/api/v1/write', {
        body,
        headers: { 'x-api-key': KEY, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', ...headers },
      });
    const t0 = Math.floor(Date.now() / 300_000) * 300_000 - 300_000;
    const load = (instance: string, samples: number) => ({
      labels: [
        { name: '__name__', value: 'node_load1' },
        { name: 'instance', value: instance },
      ],
      samples: Array.from({ length: samples }, (_, i) => ({ value: 1 + i, timestamp: t0 + i * 15_000 })),
    });
    const stored = await remoteWrite(encodeWriteRequest({ timeseries: [load('node-contract:9100', 3)] }));
    expect(stored).toMatchObject({ status: 200, body: { status: 'success', samples_added: 3 } });
    expect((await remoteWrite(Buffer.from('not snappy'))).status).toBe(400);
    expect((await remoteWrite(encodeWriteRequest({ timeseries: [] }), { 'x-api-key': 'wrong-key-0000' })).status).toBe(401);
    expect((await remoteWrite(encodeWriteRequest({ timeseries: [] }), { 'content-encoding': 'gzip' })).status).toBe(415);
    expect((await remoteWrite(encodeWriteRequest({ timeseries: [load('node-big', 1001)] }))).status).toBe(413);
  });

  it('POST /v1/metrics and its alias (OTLP/JSON): stored, partial, undecodable, unauthorised, wrong type, too many points', async () => {
    const otlp = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      call('post', path, { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'x-api-key': KEY, ...headers } });
    const t0 = Math.floor(Date.now() / 300_000) * 300_000 - 300_000;
    const load = (host: string | null, points: number) => ({
      resourceMetrics: [
        {
          resource: { attributes: host ? [{ key: 'host.name', value: { stringValue: host } }] : [] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'system.cpu.load_average.1m',
                  gauge: {
                    dataPoints: Array.from({ length: points }, (_, i) => ({ asDouble: 1, timeUnixNano: `${t0 + i * 15_000}000000` })),
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    for (const path of ['/v1/metrics', '/api/v1/otlp/v1/metrics']) {
      expect(await otlp(path, load('otel-contract', 2))).toMatchObject({ status: 200, body: {} });
      expect(await otlp(path, load(null, 1))).toMatchObject({ status: 200, body: { partialSuccess: { rejectedDataPoints: '1' } } });
      expect((await otlp(path, { resourceMetrics: 3 })).status).toBe(400);
      expect((await otlp(path, load('otel-contract', 1), { 'x-api-key': 'wrong-key-0000' })).status).toBe(401);
      expect((await otlp(path, load('otel-contract', 1001))).status).toBe(413);
      expect((await otlp(path, 'x', { 'content-type': 'text/plain' })).status).toBe(415);
    }
  });

  it("serves a POST /feed/data example that Swagger UI's Try it out gets a 200 for", async () => {
    const served = (await (await fetch(`${t.base}/docs-json`)).json()) as OpenAPIObject;
    const record = served.components?.schemas?.['FeedRecordDto'] as SchemaObject;
    const example = Object.fromEntries(Object.entries(record.properties ?? {}).map(([name, p]) => [name, (p as SchemaObject).example]));
    const sentAt = Date.parse(example['timestamp'] as string);
    expect(Math.abs(sentAt - Date.now())).toBeLessThan(60_000);
    const tried = await feed([example]);
    expect(tried).toMatchObject({
      status: 200,
      body: { status: 'success', records_added: 1, rejected: [] },
    });
    // the committed document keeps a fixed example: only the served one knows the time it is read
    const built = buildOpenApiDocument(t.app).components?.schemas?.['FeedRecordDto'] as SchemaObject;
    expect((built.properties?.['timestamp'] as SchemaObject).example).toBe('2026-11-28T12:00:00Z');
  });

  it('covered every documented operation', () => {
    const operations = Object.entries(contract.document.paths).flatMap(([path, item]) =>
      (['get', 'post'] as const).filter((m) => item[m]).map((m) => `${m} ${path}`),
    );
    for (const op of operations)
      expect(
        [...seen].some((s) => s.startsWith(`${op} `)),
        op,
      ).toBe(true);
    expect([...seen].filter((s) => s.startsWith('post /feed/data ')).sort()).toEqual(
      ['200', '400', '401', '413', '415'].map((s) => `post /feed/data ${s}`),
    );
    for (const path of ['/api/v1/write', '/v1/metrics', '/api/v1/otlp/v1/metrics']) {
      expect([...seen].filter((s) => s.startsWith(`post ${path} `)).sort()).toEqual(
        ['200', '400', '401', '413', '415'].map((s) => `post ${path} ${s}`),
      );
    }
  });
});

describe('closed reads and the rate limit answer as documented', () => {
  let t: TestApp;
  let contract: Contract;

  beforeAll(async () => {
    t = await startTestApp({
      API_KEY: KEY,
      READS_REQUIRE_KEY: 'true',
      WRITE_RATE_LIMIT: '1',
    });
    contract = new Contract(JSON.parse(JSON.stringify(buildOpenApiDocument(t.app))) as OpenAPIObject);
  }, 60_000);
  afterAll(() => t.app.close());

  it('401 on every read without a key (health included), 429 past WRITE_RATE_LIMIT', async () => {
    for (const [path, url] of [
      ['/health', '/health'],
      ['/status', '/status'],
      ['/predictions/current', '/predictions/current'],
      ['/alerts/active', '/alerts/active'],
      ['/alerts/resolved', '/alerts/resolved'],
      ['/alerts/thresholds', '/alerts/thresholds'],
      ['/servers', '/servers'],
      ['/servers/{server_name}', '/servers/ppweb0001'],
      ['/servers/{server_name}/forecast', '/servers/ppweb0001/forecast'],
      ['/servers/{server_name}/drivers', '/servers/ppweb0001/drivers'],
      ['/fleet/summary', '/fleet/summary'],
      ['/events', '/events'],
      ['/metrics', '/metrics'],
    ]) {
      const res = await fetch(`${t.base}${url}`);
      expect(res.status, url).toBe(401);
      const body = await res.json();
      const validate = contract.validator('get', path, 401);
      expect(validate(body) ? [] : validate.errors).toEqual([]);
      expect(body.message).toBe('this endpoint needs an API key: send X-API-Key: <key> or Authorization: Bearer <key>');
      const keyed = await fetch(`${t.base}${url}`, { headers: { 'x-api-key': KEY } });
      expect(keyed.status, url).not.toBe(401);
      await keyed.body?.cancel();
    }
    const post = () =>
      fetch(`${t.base}/feed/data`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': KEY },
        body: JSON.stringify({ records: history('ppcontract09', 1, () => 40) }),
      });
    expect((await post()).status).toBe(200);
    const throttled = await post();
    expect(throttled.status).toBe(429);
    const body = await throttled.json();
    const validate = contract.validator('post', '/feed/data', 429);
    expect(validate(body) ? [] : validate.errors).toEqual([]);
    expect(body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'too many writes: at most 1 per minute per client (WRITE_RATE_LIMIT); retry after Retry-After seconds',
    });
  });
});
