import { createHash } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { presentedKey } from '@tft/api-keys';
import type { Request } from 'express';

/**
 * Who sent a write, for per-client limits: its API key (hashed, so no key sits in memory as text), else
 * its address. Behind a reverse proxy every keyless client is the proxy.
 */
export function writeClientOf(req: Pick<Request, 'headers' | 'ip' | 'socket'>): string {
  const key = presentedKey(req.headers);
  if (key) return `key:${createHash('sha256').update(key).digest('base64url').slice(0, 16)}`;
  return `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
}

/** The writing client (writeClientOf) as a handler parameter. */
export const WriteClient = createParamDecorator((_: unknown, ctx: ExecutionContext): string =>
  writeClientOf(ctx.switchToHttp().getRequest<Request>()),
);
