// `node --test tools/serve-web.test.mjs` (the `test` target of web-e2e): the console server's static
// serving, SPA fallback, proxying and its answers when a daemon is down, against a fake upstream.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createWebServer } from './serve-web.mjs';

function listen(server) {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(server.address().port)),
  );
}

describe('serve-web', () => {
  let root;
  let upstream;
  let web;
  let base;
  const seen = [];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'serve-web-'));
    writeFileSync(join(root, 'index.html'), '<app-root></app-root>');
    writeFileSync(join(root, 'main-ABCD1234.js'), 'console.log(1)');
    mkdirSync(join(root, 'media'));
    writeFileSync(join(root, 'media', 'logo.svg'), '<svg/>');

    upstream = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({
          method: req.method,
          url: req.url,
          body,
          host: req.headers.host,
          key: req.headers['x-api-key'],
        });
        if (req.url === '/slow') return; // never answers
        res.writeHead(201, { 'content-type': 'application/json', 'x-up': '1' });
        res.end(JSON.stringify({ ok: true }));
      });
    });
    const upPort = await listen(upstream);
    web = createWebServer({
      root,
      apiUrl: `http://127.0.0.1:${upPort}`,
      generatorUrl: 'http://127.0.0.1:9', // nothing listens on the discard port
      apiKey: 'k1',
      proxyTimeoutMs: 300,
    });
    base = `http://127.0.0.1:${await listen(web)}`;
  });

  after(() => {
    web.closeAllConnections();
    web.close();
    upstream.closeAllConnections();
    upstream.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves built files, hashed ones as immutable', async () => {
    const js = await fetch(`${base}/main-ABCD1234.js`);
    assert.equal(js.status, 200);
    assert.equal(
      js.headers.get('content-type'),
      'text/javascript; charset=utf-8',
    );
    assert.equal(
      js.headers.get('cache-control'),
      'public, max-age=31536000, immutable',
    );
    const svg = await fetch(`${base}/media/logo.svg`);
    assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
    assert.equal(await svg.text(), '<svg/>');
  });

  it('answers client-side routes with index.html, missing assets with 404', async () => {
    const page = await fetch(`${base}/servers/ppdb0001`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    assert.equal(await page.text(), '<app-root></app-root>');
    const missing = await fetch(`${base}/chunk-MISSING.js`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error, 'not_found');
  });

  it('refuses paths outside the build folder and writes to static files', async () => {
    const escape = await fetch(`${base}/..%2f..%2fetc%2fpasswd`);
    assert.equal(escape.status, 403);
    const post = await fetch(`${base}/index.html`, { method: 'POST' });
    assert.equal(post.status, 405);
  });

  it('proxies /api/* with path, query, method, body and the api key', async () => {
    const res = await fetch(`${base}/api/scenario/set?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"scenario":"critical"}',
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('x-up'), '1');
    assert.deepEqual(await res.json(), { ok: true });
    const last = seen[seen.length - 1];
    assert.equal(last.method, 'POST');
    assert.equal(last.url, '/scenario/set?x=1');
    assert.equal(last.body, '{"scenario":"critical"}');
    assert.equal(last.key, 'k1');
    assert.match(last.host, /^127\.0\.0\.1:\d+$/);
  });

  it('answers 502 naming the service when a daemon is down', async () => {
    const res = await fetch(`${base}/generator/scenario/status`);
    assert.equal(res.status, 502);
    const body = await res.json();
    assert.equal(body.error, 'upstream_unreachable');
    assert.equal(body.service, 'generator');
    assert.equal(body.target, 'http://127.0.0.1:9');
    assert.match(
      body.message,
      /^The generator at http:\/\/127\.0\.0\.1:9 is unreachable \(ECONNREFUSED\)\.$/,
    );
  });

  it('answers 504 when a daemon does not answer in time', async () => {
    const res = await fetch(`${base}/api/slow`);
    assert.equal(res.status, 504);
    assert.equal((await res.json()).service, 'api');
  });
});
