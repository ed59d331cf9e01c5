import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiSecurity,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import {
  GENERATOR_CONFIG,
  type GeneratorConfig,
} from '../config/generator-config';
import {
  API_KEY_SCHEME,
  ApiKeyVerifier,
  BEARER_SCHEME,
  presentedKey,
} from '@tft/api-keys';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** OpenAPI side of a write route; the guard protects every non-GET route whether annotated or not. */
export const WriteRoute = () =>
  applyDecorators(
    ApiSecurity(API_KEY_SCHEME),
    ApiBearerAuth(BEARER_SCHEME),
    ApiUnauthorizedResponse({
      description:
        'No valid API key: send `X-API-Key: <key>` or `Authorization: Bearer <key>`',
    }),
  );

/** Once API_KEY/API_KEYS are set, every write (anything but GET/HEAD/OPTIONS) needs one of them. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly verifier: ApiKeyVerifier;

  constructor(@Inject(GENERATOR_CONFIG) config: GeneratorConfig) {
    this.verifier = new ApiKeyVerifier(config.apiKeys);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.verifier.enabled) return true;
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    if (SAFE_METHODS.has(req.method.toUpperCase())) return true;
    const key = presentedKey(req.headers);
    if (this.verifier.verify(key)) return true;
    http
      .getResponse<Response>()
      .setHeader('WWW-Authenticate', 'Bearer realm="tft-generator"');
    throw new UnauthorizedException({
      statusCode: 401,
      error: 'Unauthorized',
      message:
        key === undefined
          ? 'this endpoint needs an API key: send X-API-Key: <key> or Authorization: Bearer <key>'
          : 'invalid API key',
    });
  }
}
