import { gzip } from 'node:zlib';
import type { Request, Response } from 'express';
import { acceptsGzip } from './http/accepts-gzip';

/** Bodies smaller than this are sent as they are: gzip would save less than its headers and time cost. */
const GZIP_FROM_BYTES = 16 * 1024;

/**
 * A response body built once and sent as-is to every reader: no per-request serialisation, no
 * per-request ETag hashing (the version is the ETag), and a gzip copy for clients that accept it. The
 * copy is made on zlib's thread pool when the first such client asks; it and the readers arriving
 * meanwhile wait for it, so the event loop never blocks on compression and a console that is always
 * the first to ask after a pass still gets the small body. A reader whose ETag is current gets 304.
 */
export class CachedBody {
  private static versions = 0;
  readonly body: Buffer;
  readonly etag: string;
  private gzipped: Promise<Buffer | null> | null = null;

  constructor(json: string | Buffer) {
    this.body = typeof json === 'string' ? Buffer.from(json, 'utf8') : json;
    this.etag = `"${(++CachedBody.versions).toString(36)}-${this.body.length.toString(36)}"`;
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
    if (!acceptsGzip(req) || this.body.length < GZIP_FROM_BYTES) {
      this.write(res, this.body, false);
      return;
    }
    void this.compressed().then((gz) => this.write(res, gz ?? this.body, gz !== null));
  }

  /** The gzip copy, made once (null if compression failed: readers then get the plain body). */
  private compressed(): Promise<Buffer | null> {
    // level 1 already gets most of what JSON gives
    this.gzipped ??= new Promise((resolve) => gzip(this.body, { level: 1 }, (err, out) => resolve(err ? null : out)));
    return this.gzipped;
  }

  private write(res: Response, body: Buffer, gzipped: boolean): void {
    if (res.destroyed) return;
    if (gzipped) res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Length', body.length);
    res.status(200).end(body);
  }
}
