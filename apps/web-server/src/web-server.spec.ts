// The console server over HTTP against a fake upstream: static serving and the SPA fallback, which
// reads and writes it proxies (with the key) and which it refuses, event streams, and its answers when
// a daemon is down, silent or dies, or the browser goes.
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http, { type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebServer, type WebServerOptions } from './web-server';

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    }),
  );
}

interface Seen {
  method: string | undefined;
  url: string | undefined;
  body: string;
  host: string | undefined;
  key: string | string[] | undefined;
  client: string | string[] | undefined;
}

const PROXY_TIMEOUT_MS = 300;

describe('createWebServer', () => {
  let root: string;
  let upstream: Server;
  let upstreamUrl: string;
  const webServers: Server[] = [];
  let base: string;
  const seen: Seen[] = [];
  const seenHeaders: http.IncomingHttpHeaders[] = [];
  // 'request' (url) when the fake upstream has read a request, 'gone' (url) when its client closed
  // the connection before the answer was complete.
  const upstreamEvents = new EventEmitter();
  let secondEventSent = false;
  let quietEventSent = false;

  async function startWeb(options: Partial<WebServerOptions>): Promise<string> {
    const web = createWebServer({
      root,
      apiUrl: upstreamUrl,
      generatorUrl: `${upstreamUrl}/gen`,
      apiKey: 'k1',
      proxyTimeoutMs: 60_000,
      ...options,
    });
    webServers.push(web);
    return `http://127.0.0.1:${await listen(web)}`;
  }

  function nextUpstream(event: 'request' | 'gone', url: string, withinMs = 2000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        upstreamEvents.off(event, onEvent);
        reject(new Error(`no upstream '${event}' for ${url} within ${withinMs} ms`));
      }, withinMs);
      function onEvent(u: string) {
        if (u !== url) return;
        clearTimeout(timer);
        upstreamEvents.off(event, onEvent);
        resolve();
      }
      upstreamEvents.on(event, onEvent);
    });
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'web-server-'));
    writeFileSync(join(root, 'index.html'), '<app-root></app-root>');
    writeFileSync(join(root, 'main-ABCD1234.js'), 'console.log(1)');
    mkdirSync(join(root, 'media'));
    writeFileSync(join(root, 'media', 'logo.svg'), '<svg/>');

    upstream = http.createServer((req, res) => {
      const url = req.url ?? '';
      res.on('close', () => {
        if (!res.writableFinished) upstreamEvents.emit('gone', url);
      });
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        seen.push({
          method: req.method,
          url,
          body,
          host: req.headers.host,
          key: req.headers['x-api-key'],
          client: req.headers['x-client'],
        });
        seenHeaders.push(req.headers);
        upstreamEvents.emit('request', url);
        if (url.startsWith('/slow')) return; // never answers
        if (url === '/events/two') {
          // Silent for longer than the proxy's idle timeout between the two events.
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          res.write('data: one\n\n');
          setTimeout(() => {
            secondEventSent = true;
            res.end('data: two\n\n');
          }, 3 * PROXY_TIMEOUT_MS);
          return;
        }
        if (url === '/dies') {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': 100 });
          res.write('{"half":');
          setTimeout(() => res.destroy(), 50);
          return;
        }
        if (url === '/events/quiet') {
          // Headers at once, the first event only after the proxy's idle timeout.
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.flushHeaders();
          setTimeout(() => {
            quietEventSent = true;
            res.end('data: late\n\n');
          }, 3 * PROXY_TIMEOUT_MS);
          return;
        }
        if (url === '/events/forever') {
          res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
          res.write(': heartbeat\n\n');
          return;
        }
        res.writeHead(201, { 'content-type': 'application/json', 'x-up': '1', 'proxy-authenticate': 'Basic' });
        res.end(JSON.stringify({ ok: true }));
      });
    });
    upstreamUrl = `http://127.0.0.1:${await listen(upstream)}`;
    base = await startWeb({ proxyTimeoutMs: PROXY_TIMEOUT_MS });
  });

  afterAll(() => {
    for (const web of webServers) {
      web.closeAllConnections();
      web.close();
    }
    upstream.closeAllConnections();
    upstream.close();
    rmSync(root, { recursive: true, force: true });
  });

  describe('static files', () => {
    it('serves built files, hashed ones as immutable', async () => {
      const js = await fetch(`${base}/main-ABCD1234.js`);
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(js.headers.get('x-content-type-options')).toBe('nosniff');
      const svg = await fetch(`${base}/media/logo.svg`);
      expect(svg.headers.get('content-type')).toBe('image/svg+xml');
      expect(svg.headers.get('cache-control')).toBe('no-cache');
      expect(await svg.text()).toBe('<svg/>');
    });

    it('answers client-side routes with index.html, missing assets with 404', async () => {
      const page = await fetch(`${base}/servers/ppdb0001`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(await page.text()).toBe('<app-root></app-root>');
      const missing = await fetch(`${base}/chunk-MISSING.js`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: 'not_found', path: '/chunk-MISSING.js' });
    });

    it('answers HEAD with the headers and no body', async () => {
      const head = await fetch(`${base}/main-ABCD1234.js`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String('console.log(1)'.length));
      expect(await head.text()).toBe('');
    });

    it('refuses paths outside the build folder and writes to static files', async () => {
      const escape = await fetch(`${base}/..%2f..%2fetc%2fpasswd`);
      expect(escape.status).toBe(403);
      expect(await escape.json()).toEqual({ error: 'forbidden' });
      const post = await fetch(`${base}/index.html`, { method: 'POST' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
    });

    it('says the console is not built when index.html is missing', async () => {
      const empty = mkdtempSync(join(tmpdir(), 'web-server-empty-'));
      try {
        const unbuilt = await startWeb({ root: empty });
        const res = await fetch(`${unbuilt}/`);
        expect(res.status).toBe(503);
        expect(await res.json()).toEqual({
          error: 'console_not_built',
          message: `No ${join(empty, 'index.html')}: run \`npx nx build web\` first.`,
        });
      } finally {
        rmSync(empty, { recursive: true, force: true });
      }
    });
  });

  describe('proxy', () => {
    it('proxies reads with path, query, the browser headers and the api key in place of its own', async () => {
      const res = await fetch(`${base}/api/status?x=1`, {
        headers: { 'x-client': 'console', 'x-api-key': 'forged' },
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('x-up')).toBe('1');
      expect(await res.json()).toEqual({ ok: true });
      expect(seen.at(-1)).toEqual({
        method: 'GET',
        url: '/status?x=1',
        body: '',
        host: new URL(upstreamUrl).host,
        key: 'k1',
        client: 'console',
      });

      const head = await fetch(`${base}/generator/fleet`, { method: 'HEAD' });
      expect(head.status).toBe(201);
      expect(seen.at(-1)).toMatchObject({ method: 'HEAD', url: '/gen/fleet', key: 'k1' });
    });

    it('passes no hop-by-hop header either way', async () => {
      const res = await fetch(`${base}/api/hop`, {
        headers: { 'proxy-authorization': 'Basic eDp5', te: 'trailers', 'x-client': 'console' },
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('x-up')).toBe('1');
      expect(res.headers.get('proxy-authenticate')).toBeNull();
      const headers = seenHeaders.at(-1)!;
      expect(headers['proxy-authorization']).toBeUndefined();
      expect(headers['te']).toBeUndefined();
      expect(headers['x-client']).toBe('console');
      expect(headers['x-forwarded-proto']).toBe('http');
      expect(headers['x-forwarded-host']).toBe(new URL(base).host);
    });

    it('sends no key when it has none', async () => {
      const keyless = await startWeb({ apiKey: undefined });
      await fetch(`${keyless}/api/status`, { headers: { 'x-api-key': 'from-the-browser' } });
      // the browser's own header passes as it came: the policy, not the key, decides what passes
      expect(seen.at(-1)).toMatchObject({ url: '/status', key: 'from-the-browser' });
    });

    it("proxies the console's own write, POST /generator/scenario/set, with body and the api key", async () => {
      const res = await fetch(`${base}/generator/scenario/set?x=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"scenario":"critical"}',
      });
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ ok: true });
      expect(seen.at(-1)).toMatchObject({
        method: 'POST',
        url: '/gen/scenario/set?x=1',
        body: '{"scenario":"critical"}',
        key: 'k1',
      });
    });

    it('refuses every other write itself, whatever key the client sends, and the daemon never sees it', async () => {
      const refused: [string, string][] = [
        ['POST', '/api/feed/data'],
        ['POST', '/api/api/v1/write'],
        ['POST', '/api/servers/ppdb0001/retire'],
        ['PUT', '/api/servers/ppdb0001'],
        ['DELETE', '/api/servers/ppdb0001'],
        ['PATCH', '/api/alerts/thresholds'],
        ['POST', '/api/scenario/set'], // the console's write path, on the other daemon
        ['POST', '/generator/scenario/reset'],
        ['POST', '/generator/scenario/set/'],
        ['PUT', '/generator/scenario/set'],
        ['DELETE', '/generator'],
      ];
      const seenBefore = seen.length;
      const answers = [];
      for (const [method, path] of refused) {
        const res = await fetch(`${base}${path}`, {
          method,
          headers: { 'content-type': 'application/json', 'x-api-key': 'k1', authorization: 'Bearer k1' },
          body: '{"scenario":"critical"}',
        });
        answers.push({ status: res.status, type: res.headers.get('content-type'), body: await res.json() });
      }
      expect(seen.slice(seenBefore)).toEqual([]);
      expect(answers).toEqual(
        refused.map(([method, path]) => ({
          status: 403,
          type: 'application/json; charset=utf-8',
          body: {
            error: 'write_not_proxied',
            message:
              `The console proxies reads and its own scenario writes only; ${method} ${path} must go to the ` +
              `${path.startsWith('/api') ? 'api' : 'generator'} directly (with its key).`,
          },
        })),
      );
      expect(answers[0].body.message).toBe(
        'The console proxies reads and its own scenario writes only; POST /api/feed/data must go to the api directly (with its key).',
      );
    });

    it('answers 405 naming what it proxies for methods that are neither reads nor writes', async () => {
      const seenBefore = seen.length;
      const status = await fetch(`${base}/api/status`, { method: 'OPTIONS', headers: { 'x-api-key': 'k1' } });
      expect(status.status).toBe(405);
      expect(status.headers.get('allow')).toBe('GET, HEAD');
      expect(await status.json()).toEqual({
        error: 'method_not_allowed',
        message: 'The console proxies GET, HEAD on /api/status; OPTIONS is not proxied.',
      });
      const scenario = await fetch(`${base}/generator/scenario/set`, { method: 'OPTIONS' });
      expect(scenario.status).toBe(405);
      expect(scenario.headers.get('allow')).toBe('GET, HEAD, POST');
      expect(seen.slice(seenBefore)).toEqual([]);
    });
  });

  describe('event streams', () => {
    it('streams an event stream as it comes and keeps it past the idle timeout', async () => {
      const res = await fetch(`${base}/api/events/two`, { signal: AbortSignal.timeout(5000) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      expect(seen.at(-1)?.key).toBe('k1');
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      const first = await reader.read();
      expect(first.value).toBe('data: one\n\n');
      expect(secondEventSent, 'the first event waited for the second').toBe(false);
      let rest = '';
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += chunk.value;
      expect(rest).toBe('data: two\n\n');
      expect(secondEventSent).toBe(true);
    });

    it('passes the headers of a quiet stream before its first event', async () => {
      const res = await fetch(`${base}/api/events/quiet`, { signal: AbortSignal.timeout(5000) });
      expect(quietEventSent, 'the headers waited for the first event').toBe(false);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      expect(await res.text()).toBe('data: late\n\n');
    });

    it('closes the upstream event stream when the browser goes', async () => {
      const patient = await startWeb({});
      const browser = new AbortController();
      const res = await fetch(`${patient}/api/events/forever`, { signal: browser.signal });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      expect((await reader.read()).value).toBe(': heartbeat\n\n');
      const gone = nextUpstream('gone', '/events/forever');
      browser.abort();
      await gone;
    });
  });

  describe('when a daemon fails', () => {
    it('aborts the upstream request when the browser goes before the answer', async () => {
      const lines: string[] = [];
      const patient = await startWeb({ log: (line) => lines.push(line) });
      const arrived = nextUpstream('request', '/slow?abort=1');
      const browser = new AbortController();
      const answer = fetch(`${patient}/api/slow?abort=1`, { signal: browser.signal }).catch((error: Error) => error);
      await arrived;
      const gone = nextUpstream('gone', '/slow?abort=1');
      browser.abort();
      await gone;
      expect(((await answer) as Error).name).toBe('AbortError');
      // the daemon did nothing wrong: nothing to report
      expect(lines).toEqual([]);
    });

    it('fails the browser response, not leaves it hanging, when the daemon dies mid-answer', async () => {
      const res = await fetch(`${base}/api/dies`, { signal: AbortSignal.timeout(5000) });
      expect(res.status).toBe(200);
      await expect(res.text()).rejects.toMatchObject({ name: 'TypeError', message: 'terminated' });
    });

    it('answers 502 naming the service when a daemon is down', async () => {
      const lines: string[] = [];
      // nothing listens on the discard port
      const down = await startWeb({ generatorUrl: 'http://127.0.0.1:9', log: (line) => lines.push(line) });
      const res = await fetch(`${down}/generator/scenario/status`);
      expect(res.status).toBe(502);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await res.json()).toEqual({
        error: 'upstream_unreachable',
        service: 'generator',
        target: 'http://127.0.0.1:9',
        message: 'The generator at http://127.0.0.1:9 is unreachable (ECONNREFUSED).',
      });
      expect(lines).toEqual(['generator unreachable at http://127.0.0.1:9: ECONNREFUSED']);
    });

    it('answers 504 when a daemon does not answer in time', async () => {
      const res = await fetch(`${base}/api/slow`);
      expect(res.status).toBe(504);
      expect(await res.json()).toMatchObject({
        error: 'upstream_unreachable',
        service: 'api',
        message: `The api at ${upstreamUrl} is unreachable (no answer within ${PROXY_TIMEOUT_MS} ms).`,
      });
    });
  });
});
