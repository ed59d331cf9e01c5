import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  const port = Number(process.env['API_PORT'] ?? 8000);
  await app.listen(port);
  Logger.log(`inference api on http://localhost:${port}`, 'Api');
}

void bootstrap();
