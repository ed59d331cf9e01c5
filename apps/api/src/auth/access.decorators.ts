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
