import type { DocumentBuilder, OpenAPIObject } from '@nestjs/swagger';
import { accessOf } from '../lib/access';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../lib/api-keys';
import { SEND_KEY } from './access.decorators';

/** The two ways to present the one key, as the security schemes WriteRoute and declareAccess name. */
export function addApiKeySchemes(builder: DocumentBuilder): DocumentBuilder {
  return builder
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
    );
}

export interface DeclareAccessOptions {
  /**
   * The setting under which reads need a key (e.g. `READS_REQUIRE_KEY=true`): reads are then declared
   * to take a key, with an empty requirement beside the schemes since they need it only then. Without
   * it reads are open and declared without security.
   */
  readsNeedKeyWith?: string;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Declares in the OpenAPI document what ApiKeyGuard enforces on the routes that do not declare it
 * themselves (WriteRoute does), from the same accessOf rule: writes need a key, reads as the options say.
 */
export function declareAccess(document: OpenAPIObject, options: DeclareAccessOptions = {}): OpenAPIObject {
  const readsNeedKeyWith = options.readsNeedKeyWith;
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation || operation.security) continue;
      const read = accessOf(method, undefined) === 'read';
      if (read && readsNeedKeyWith === undefined) continue;
      operation.security = [{ [API_KEY_SCHEME]: [] }, { [BEARER_SCHEME]: [] }, ...(read ? [{}] : [])];
      operation.responses['401'] ??= {
        description: read ? `${readsNeedKeyWith} and no valid API key: ${SEND_KEY}` : `No valid API key: ${SEND_KEY}`,
      };
    }
  }
  return document;
}
