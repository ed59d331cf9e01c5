import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Access } from '../lib/access';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../lib/api-keys';

/** Metadata key under which a route declares its Access; ApiKeyGuard reads it. */
export const ACCESS = 'tft:access';

/** How to send a key, as the OpenAPI documents word it. */
export const SEND_KEY = 'send `X-API-Key: <key>` or `Authorization: Bearer <key>`';

/**
 * Needs a valid key whenever keys are configured, and says so in the OpenAPI document. The guard
 * protects every non-GET route whether annotated or not; this makes the document tell the truth.
 */
export const WriteRoute = () =>
  applyDecorators(
    SetMetadata(ACCESS, 'write' satisfies Access),
    ApiSecurity(API_KEY_SCHEME),
    ApiBearerAuth(BEARER_SCHEME),
    ApiUnauthorizedResponse({ description: `No valid API key: ${SEND_KEY}` }),
  );
