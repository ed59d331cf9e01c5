import { INestApplication, ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { ApiConfig } from './config/api-config';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('TFT Inference Engine')
      .setDescription(
        'Feed host metrics, get 8-hour p10/p50/p90 forecasts of cpu, memory, disk and load per server from a ' +
          'Temporal Fusion Transformer, and alerts before thresholds are crossed.',
      )
      .setVersion('1.0.0')
      .build(),
  );
}

/** Body limit, validation and Swagger: shared by main.ts and the HTTP tests so both see the same app. */
export function configureApp(app: NestExpressApplication, config: ApiConfig): NestExpressApplication {
  app.useBodyParser('json', { limit: config.maxBodyBytes });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
  app.enableShutdownHooks();
  return app;
}
