import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLoad } from './read-load';

const BODY = Buffer.alloc(256 * 1024, 'x');
let server: Server;
let base: string;
const seen: { encoding: string | undefined; path: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ encoding: req.headers['accept-encoding'], path: req.url });
    if (req.url === '/missing') {
      res.writeHead(404).end('no');
      return;
    }
    // a slow-ish server: every response takes at least 5 ms
    setTimeout(() => res.writeHead(200, { 'content-length': BODY.length }).end(BODY), 5);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('readLoad', () => {
  it('counts whole bodies and times each request to its last byte', async () => {
    seen.length = 0;
    const r = await readLoad({
      url: `${base}/body`,
      connections: 3,
      durationS: 0.5,
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(r.requests).toBeGreaterThan(10);
    expect(r.requests).toBe(seen.length);
    expect(seen.every((s) => s.encoding === 'gzip' && s.path === '/body')).toBe(true);
    expect(r.p50_ms).toBeGreaterThanOrEqual(5);
    expect(r.p50_ms).toBeLessThanOrEqual(r.p99_ms);
    expect(r.p99_ms).toBeLessThanOrEqual(r.max_ms);
    // every byte of every body arrived: bytes/s over requests/s is the body size
    expect((r.megabytes_per_second * 1024 ** 2) / r.requests_per_second).toBeCloseTo(BODY.length, -4);
    expect(r.non_2xx).toBe(0);
    expect(r.errors).toBe(0);
  });

  it('reports non-200 answers and refused connections instead of hiding them', async () => {
    const missing = await readLoad({
      url: `${base}/missing`,
      connections: 1,
      durationS: 0.2,
    });
    expect(missing.non_2xx).toBe(missing.requests);
    expect(missing.non_2xx).toBeGreaterThan(0);
    const refused = await readLoad({
      url: 'http://127.0.0.1:1/',
      connections: 1,
      durationS: 0.1,
    });
    expect(refused.errors).toBeGreaterThan(0);
  });
});
