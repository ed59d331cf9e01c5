import { type CanActivate, type ExecutionContext, type Provider, UnauthorizedException } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { type Access, accessOf } from '../lib/access';
import { ApiKeyVerifier, presentedKey } from '../lib/api-keys';
import { ACCESS } from './access.decorators';

export interface ApiKeyGuardOptions {
  /** The accepted keys (parseApiKeys); none switches the guard off. */
  keys: readonly string[];
  /** Whether reads (GET/HEAD/OPTIONS) need a key too; writes always do once keys are configured. */
  readsRequireKey: boolean;
  /** Realm of the `WWW-Authenticate: Bearer` challenge, naming the daemon. */
  realm: string;
}

/** Writes need a key once keys are configured; reads only with readsRequireKey. */
export class ApiKeyGuard implements CanActivate {
  private readonly verifier: ApiKeyVerifier;

  constructor(
    private readonly options: ApiKeyGuardOptions,
    private readonly reflector: Reflector,
  ) {
    this.verifier = new ApiKeyVerifier(options.keys);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.verifier.enabled) return true;
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const declared = this.reflector.getAllAndOverride<Access | undefined>(ACCESS, [context.getHandler(), context.getClass()]);
    if (accessOf(req.method, declared) === 'read' && !this.options.readsRequireKey) return true;
    const key = presentedKey(req.headers);
    if (this.verifier.verify(key)) return true;
    http.getResponse<Response>().setHeader('WWW-Authenticate', `Bearer realm="${this.options.realm}"`);
    throw new UnauthorizedException({
      statusCode: 401,
      error: 'Unauthorized',
      message:
        key === undefined ? 'this endpoint needs an API key: send X-API-Key: <key> or Authorization: Bearer <key>' : 'invalid API key',
    });
  }
}

/** ApiKeyGuard in front of every route of the app whose module lists this provider. */
export function apiKeyGuard(options: ApiKeyGuardOptions): Provider {
  return {
    provide: APP_GUARD,
    inject: [Reflector],
    useFactory: (reflector: Reflector) => new ApiKeyGuard(options, reflector),
  };
}
