import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { accessLines } from '@tft/api-keys';
import { configureApp } from './configure-app';
import { buildOpenApiDocument } from './openapi/openapi-document';
import { loadThresholdConfig } from './config/alert-thresholds';
import { assertWritableDataDir, ConfigError, loadApiConfig } from './config/api-config';
import { stopGracefullyOnSignals } from './graceful-shutdown';

async function bootstrap(argv: string[]): Promise<void> {
  const openapiOut = argv[0] === '--openapi' ? argv[1] : undefined;
  let config;
  try {
    // Writing the OpenAPI document needs no data: keep it out of ./data.
    config = loadApiConfig(openapiOut ? { ...process.env, DATA_DIR: join(tmpdir(), 'tft-openapi') } : process.env);
    loadThresholdConfig(config.alertThresholdsFile); // fail fast with a clear message
    if (!openapiOut) assertWritableDataDir(config.dataDir);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`api: ${err.message}\n`);
    process.exit(2);
  }
  const logger = new ConsoleLogger({
    json: config.logFormat === 'json',
    colors: config.logFormat !== 'json',
  });
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
  await app.listen(config.port, config.host);
  stopGracefullyOnSignals(app);
  Logger.log(`inference api on http://localhost:${config.port} (Swagger UI at /docs, data in ${config.dataDir})`, 'Api');
  const access = accessLines('the inference api', config.apiKeys, config.host, 'POST /feed/data', 'API_HOST');
  Logger.log(access.info, 'Auth');
  if (access.warning) Logger.warn(access.warning, 'Auth');
}

void bootstrap(process.argv.slice(2));
