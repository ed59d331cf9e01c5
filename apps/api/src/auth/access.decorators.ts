import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { API_KEY_SCHEME, BEARER_SCHEME } from '@tft/api-keys';

export const ACCESS = 'tft:access';
export type Access = 'read' | 'write';

/** Needs a valid key whenever keys are configured, and counts against WRITE_RATE_LIMIT. */
export const WriteRoute = () =>
  applyDecorators(
    SetMetadata(ACCESS, 'write' satisfies Access),
    ApiSecurity(API_KEY_SCHEME),
    ApiBearerAuth(BEARER_SCHEME),
    ApiUnauthorizedResponse({ description: 'No valid API key: send `X-API-Key: <key>` or `Authorization: Bearer <key>`' }),
    ApiTooManyRequestsResponse({ description: 'More than WRITE_RATE_LIMIT writes per minute from this client; see `Retry-After`' }),
  );

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What a request needs: anything but GET/HEAD/OPTIONS is a write, whatever it is annotated with (fail closed). */
export function accessOf(method: string, declared: Access | undefined): Access {
  if (!SAFE_METHODS.has(method.toUpperCase())) return 'write';
  return declared ?? 'read';
}
