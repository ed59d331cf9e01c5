import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { accessLines } from '@tft/api-keys';
import { AppModule } from './app.module';
import { buildOpenApiDocument, configureApp } from './configure-app';
import { ConfigError, GENERATOR_DEFAULTS, loadGeneratorConfig } from './config/generator-config';
import { runExportCommand } from './export/export-command';

async function bootstrap(argv: string[]): Promise<void> {
  if (argv[0] === 'export') {
    process.exitCode = runExportCommand(argv.slice(1));
    return;
  }
  if (argv[0] === '--openapi' && argv[1]) {
    await writeOpenApiDocument(argv[1]);
    return;
  }
  let config;
  try {
    config = loadGeneratorConfig(argv, process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`generator: ${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  const app = configureApp(await NestFactory.create(AppModule.forRoot(config)));
  await app.listen(config.port, config.host);
  Logger.log(`metrics generator on http://localhost:${config.port} (Swagger UI at /docs)`, 'Generator');
  const access = accessLines('the generator', config.apiKeys, config.host, 'POST /scenario/set', 'GENERATOR_HOST');
  Logger.log(access.info, 'Auth');
  if (access.warning) Logger.warn(access.warning, 'Auth');
}

/**
 * `--openapi <file>`: the document configureApp serves at /docs-json, built from the default config
 * with streaming off, so neither the environment nor a running api changes it. Nothing listens.
 */
async function writeOpenApiDocument(file: string): Promise<void> {
  const app = await NestFactory.create(AppModule.forRoot({ ...GENERATOR_DEFAULTS, stream: false }), { logger: ['error'] });
  try {
    writeFileSync(file, JSON.stringify(buildOpenApiDocument(app), null, 2) + '\n');
    process.stdout.write(`wrote ${file}\n`);
  } finally {
    await app.close();
  }
}

void bootstrap(process.argv.slice(2));
