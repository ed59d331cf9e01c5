import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { accessLines } from '@tft/api-keys';
import { AppModule } from './app.module';
import { configureApp } from './configure-app';
import { ConfigError, loadGeneratorConfig } from './config/generator-config';
import { runExportCommand } from './export/export-command';

async function bootstrap(argv: string[]): Promise<void> {
  if (argv[0] === 'export') {
    process.exitCode = runExportCommand(argv.slice(1));
    return;
  }
  let config;
  try {
    config = loadGeneratorConfig(argv, process.env);
  } catch (err) {
    if (!(err instanceof ConfigError) && !(err instanceof TypeError)) throw err;
    process.stderr.write(`generator: ${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const app = configureApp(await NestFactory.create(AppModule.forRoot(config)));
  await app.listen(config.port, config.host);
  Logger.log(
    `metrics generator on http://localhost:${config.port} (Swagger UI at /docs)`,
    'Generator',
  );
  const access = accessLines('the generator', config.apiKeys, config.host, 'POST /scenario/set', 'GENERATOR_HOST');
  Logger.log(access.info, 'Auth');
  if (access.warning) Logger.warn(access.warning, 'Auth');
}

void bootstrap(process.argv.slice(2));
