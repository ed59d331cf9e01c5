import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, type INestApplication, Module, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyGuard, type ApiKeyGuardOptions } from './api-key.guard';
import { WriteRoute } from './access.decorators';
import { addApiKeySchemes, declareAccess, type DeclareAccessOptions } from './openapi';

const KEY = 'guard-spec-key-01';
const OTHER = 'guard-spec-key-02';
const MISSING = 'this endpoint needs an API key: send X-API-Key: <key> or Authorization: Bearer <key>';

@Controller('thing')
class ThingController {
  private value = 'initial';

  @Post('set')
  @HttpCode(200)
  @WriteRoute()
  set(@Body() body: { value: string }): { value: string } {
    this.value = body.value;
    return { value: this.value };
  }

  /** A write the author forgot to annotate: guarded all the same. */
  @Post('reset')
  @HttpCode(200)
  reset(): { value: string } {
    this.value = 'initial';
    return { value: this.value };
  }

  @Get()
  get(): { value: string } {
    return { value: this.value };
  }

  /** A read declared a write: needs a key even when reads are open. */
  @Get('secret')
  @WriteRoute()
  secret(): { value: string } {
    return { value: 'hidden' };
  }
}

async function start(guard: Omit<ApiKeyGuardOptions, 'realm'>, docs: DeclareAccessOptions = {}) {
  @Module({
    controllers: [ThingController],
    providers: [apiKeyGuard({ ...guard, realm: 'tft-spec' })],
  })
  class ThingModule {}
  const moduleRef = await Test.createTestingModule({
    imports: [ThingModule],
  }).compile();
  const app: INestApplication = moduleRef.createNestApplication({
    logger: false,
  });
  const document = declareAccess(SwaggerModule.createDocument(app, addApiKeySchemes(new DocumentBuilder()).build()), docs);
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const call = (method: 'GET' | 'POST', path: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(method === 'POST' ? { body: JSON.stringify({ value: 'changed' }) } : {}),
    });
  const value = async (headers: Record<string, string> = {}) => (await (await call('GET', '/thing', headers)).json()).value;
  return { app, document, call, value };
}

describe('ApiKeyGuard with keys configured and open reads', () => {
  let t: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    t = await start({ keys: [KEY, OTHER], readsRequireKey: false });
  });
  afterAll(() => t.app.close());

  it('refuses a write without a valid key, with the challenge and the 401 body, and changes nothing', async () => {
    const missing = await t.call('POST', '/thing/set');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="tft-spec"');
    expect(await missing.json()).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: MISSING,
    });
    const wrong = await t.call('POST', '/thing/set', {
      'x-api-key': `${KEY}x`,
    });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).message).toBe('invalid API key');
    const basic = await t.call('POST', '/thing/set', {
      authorization: `Basic ${KEY}`,
    });
    expect(basic.status).toBe(401);
    expect((await basic.json()).message).toBe(MISSING);
    expect(await t.value()).toBe('initial');
  });

  it('guards a write that is not annotated', async () => {
    expect((await t.call('POST', '/thing/reset')).status).toBe(401);
    expect((await t.call('POST', '/thing/reset', { 'x-api-key': KEY })).status).toBe(200);
  });

  it('accepts any configured key as X-API-Key or Bearer; reads stay open', async () => {
    expect((await t.call('POST', '/thing/set', { 'x-api-key': OTHER })).status).toBe(200);
    expect(await t.value()).toBe('changed');
    expect((await t.call('POST', '/thing/reset', { authorization: `Bearer ${KEY}` })).status).toBe(200);
    expect(await t.value()).toBe('initial');
    expect((await t.call('GET', '/thing')).status).toBe(200);
  });

  it('guards a read declared a write', async () => {
    expect((await t.call('GET', '/thing/secret')).status).toBe(401);
    expect((await t.call('GET', '/thing/secret', { 'x-api-key': KEY })).status).toBe(200);
  });

  it('documents the schemes, the annotated and unannotated writes, and no security on open reads', () => {
    expect(Object.keys(t.document.components?.securitySchemes ?? {})).toEqual(['api_key', 'bearer']);
    const paths = t.document.paths;
    expect(paths['/thing/set']!.post!.security).toEqual([{ api_key: [] }, { bearer: [] }]);
    expect(paths['/thing/reset']!.post!.security).toEqual([{ api_key: [] }, { bearer: [] }]);
    expect(paths['/thing/reset']!.post!.responses['401']).toEqual({
      description: 'No valid API key: send `X-API-Key: <key>` or `Authorization: Bearer <key>`',
    });
    expect(paths['/thing/secret']!.get!.security).toEqual([{ api_key: [] }, { bearer: [] }]);
    expect(paths['/thing']!.get!.security).toBeUndefined();
    expect(paths['/thing']!.get!.responses['401']).toBeUndefined();
  });
});

describe('ApiKeyGuard with reads requiring a key', () => {
  let t: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    t = await start({ keys: [KEY], readsRequireKey: true }, { readsNeedKeyWith: 'READS_REQUIRE_KEY=true' });
  });
  afterAll(() => t.app.close());

  it('refuses reads without a key and serves them with one', async () => {
    const read = await t.call('GET', '/thing');
    expect(read.status).toBe(401);
    expect(read.headers.get('www-authenticate')).toBe('Bearer realm="tft-spec"');
    expect((await read.json()).message).toBe(MISSING);
    expect(await t.value({ authorization: `Bearer ${KEY}` })).toBe('initial');
  });

  it('documents reads as taking a key that they need only under the named setting', () => {
    const read: OpenAPIObject['paths'][string]['get'] = t.document.paths['/thing']!.get;
    expect(read!.security).toEqual([{ api_key: [] }, { bearer: [] }, {}]);
    expect(read!.responses['401']).toEqual({
      description: 'READS_REQUIRE_KEY=true and no valid API key: send `X-API-Key: <key>` or `Authorization: Bearer <key>`',
    });
  });
});

describe('ApiKeyGuard without keys', () => {
  let t: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    t = await start({ keys: [], readsRequireKey: true });
  });
  afterAll(() => t.app.close());

  it('lets every request through', async () => {
    expect((await t.call('POST', '/thing/set')).status).toBe(200);
    expect((await t.call('GET', '/thing/secret')).status).toBe(200);
    expect(await t.value()).toBe('changed');
  });
});
