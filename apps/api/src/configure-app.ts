import { ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { CLOCK, type Clock } from '@tft/contracts';
import { explainBodyErrors, rejectDeepJson } from './common/http/body-errors';
import { ErrorBodyFilter } from './common/http/error-body.filter';
import type { ApiConfig } from './config/api-config';
import { buildOpenApiDocument, withLiveExample } from './openapi/openapi-document';

/**
 * Security headers, CORS, body limit, validation, error bodies and Swagger: shared by main.ts and the
 * HTTP tests so both see the same app. Graceful shutdown is main.ts's business.
 */
export function configureApp(app: NestExpressApplication, config: ApiConfig): NestExpressApplication {
  // The daemon speaks plain HTTP (TLS, if any, ends in front of it): upgrading Swagger UI's own
  // assets to https would break /docs, so that one CSP directive is off; the rest is helmet's default.
  app.use(
    helmet({
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    }),
  );
  app.enableCors({
    origin: config.corsOrigins,
    methods: ['GET', 'HEAD', 'POST'],
    allowedHeaders: ['Content-Type', 'X-API-Key', 'Authorization', 'X-Clock-Offset'],
    maxAge: 600,
  });
  app.useBodyParser('json', { limit: config.maxBodyBytes });
  app.use(explainBodyErrors(config.maxBodyBytes));
  app.use(rejectDeepJson);
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
  app.useGlobalFilters(new ErrorBodyFilter());
  const clock = app.get<Clock>(CLOCK);
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    patchDocumentOnRequest: (_req, _res, document) => withLiveExample(document, clock.now()),
  });
  return app;
}
