import { INestApplication, ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import helmet from 'helmet';
import { API_KEY_SCHEME, BEARER_SCHEME } from '@tft/api-keys';
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
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'One of API_KEY / API_KEYS' }, API_KEY_SCHEME)
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'The same key as `Authorization: Bearer <key>`' }, BEARER_SCHEME)
      .build(),
  );
}

/** The contract nests 3 levels ({records: [{...}]}); validation recurses, so deeper bodies stop here. */
const MAX_JSON_DEPTH = 32;

function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

function rejectDeepJson(req: Request, res: Response, next: NextFunction): void {
  if (!jsonDepthExceeds(req.body, MAX_JSON_DEPTH)) return next();
  res.status(400).json({ statusCode: 400, error: 'Bad Request', message: `JSON body nests deeper than ${MAX_JSON_DEPTH} levels` });
}

/**
 * Security headers, CORS, body limit, validation and Swagger: shared by main.ts and the HTTP tests so
 * both see the same app. Graceful shutdown is main.ts's business.
 */
export function configureApp(app: NestExpressApplication, config: ApiConfig): NestExpressApplication {
  // The daemon speaks plain HTTP (TLS, if any, ends in front of it): upgrading Swagger UI's own
  // assets to https would break /docs, so that one CSP directive is off; the rest is helmet's default.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  app.enableCors({
    origin: config.corsOrigins,
    methods: ['GET', 'HEAD', 'POST'],
    allowedHeaders: ['Content-Type', 'X-API-Key', 'Authorization'],
    maxAge: 600,
  });
  app.useBodyParser('json', { limit: config.maxBodyBytes });
  app.use(rejectDeepJson);
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
  return app;
}
