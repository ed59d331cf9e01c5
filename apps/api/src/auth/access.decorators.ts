import { applyDecorators } from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { WriteRoute as KeyedWriteRoute } from '@tft/api-keys/nest';

/** Needs a valid key whenever keys are configured, and counts against WRITE_RATE_LIMIT (AuthModule). */
export const WriteRoute = () =>
  applyDecorators(
    KeyedWriteRoute(),
    ApiTooManyRequestsResponse({
      description: 'More than WRITE_RATE_LIMIT writes per minute from this client; see `Retry-After`',
    }),
  );

/**
 * A read that needs a valid key whenever keys are configured, whatever READS_REQUIRE_KEY says: a bulk
 * copy of the stored data (GET /export) is worth more than a page of forecasts. The guard takes it as it
 * takes a write; it is not rate limited, since the limiter counts writes by their method.
 */
export const KeyedRead = () => KeyedWriteRoute();
