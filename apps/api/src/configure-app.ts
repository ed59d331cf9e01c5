import { STATUS_CODES } from 'node:http';
import {
  type ArgumentsHost,
  BadRequestException,
  Catch,
  type ExceptionFilter,
  HttpException,
  type INestApplication,
  Logger,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
  ValidationPipe,
} from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject, type ReferenceObject, type SchemaObject } from '@nestjs/swagger';
import helmet from 'helmet';
import { addApiKeySchemes, declareAccess } from '@tft/api-keys/nest';
import { CLOCK, type Clock } from '@tft/contracts';
import { isoSeconds } from '@tft/forecasting';
import { ErrorDto } from './common/dto/error.dto';
import { RetryLaterException } from './common/retry-later.exception';
import type { ApiConfig } from './config/api-config';

const ERROR_SCHEMA: ReferenceObject = { $ref: '#/components/schemas/ErrorDto' };

/** OpenAPI 3.0 has no `type: 'null'`; this is how a 3.0 schema admits null and nothing else. */
const NULL_ONLY: SchemaObject = {
  type: 'object',
  nullable: true,
  enum: [null],
};

/**
 * `nullable` next to `allOf: [$ref]` (what @nestjs/swagger writes for a nullable DTO property) does not
 * admit null: nullable only widens a `type` in the same schema, and the referenced schema still refuses
 * null. `oneOf` with a null-only branch says what the api sends.
 */
function nullableRefsAsOneOf(document: OpenAPIObject): void {
  for (const schema of Object.values(document.components?.schemas ?? {})) {
    const properties = (schema as SchemaObject).properties ?? {};
    for (const [name, property] of Object.entries(properties)) {
      const p = property as SchemaObject;
      if (!p.nullable || p.allOf?.length !== 1) continue;
      const rest: SchemaObject = { ...p, oneOf: [p.allOf[0], NULL_ONLY] };
      delete rest.allOf;
      delete rest.nullable;
      delete rest.type;
      properties[name] = rest;
    }
  }
}

/** Messages as the api words them, so each error response shows its own status in Swagger UI. */
const ERROR_EXAMPLES: Record<string, string> = {
  '401': 'this endpoint needs an API key: send X-API-Key: <key> or Authorization: Bearer <key>',
  '404': 'unknown server "ppml0042": no data received for it',
  '415': 'unsupported content encoding "snappy": send the body uncompressed or with gzip, deflate or br',
  '429': 'too many writes: at most 600 per minute per client (WRITE_RATE_LIMIT); retry after Retry-After seconds',
  '503': 'could not store the samples: database or disk is full',
};

/** Every error answer carries an ErrorDto unless the route documents a richer body itself. */
function errorBodies(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.post, item.put, item.patch, item.delete]) {
      for (const [status, response] of Object.entries(operation?.responses ?? {})) {
        if (Number(status) < 400 || !response || '$ref' in response) continue;
        const media = (response.content ??= {
          'application/json': { schema: ERROR_SCHEMA },
        })['application/json'];
        const message = ERROR_EXAMPLES[status];
        if (media && message && !media.example && !media.examples) {
          media.example = {
            statusCode: Number(status),
            error: STATUS_CODES[Number(status)],
            message,
          };
        }
      }
    }
  }
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    addApiKeySchemes(new DocumentBuilder())
      .setTitle('TFT Inference Engine')
      .setDescription(
        'Feed host metrics, get 8-hour p10/p50/p90 forecasts of cpu, memory, disk and load per server from a ' +
          'Temporal Fusion Transformer, and alerts before thresholds are crossed. Every error answer is an ErrorDto.',
      )
      .setVersion('1.0.0')
      .setLicense('MIT', 'https://opensource.org/licenses/MIT')
      .addServer('/', 'This api, where the document is served from')
      .build(),
    { extraModels: [ErrorDto] },
  );
  declareAccess(document, { readsNeedKeyWith: 'READS_REQUIRE_KEY=true' });
  errorBodies(document);
  nullableRefsAsOneOf(document);
  return document;
}

/**
 * The served document with the sample time of the POST /feed/data example set to now: the committed
 * one cannot know the time it is read, and a fixed date ages out of the window (and a date ahead of
 * the clock is refused), so Swagger UI's "Try it out" would get a 400.
 */
export function withLiveExample(document: OpenAPIObject, nowMs: number): OpenAPIObject {
  const schemas = document.components?.schemas ?? {};
  const record = schemas['FeedRecordDto'] as SchemaObject | undefined;
  const timestamp = record?.properties?.['timestamp'] as SchemaObject | undefined;
  if (!record || !timestamp) return document;
  const live: SchemaObject = {
    ...record,
    properties: {
      ...record.properties,
      timestamp: {
        ...timestamp,
        example: isoSeconds(Math.floor(nowMs / 1000)),
      },
    },
  };
  return {
    ...document,
    components: {
      ...document.components,
      schemas: { ...schemas, FeedRecordDto: live },
    },
  };
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

function rejectDeepJson(req: Request, _res: Response, next: NextFunction): void {
  if (!jsonDepthExceeds(req.body, MAX_JSON_DEPTH)) return next();
  next(new BadRequestException(`JSON body nests deeper than ${MAX_JSON_DEPTH} levels`));
}

/** Sizes as MAX_BODY_SIZE counts them (kb and mb are powers of 1024). */
export function humanBytes(bytes: number): string {
  const [unit, size] = bytes >= 1024 ** 2 ? ['MB', 1024 ** 2] : bytes >= 1024 ? ['KB', 1024] : ['bytes', 1];
  return `${Number((bytes / (size as number)).toFixed(1))} ${unit}`;
}

/** What body-parser attaches to the errors it raises (http-errors plus its own fields). */
export interface BodyParserError extends Error {
  status?: number;
  type?: string;
  limit?: number;
  length?: number;
  charset?: string;
  encoding?: string;
}

/**
 * A request body that could not be read (raw-body's errors, which body-parser raises as well), as an
 * exception that says what to change: the limit and the size sent. Their own texts ("request entity
 * too large") name neither. `howToShrink` is the write route's advice for a body over the limit.
 */
export function bodyReadError(err: BodyParserError, maxBodyBytes: number, howToShrink: string): HttpException | null {
  switch (err.type) {
    case 'entity.too.large':
      return new PayloadTooLargeException(
        `request body is ${err.length === undefined ? 'over' : `${humanBytes(err.length)}, over`} the MAX_BODY_SIZE limit of ` +
          `${humanBytes(maxBodyBytes)}: ${howToShrink}`,
      );
    case 'request.aborted':
      return new BadRequestException('the client closed the connection before the body arrived');
    case 'request.size.invalid':
      return new BadRequestException('request body is shorter or longer than its Content-Length');
  }
  return null;
}

/** Body-parser's errors as exceptions that say what to change (bodyReadError, the JSON error, the encoding). */
function explainBodyErrors(maxBodyBytes: number): ErrorRequestHandler {
  return (err: BodyParserError, req, _res, next) => {
    const unreadable = bodyReadError(err, maxBodyBytes, 'split the records over several requests');
    if (unreadable) return next(unreadable);
    switch (err.type) {
      case 'entity.parse.failed':
        return next(new BadRequestException(`request body is not valid JSON: ${err.message.slice(0, 200)}`));
      case 'encoding.unsupported':
        return next(new UnsupportedMediaTypeException(`${err.message}: send the body uncompressed or with gzip, deflate or br`));
      case 'charset.unsupported':
        return next(new UnsupportedMediaTypeException(`${err.message}: send JSON as utf-8`));
    }
    if (err.status === 400 && req.headers['content-encoding']) {
      // zlib's errors, raised while inflating
      return next(new BadRequestException(`request body could not be decompressed (${req.headers['content-encoding']}): ${err.message}`));
    }
    next(err);
  };
}

/** An error a client caused: an HttpException below 500, or an http-errors object such as body-parser raises. */
function clientStatus(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return undefined;
  const status = (exception as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/** The one error body: `message` is always a string, `rejected` is kept where POST /feed/data sends it. */
export function errorBody(exception: unknown): ErrorDto & { rejected?: unknown[] } {
  let statusCode = 500;
  let message = 'internal error; the api log has the details';
  let rejected: unknown[] | undefined;
  if (exception instanceof HttpException) {
    statusCode = exception.getStatus();
    const response = exception.getResponse();
    const raw =
      typeof response === 'object' && response !== null ? (response as { message?: unknown; rejected?: unknown }) : { message: response };
    message = Array.isArray(raw.message) ? raw.message.join('; ') : typeof raw.message === 'string' ? raw.message : exception.message;
    if (Array.isArray(raw.rejected)) rejected = raw.rejected;
  } else {
    const status = clientStatus(exception);
    if (status !== undefined) {
      statusCode = status;
      message = (exception as Error).message;
    }
  }
  return {
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message,
    ...(rejected ? { rejected } : {}),
  };
}

/**
 * Answers every error with errorBody. Only server faults are logged, with their stack: a client's
 * mistake (a bad body, a missing key, a throttled write) is the client's to read, not the operator's.
 */
@Catch()
export class ErrorBodyFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionsHandler');

  catch(exception: unknown, host: ArgumentsHost): void {
    const body = errorBody(exception);
    if (!(exception instanceof HttpException) && clientStatus(exception) === undefined) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) {
      res.end();
      return;
    }
    if (exception instanceof RetryLaterException) res.setHeader('Retry-After', String(exception.retryAfterSeconds));
    res.status(body.statusCode).json(body);
  }
}

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
