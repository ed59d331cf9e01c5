import type { Request } from 'express';

/** Whether the client takes a gzip body: its Accept-Encoding names gzip. */
export function acceptsGzip(req: Request): boolean {
  return /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
}
