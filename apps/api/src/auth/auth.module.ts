import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { accessOf } from '@tft/api-keys';
import { apiKeyGuard } from '@tft/api-keys/nest';
import type { ApiConfig } from '../config/api-config';

/** The 429's message: the limit and the setting that sets it. */
export const tooManyWritesMessage = (limit: number): string =>
  `too many writes: at most ${limit} per minute per client (WRITE_RATE_LIMIT); retry after Retry-After seconds`;

/**
 * Access control for every route: the write rate limit first (so key guessing is throttled too), then
 * the API key check. Reads are never rate limited: they are served from a cache.
 */
@Module({})
export class AuthModule {
  static forRoot(config: ApiConfig): DynamicModule {
    const limit = config.writeRateLimit;
    return {
      module: AuthModule,
      imports: [
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', ttl: 60_000, limit: Math.max(1, limit) }],
          skipIf: (context) =>
            limit === 0 || accessOf(context.switchToHttp().getRequest<{ method: string }>().method, undefined) !== 'write',
          errorMessage: tooManyWritesMessage(limit),
        }),
      ],
      providers: [
        { provide: APP_GUARD, useClass: ThrottlerGuard },
        apiKeyGuard({
          keys: config.apiKeys,
          readsRequireKey: config.readsRequireKey,
          realm: 'tft-inference',
        }),
      ],
    };
  }
}
