// `node --test tools/serve-web.test.mjs` (the `test` target of web-e2e): the console server's static
// serving, SPA fallback, proxying (which reads and writes pass, with the key, and which are refused),
// event streams, and its answers when a daemon is down or the browser goes, against a fake upstream;
// and its env schema, checked against .env.example.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
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
  const PROXY_TIMEOUT_MS = 300;
  let root;
  let upstream;
  let upstreamUrl;
  const webServers = [];
  let base;
  const seen = [];
  // 'request' (url) when the fake upstream has read a request, 'gone' (url) when its client closed
  // the connection before the answer was complete.
  const upstreamEvents = new EventEmitter();
  let secondEventSent = false;

  async function startWeb(options) {
    const web = createWebServer({ root, apiKey: 'k1', ...options });
    webServers.push(web);
    return `http://127.0.0.1:${await listen(web)}`;
  }

  function nextUpstream(event, url, withinMs = 2000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        upstreamEvents.off(event, onEvent);
        reject(new Error(`no upstream '${event}' for ${url} within ${withinMs} ms`));
      }, withinMs);
      function onEvent(u) {
        if (u !== url) return;
        clearTimeout(timer);
        upstreamEvents.off(event, onEvent);
        resolve();
      }
      upstreamEvents.on(event, onEvent);
    });
  }

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'serve-web-'));
    writeFileSync(join(root, 'index.html'), '<app-root></app-root>');
    writeFileSync(join(root, 'main-ABCD1234.js'), 'console.log(1)');
    mkdirSync(join(root, 'media'));
    writeFileSync(join(root, 'media', 'logo.svg'), '<svg/>');

    upstream = http.createServer((req, res) => {
      res.on('close', () => {
        if (!res.writableFinished) upstreamEvents.emit('gone', req.url);
      });
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({
          method: req.method,
          url: req.url,
          body,
          host: req.headers.host,
          key: req.headers['x-api-key'],
          client: req.headers['x-client'],
        });
        upstreamEvents.emit('request', req.url);
        if (req.url.startsWith('/slow')) return; // never answers
        if (req.url === '/events/two') {
          // Silent for longer than the proxy's idle timeout between the two events.
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          res.write('data: one\n\n');
          setTimeout(() => {
            secondEventSent = true;
            res.end('data: two\n\n');
          }, 3 * PROXY_TIMEOUT_MS);
          return;
        }
        if (req.url === '/dies') {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': 100 });
          res.write('{"half":');
          setTimeout(() => res.destroy(), 50);
          return;
        }
        if (req.url === '/events/forever') {
          res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
          res.write(': heartbeat\n\n');
          return;
        }
        res.writeHead(201, { 'content-type': 'application/json', 'x-up': '1' });
        res.end(JSON.stringify({ ok: true }));
      });
    });
    upstreamUrl = `http://127.0.0.1:${await listen(upstream)}`;
    base = await startWeb({
      apiUrl: upstreamUrl,
      generatorUrl: `${upstreamUrl}/gen`,
      proxyTimeoutMs: PROXY_TIMEOUT_MS,
    });
  });

  after(() => {
    for (const web of webServers) {
      web.closeAllConnections();
      web.close();
    }
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

  it('proxies reads with path, query, the browser headers and the api key in place of its own', async () => {
    const res = await fetch(`${base}/api/status?x=1`, {
      headers: { 'x-client': 'console', 'x-api-key': 'forged' },
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('x-up'), '1');
    assert.deepEqual(await res.json(), { ok: true });
    assert.deepEqual(seen.at(-1), {
      method: 'GET',
      url: '/status?x=1',
      body: '',
      host: new URL(upstreamUrl).host,
      key: 'k1',
      client: 'console',
    });

    const head = await fetch(`${base}/generator/fleet`, { method: 'HEAD' });
    assert.equal(head.status, 201);
    assert.deepEqual(
      { method: seen.at(-1).method, url: seen.at(-1).url, key: seen.at(-1).key },
      { method: 'HEAD', url: '/gen/fleet', key: 'k1' },
    );
  });

  it("proxies the console's own write, POST /generator/scenario/set, with body and the api key", async () => {
    const res = await fetch(`${base}/generator/scenario/set?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"scenario":"critical"}',
    });
    assert.equal(res.status, 201);
    assert.deepEqual(await res.json(), { ok: true });
    const last = seen.at(-1);
    assert.equal(last.method, 'POST');
    assert.equal(last.url, '/gen/scenario/set?x=1');
    assert.equal(last.body, '{"scenario":"critical"}');
    assert.equal(last.key, 'k1');
  });

  it('refuses every other write itself, whatever key the client sends, and the daemon never sees it', async () => {
    const refused = [
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
      answers.push({
        status: res.status,
        type: res.headers.get('content-type'),
        body: await res.json(),
      });
    }
    assert.deepEqual(seen.slice(seenBefore), []);
    assert.deepEqual(
      answers,
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
    assert.equal(
      answers[0].body.message,
      'The console proxies reads and its own scenario writes only; POST /api/feed/data must go to the api directly (with its key).',
    );
  });

  it('answers 405 naming what it proxies for methods that are neither reads nor writes', async () => {
    const seenBefore = seen.length;
    const status = await fetch(`${base}/api/status`, { method: 'OPTIONS', headers: { 'x-api-key': 'k1' } });
    assert.equal(status.status, 405);
    assert.equal(status.headers.get('allow'), 'GET, HEAD');
    assert.deepEqual(await status.json(), {
      error: 'method_not_allowed',
      message: 'The console proxies GET, HEAD on /api/status; OPTIONS is not proxied.',
    });
    const scenario = await fetch(`${base}/generator/scenario/set`, { method: 'OPTIONS' });
    assert.equal(scenario.status, 405);
    assert.equal(scenario.headers.get('allow'), 'GET, HEAD, POST');
    assert.deepEqual(seen.slice(seenBefore), []);
  });

  it('streams an event stream as it comes and keeps it past the idle timeout', async () => {
    const res = await fetch(`${base}/api/events/two`, { signal: AbortSignal.timeout(5000) });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    assert.equal(seen.at(-1).key, 'k1');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const first = await reader.read();
    assert.equal(first.value, 'data: one\n\n');
    assert.equal(secondEventSent, false, 'the first event waited for the second');
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += chunk.value;
    assert.equal(rest, 'data: two\n\n');
    assert.equal(secondEventSent, true);
  });

  it('closes the upstream event stream when the browser goes', async () => {
    const patient = await startWeb({ apiUrl: upstreamUrl, proxyTimeoutMs: 60_000 });
    const browser = new AbortController();
    const res = await fetch(`${patient}/api/events/forever`, { signal: browser.signal });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    assert.equal((await reader.read()).value, ': heartbeat\n\n');
    const gone = nextUpstream('gone', '/events/forever');
    browser.abort();
    await gone;
  });

  it('aborts the upstream request when the browser goes before the answer', async () => {
    const patient = await startWeb({ apiUrl: upstreamUrl, proxyTimeoutMs: 60_000 });
    const arrived = nextUpstream('request', '/slow?abort=1');
    const browser = new AbortController();
    const answer = fetch(`${patient}/api/slow?abort=1`, { signal: browser.signal }).catch((error) => error);
    await arrived;
    const gone = nextUpstream('gone', '/slow?abort=1');
    browser.abort();
    await gone;
    assert.equal((await answer).name, 'AbortError');
  });

  it('fails the browser response, not leaves it hanging, when the daemon dies mid-answer', async () => {
    const res = await fetch(`${base}/api/dies`, { signal: AbortSignal.timeout(5000) });
    assert.equal(res.status, 200);
    await assert.rejects(res.text(), { name: 'TypeError', message: 'terminated' });
  });

  it('answers 502 naming the service when a daemon is down', async () => {
    const down = await startWeb({ apiUrl: upstreamUrl, generatorUrl: 'http://127.0.0.1:9' }); // nothing listens on the discard port
    const res = await fetch(`${down}/generator/scenario/status`);
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
