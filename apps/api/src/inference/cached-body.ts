import { gzip } from 'node:zlib';
import type { Request, Response } from 'express';

/**
 * A response body built once per forecast tick and sent as-is to every reader: no per-request
 * serialisation, no per-request ETag hashing (the version is the ETag), and a gzip copy made off the
 * event loop (zlib's thread pool) for clients that accept it. A reader whose ETag is current gets 304.
 */
export class CachedBody {
  private static versions = 0;
  readonly body: Buffer;
  readonly etag: string;
  private gzipped: Buffer | null = null;

  constructor(json: string | Buffer) {
    this.body = typeof json === 'string' ? Buffer.from(json, 'utf8') : json;
    this.etag = `"${(++CachedBody.versions).toString(36)}-${this.body.length.toString(36)}"`;
    // small bodies are not worth it; forecast JSON shrinks 2-3x at level 1
    if (this.body.length >= 16 * 1024) gzip(this.body, { level: 1 }, (err, out) => (this.gzipped = err ? null : out));
  }

  get gzipReady(): boolean {
    return this.gzipped !== null;
  }

  send(req: Request, res: Response): void {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('ETag', this.etag);
    res.setHeader('Vary', 'Accept-Encoding');
    if (req.headers['if-none-match'] === this.etag) {
      res.status(304).end();
      return;
    }
    const useGzip = this.gzipped !== null && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = useGzip ? (this.gzipped as Buffer) : this.body;
    if (useGzip) res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Length', body.length);
    res.status(200).end(body);
  }
}
