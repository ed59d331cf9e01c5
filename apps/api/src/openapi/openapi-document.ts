import { STATUS_CODES } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject, type ReferenceObject, type SchemaObject } from '@nestjs/swagger';
import { addApiKeySchemes, declareAccess } from '@tft/api-keys/nest';
import { isoSeconds } from '@tft/forecasting';
import { tooManyWritesMessage } from '../auth/auth.module';
import { ErrorDto } from '../common/dto/error.dto';
import { DEFAULT_WRITE_RATE_LIMIT } from '../config/api-config';

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
  '429': tooManyWritesMessage(DEFAULT_WRITE_RATE_LIMIT),
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
