import { INestApplication, ValidationPipe } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { API_KEY_SCHEME, BEARER_SCHEME } from '@tft/api-keys';

/** Validation and Swagger, shared by main.ts and the HTTP tests so both see the same app. */
export function configureApp(app: INestApplication): INestApplication {
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }),
  );
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('TFT metrics generator')
      .setDescription(
        'Realistic fleet metrics: scenario control, streaming to the inference api, dataset export',
      )
      .setVersion('1.0.0')
      .addApiKey(
        {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description: 'One of API_KEY / API_KEYS',
        },
        API_KEY_SCHEME,
      )
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'API key',
          description: 'The same key as `Authorization: Bearer <key>`',
        },
        BEARER_SCHEME,
      )
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  app.enableShutdownHooks();
  return app;
}
