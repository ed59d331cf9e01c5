import { gzip } from 'node:zlib';
import type { Request, Response } from 'express';

/**
 * A response body built once per forecast pass and sent as-is to every reader: no per-request
 * serialisation, no per-request ETag hashing (the version is the ETag), and a gzip copy for clients
 * that accept it. The copy is made on zlib's thread pool when the first such client asks (it gets
 * the plain body meanwhile), one body at a time: during a fill, passes replace a large fleet's body
 * faster than it compresses, and compressing each eagerly would queue bodies nobody reads. A reader
 * whose ETag is current gets 304.
 */
export class CachedBody {
  private static versions = 0;
  /** A gzip job is running (for this body or an older one). */
  private static compressing = false;
  readonly body: Buffer;
  readonly etag: string;
  private gzipped: Buffer | null = null;
  private gzipStarted = false;

  constructor(json: string | Buffer) {
    this.body = typeof json === 'string' ? Buffer.from(json, 'utf8') : json;
    this.etag = `"${(++CachedBody.versions).toString(36)}-${this.body.length.toString(36)}"`;
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
    const acceptsGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    if (acceptsGzip && !this.gzipped) this.compress();
    const useGzip = acceptsGzip && this.gzipped !== null;
    const body = useGzip ? (this.gzipped as Buffer) : this.body;
    if (useGzip) res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Length', body.length);
    res.status(200).end(body);
  }

  private compress(): void {
    // small bodies are not worth it; level 1 already gets most of what JSON gives
    if (this.gzipStarted || CachedBody.compressing || this.body.length < 16 * 1024) return;
    this.gzipStarted = true;
    CachedBody.compressing = true;
    gzip(this.body, { level: 1 }, (err, out) => {
      CachedBody.compressing = false;
      this.gzipped = err ? null : out;
    });
  }
}
