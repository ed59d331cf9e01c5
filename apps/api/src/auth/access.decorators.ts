import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity, ApiTooManyRequestsResponse, ApiUnauthorizedResponse, type OpenAPIObject } from '@nestjs/swagger';
import { API_KEY_SCHEME, BEARER_SCHEME } from '@tft/api-keys';

export const ACCESS = 'tft:access';
export type Access = 'read' | 'write';

const SEND_KEY = 'send `X-API-Key: <key>` or `Authorization: Bearer <key>`';

/** Needs a valid key whenever keys are configured, and counts against WRITE_RATE_LIMIT. */
export const WriteRoute = () =>
  applyDecorators(
    SetMetadata(ACCESS, 'write' satisfies Access),
    ApiSecurity(API_KEY_SCHEME),
    ApiBearerAuth(BEARER_SCHEME),
    ApiUnauthorizedResponse({ description: `No valid API key: ${SEND_KEY}` }),
    ApiTooManyRequestsResponse({ description: 'More than WRITE_RATE_LIMIT writes per minute from this client; see `Retry-After`' }),
  );

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What a request needs: anything but GET/HEAD/OPTIONS is a write, whatever it is annotated with (fail closed). */
export function accessOf(method: string, declared: Access | undefined): Access {
  if (!SAFE_METHODS.has(method.toUpperCase())) return 'write';
  return declared ?? 'read';
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Declares in the OpenAPI document what ApiKeyGuard enforces on the routes that do not declare it
 * themselves, from the same accessOf rule: writes need a key, reads take one and need it only with
 * READS_REQUIRE_KEY=true (hence the empty requirement beside the schemes).
 */
export function declareAccess(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation || operation.security) continue;
      const read = accessOf(method, undefined) === 'read';
      operation.security = [{ [API_KEY_SCHEME]: [] }, { [BEARER_SCHEME]: [] }, ...(read ? [{}] : [])];
      operation.responses['401'] ??= {
        description: read ? `READS_REQUIRE_KEY=true and no valid API key: ${SEND_KEY}` : `No valid API key: ${SEND_KEY}`,
      };
    }
  }
  return document;
}
