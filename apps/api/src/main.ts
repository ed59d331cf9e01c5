import { ForecastStore } from './read-model/forecast-store';
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { accessLines } from '@tft/api-keys';
import { buildOpenApiDocument, configureApp } from './configure-app';
import { loadThresholdConfig } from './config/alert-thresholds';
import { assertWritableDataDir, ConfigError, loadApiConfig } from './config/api-config';

/** How long in-flight requests get after SIGTERM before their connections are cut. */
const SHUTDOWN_GRACE_MS = 30_000;

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

/**
 * SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish (a POST still arriving is
 * stored and answered), then close the app (the store closes and checkpoints its WAL) and exit 0.
 * Nest's own shutdown hooks would close the store before the HTTP server and fail such a request.
 * A second signal kills the process at once.
 */
function stopGracefullyOnSignals(app: NestExpressApplication): void {
  const stop = (signal: NodeJS.Signals): void => {
    Logger.log(`${signal}: finishing in-flight requests, then closing the store`, 'Api');
    const server = app.getHttpServer() as Server;
    // event streams never go idle by themselves
    app.get(ForecastStore).feed.close();
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(force);
      app.close().then(
        () => {
          Logger.log('stopped cleanly', 'Api');
          process.exit(0);
        },
        (err: Error) => {
          Logger.error(`shutdown failed: ${err.message}`, 'Api');
          process.exit(1);
        },
      );
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void bootstrap(process.argv.slice(2));
