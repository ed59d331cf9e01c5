import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from './app.module';
import { buildOpenApiDocument, configureApp } from './configure-app';
import { GENERATOR_DEFAULTS } from './config/generator-config';

const COMMITTED = join(__dirname, '..', '..', '..', 'libs', 'api-client', 'generator-openapi.json');

describe('OpenAPI document', () => {
  let app: INestApplication;

  // Served by an app set up as main.ts sets it up: default config, streaming off.
  beforeAll(async () => {
    app = configureApp(await NestFactory.create(AppModule.forRoot({ ...GENERATOR_DEFAULTS, stream: false }), { logger: false }));
    await app.listen(0, '127.0.0.1');
  });

  afterAll(() => app.close());

  it('is the committed libs/api-client/generator-openapi.json', async () => {
    const served = await (await fetch(`${await app.getUrl()}/docs-json`)).json();
    const committed = JSON.parse(readFileSync(COMMITTED, 'utf8'));
    // If this fails, the generator's API changed: run `npm run openapi`, then `npm run client`, and
    // commit both libs/api-client/generator-openapi.json and libs/api-client/src/generated/.
    expect(served).toEqual(committed);
    // and `--openapi` writes what is served
    expect(JSON.parse(JSON.stringify(buildOpenApiDocument(app)))).toEqual(served);
  });
});
