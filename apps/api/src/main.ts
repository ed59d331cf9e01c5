import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { buildOpenApiDocument, configureApp } from './configure-app';
import { loadThresholdConfig } from './config/alert-thresholds';
import { ConfigError, loadApiConfig } from './config/api-config';

async function bootstrap(argv: string[]): Promise<void> {
  const openapiOut = argv[0] === '--openapi' ? argv[1] : undefined;
  let config;
  try {
    // Writing the OpenAPI document needs no data: keep it out of ./data.
    config = loadApiConfig(openapiOut ? { ...process.env, DATA_DIR: join(tmpdir(), 'tft-openapi') } : process.env);
    loadThresholdConfig(config.alertThresholdsFile); // fail fast with a clear message
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`api: ${err.message}\n`);
    process.exit(2);
  }
  const logger = new ConsoleLogger({ json: config.logFormat === 'json', colors: config.logFormat !== 'json' });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: openapiOut ? ['error'] : logger,
    bodyParser: false,
  });
  configureApp(app, config);
  if (openapiOut) {
    writeFileSync(openapiOut, JSON.stringify(buildOpenApiDocument(app), null, 2) + '\n');
    process.stdout.write(`wrote ${openapiOut}\n`);
    await app.close();
    return;
  }
  await app.listen(config.port);
  Logger.log(`inference api on http://localhost:${config.port} (Swagger UI at /docs, data in ${config.dataDir})`, 'Api');
}

void bootstrap(process.argv.slice(2));
