import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { ACCESS, accessOf, type Access } from './access.decorators';
import { ApiKeyVerifier, presentedKey } from '@tft/api-keys';

/** Writes need a key once keys are configured; reads only with READS_REQUIRE_KEY=true. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly verifier: ApiKeyVerifier;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly reflector: Reflector,
  ) {
    this.verifier = new ApiKeyVerifier(config.apiKeys);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.verifier.enabled) return true;
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const declared = this.reflector.getAllAndOverride<Access | undefined>(ACCESS, [context.getHandler(), context.getClass()]);
    const access = accessOf(req.method, declared);
    if (access === 'read' && !this.config.readsRequireKey) return true;
    const key = presentedKey(req.headers);
    if (this.verifier.verify(key)) return true;
    http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="tft-inference"');
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
