import { INestApplication, ValidationPipe } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { addApiKeySchemes, declareAccess } from '@tft/api-keys/nest';

/** The OpenAPI document of the generator's routes: served at /docs-json and written by `--openapi`. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    addApiKeySchemes(new DocumentBuilder())
      .setTitle('TFT metrics generator')
      .setDescription('Realistic fleet metrics: scenario control, streaming to the inference api, dataset export')
      .setVersion('1.0.0')
      .build(),
  );
  // Reads are always open here: only writes are declared to need a key.
  declareAccess(document);
  return document;
}

/** Validation and Swagger, shared by main.ts and the HTTP tests so both see the same app. */
export function configureApp(app: INestApplication): INestApplication {
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
  });
  app.enableShutdownHooks();
  return app;
}
