// `node --test tools/serve-web.test.mjs` (the `test` target of web-e2e): the console server's static
// serving, SPA fallback, proxying and its answers when a daemon is down, against a fake upstream; and
// its env schema, checked against .env.example.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createWebServer, loadWebConfig, WEB_ENV } from './serve-web.mjs';

const here = dirname(fileURLToPath(import.meta.url));

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
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
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
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
    assert.match(body.message, /^The generator at http:\/\/127\.0\.0\.1:9 is unreachable \(ECONNREFUSED\)\.$/);
  });

  it('answers 504 when a daemon does not answer in time', async () => {
    const res = await fetch(`${base}/api/slow`);
    assert.equal(res.status, 504);
    assert.equal((await res.json()).service, 'api');
  });
});

describe('serve-web config', () => {
  it('has the documented defaults: loopback, the local daemons', () => {
    assert.deepEqual(loadWebConfig({}), {
      port: 8501,
      host: '127.0.0.1',
      options: {
        root: undefined,
        apiUrl: 'http://127.0.0.1:8000',
        generatorUrl: 'http://127.0.0.1:8001',
        apiKey: undefined,
        proxyTimeoutMs: 15000,
      },
    });
    assert.deepEqual(loadWebConfig({ WEB_PORT: '', WEB_HOST: ' ', API_URL: '' }), loadWebConfig({}));
  });

  it('reads every variable; API_KEY, else the first of API_KEYS, goes upstream', () => {
    const config = loadWebConfig({
      WEB_PORT: '0',
      WEB_HOST: ' 0.0.0.0 ',
      WEB_ROOT: '/srv/console',
      API_URL: 'http://api.internal:8000',
      GENERATOR_URL: 'https://gen.internal/base',
      API_KEYS: ' , key-two-222,key-three-333',
      PROXY_TIMEOUT_MS: '2500',
    });
    assert.deepEqual(config, {
      port: 0,
      host: '0.0.0.0',
      options: {
        root: '/srv/console',
        apiUrl: 'http://api.internal:8000',
        generatorUrl: 'https://gen.internal/base',
        apiKey: 'key-two-222',
        proxyTimeoutMs: 2500,
      },
    });
    assert.equal(loadWebConfig({ API_KEY: ' key-one-111 ', API_KEYS: 'key-two-222' }).options.apiKey, 'key-one-111');
  });

  it('names every bad variable in one error', () => {
    assert.throws(() => loadWebConfig({ WEB_PORT: '65536', GENERATOR_URL: 'localhost:8001', PROXY_TIMEOUT_MS: 'soon' }), {
      name: 'ConfigError',
      message:
        'WEB_PORT must be an integer in 0..65535 (got "65536"); ' +
        'GENERATOR_URL must be an http(s) URL such as http://127.0.0.1:8000 (got "localhost:8001"); ' +
        'PROXY_TIMEOUT_MS must be an integer in 1..3600000 (got "soon")',
    });
  });

  it('exits 2 with the message when started with a bad setting', () => {
    const run = spawnSync(process.execPath, [join(here, 'serve-web.mjs')], {
      env: { ...process.env, WEB_PORT: 'eighty' },
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.equal(run.status, 2);
    assert.equal(run.stderr, 'serve-web: WEB_PORT must be an integer in 0..65535 (got "eighty")\n');
  });

  it('matches .env.example: every variable documented with its default, none unknown', () => {
    const entries = [];
    let section = '';
    for (const line of readFileSync(join(here, '..', '.env.example'), 'utf8').split('\n')) {
      const header = /^#\s*---.*\((.+)\)\s*---\s*$/.exec(line);
      if (header) section = header[1];
      const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
      if (assignment) entries.push({ section, name: assignment[1], value: assignment[2] });
    }
    const documented = new Map(entries.map((e) => [e.name, e.value]));
    const names = Object.keys(WEB_ENV);
    assert.deepEqual(
      names.filter((name) => !documented.has(name)),
      [],
    );
    assert.deepEqual(
      entries.filter((e) => e.section === 'tools/serve-web.mjs' && !names.includes(e.name)).map((e) => e.name),
      [],
    );
    const defaults = loadWebConfig({});
    assert.deepEqual(
      names.filter((name) => {
        try {
          assert.deepEqual(loadWebConfig({ [name]: documented.get(name) }), defaults);
          return false;
        } catch {
          return true;
        }
      }),
      [],
    );
  });
});
