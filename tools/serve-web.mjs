#!/usr/bin/env node
// `node tools/serve-web.mjs`: serves the built ops console (dist/apps/web/browser) and proxies
//   /api/*        -> API_URL        (default http://127.0.0.1:8000)
//   /generator/*  -> GENERATOR_URL  (default http://127.0.0.1:8001)
// so the browser talks to one origin and the daemons need no CORS. Unknown paths without a file
// extension get index.html (client-side routes such as /servers/ppdb0001). When a daemon is down the
// proxy answers 502 with a JSON body naming it, which the console shows as "api unreachable".
// Because it adds the key to what it passes, the proxy passes reads (GET, HEAD) and the console's own
// writes (CONSOLE_WRITES) only; any other write gets 403 (another method 405) from this server and
// never reaches a daemon. Event streams (text/event-stream) pass unbuffered and without the idle
// timeout, and an upstream request ends when its browser goes.
// No framework on purpose: it is the production server of the console, not a dev tool; its one
// dependency is envalid, for the env schema every daemon validates its settings with.
//
// Env (WEB_ENV below, validated at startup): WEB_PORT (8501), WEB_HOST (127.0.0.1), WEB_ROOT
// (dist/apps/web/browser), API_URL, GENERATOR_URL, API_KEY (else the first of API_KEYS; when set,
// sent upstream as X-API-Key on proxied reads, which the api may require with READS_REQUIRE_KEY, and
// on CONSOLE_WRITES, so the scenario buttons pass the generator's key check; on nothing else),
// PROXY_TIMEOUT_MS (15000: how long an upstream may stay silent, except on an event stream).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cleanEnv, makeValidator, str } from 'envalid';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

// Hop-by-hop headers are for one connection only (RFC 9110 7.6.1); never forward them.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

const READ_METHODS = new Set(['GET', 'HEAD']);
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// The writes the console itself makes (apps/web/src/app/data/scenario.service.ts: the scenario
// buttons); paths as the daemon sees them. Matched exactly: anything else is refused, not guessed at.
const CONSOLE_WRITES = [{ service: 'generator', method: 'POST', path: '/scenario/set' }];

/**
 * @param {{ root?: string, apiUrl?: string, generatorUrl?: string, apiKey?: string,
 *   proxyTimeoutMs?: number, log?: (line: string) => void }} [options]
 * @returns {http.Server}
 */
export function createWebServer(options = {}) {
  const root = resolve(options.root ?? join(repoRoot, 'dist', 'apps', 'web', 'browser'));
  const log = options.log ?? (() => undefined);
  const upstreams = [
    {
      prefix: '/api',
      service: 'api',
      target: new URL(options.apiUrl ?? 'http://127.0.0.1:8000'),
      headers: options.apiKey ? { 'x-api-key': options.apiKey } : {},
    },
    {
      prefix: '/generator',
      service: 'generator',
      target: new URL(options.generatorUrl ?? 'http://127.0.0.1:8001'),
      headers: options.apiKey ? { 'x-api-key': options.apiKey } : {},
    },
  ];
  const timeoutMs = options.proxyTimeoutMs ?? 15000;

  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://console.local');
    const upstream = upstreams.find((u) => url.pathname === u.prefix || url.pathname.startsWith(u.prefix + '/'));
    if (upstream) {
      proxy(req, res, url, upstream, timeoutMs, log);
    } else if (req.method === 'GET' || req.method === 'HEAD') {
      serveStatic(req, res, url, root).catch((error) => {
        log(`static ${url.pathname}: ${error.message}`);
        if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
        else res.destroy();
      });
    } else {
      sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'GET, HEAD' });
    }
  });
}

/**
 * Why the console server will not proxy `method` to `path` of `service`, as [status, body, headers],
 * or null when it will. The decision looks at method and path only, so headers a client adds (its
 * own X-API-Key, Authorization) change nothing.
 */
function proxyRefusal(service, method, path, shownPath) {
  if (READ_METHODS.has(method)) return null;
  if (CONSOLE_WRITES.some((w) => w.service === service && w.method === method && w.path === path)) return null;
  if (WRITE_METHODS.has(method)) {
    return [
      403,
      {
        error: 'write_not_proxied',
        message: `The console proxies reads and its own scenario writes only; ${method} ${shownPath} must go to the ${service} directly (with its key).`,
      },
      {},
    ];
  }
  const allow = ['GET', 'HEAD', ...CONSOLE_WRITES.filter((w) => w.service === service && w.path === path).map((w) => w.method)];
  return [
    405,
    {
      error: 'method_not_allowed',
      message: `The console proxies ${allow.join(', ')} on ${shownPath}; ${method} is not proxied.`,
    },
    { allow: allow.join(', ') },
  ];
}

function proxy(req, res, url, upstream, timeoutMs, log) {
  const { target, service } = upstream;
  const rest = url.pathname.slice(upstream.prefix.length) || '/';
  const refusal = proxyRefusal(service, req.method ?? '', rest, url.pathname);
  if (refusal) {
    log(`refused ${req.method} ${url.pathname}: ${refusal[1].error}`);
    sendJson(res, ...refusal);
    return;
  }
  const basePath = target.pathname.replace(/\/$/, '');
  const headers = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!HOP_BY_HOP.has(name)) headers[name] = value;
  }
  Object.assign(headers, upstream.headers, {
    host: target.host,
    'x-forwarded-host': req.headers.host ?? '',
    'x-forwarded-proto': 'http',
  });

  const transport = target.protocol === 'https:' ? https : http;
  const upstreamReq = transport.request(
    {
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: basePath + rest + url.search,
      headers,
      timeout: timeoutMs,
    },
    (upstreamRes) => {
      const out = {};
      for (const [name, value] of Object.entries(upstreamRes.headers)) {
        if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
      }
      res.writeHead(upstreamRes.statusCode ?? 502, out);
      if (/^text\/event-stream\b/i.test(upstreamRes.headers['content-type'] ?? '')) {
        // A stream is quiet between events by design; it ends when either side goes. The browser
        // gets the headers now, not with the first event.
        upstreamReq.setTimeout(0);
        res.flushHeaders();
      }
      // An upstream that dies mid-answer (or goes silent past the timeout) must not leave the
      // browser waiting on a response that looks unfinished but alive.
      upstreamRes.on('error', () => res.destroy());
      upstreamRes.pipe(res);
    },
  );
  let timedOut = false;
  let clientGone = false;
  upstreamReq.on('timeout', () => {
    timedOut = true;
    upstreamReq.destroy(new Error(`no answer within ${timeoutMs} ms`));
  });
  upstreamReq.on('error', (error) => {
    if (clientGone) return;
    const reason = timedOut ? error.message : (error.code ?? error.message);
    log(`${service} unreachable at ${target.origin}: ${reason}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(res, timedOut ? 504 : 502, {
      error: 'upstream_unreachable',
      service,
      target: target.origin,
      message: `The ${service} at ${target.origin} is unreachable (${reason}).`,
    });
  });
  // The browser went away before the answer was complete: let the daemon see it go, rather than
  // keep computing (or streaming events) for nobody.
  res.on('close', () => {
    if (res.writableFinished) return;
    clientGone = true;
    upstreamReq.destroy();
  });
  req.pipe(upstreamReq);
}

async function serveStatic(req, res, url, root) {
  let pathname;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    sendJson(res, 400, { error: 'bad_path' });
    return;
  }
  const file = normalize(join(root, pathname));
  if (file !== root && !file.startsWith(root + sep)) {
    sendJson(res, 403, { error: 'forbidden' });
    return;
  }
  const found = await statFile(file);
  if (found) {
    // Angular's production build hashes file names (main-ABCD1234.js, chunk-….js, styles-….css):
    // those may be cached forever; index.html and unhashed assets are revalidated.
    const hashed = /[-.][0-9A-Z]{8,}\.(?:js|mjs|css)$/i.test(file);
    sendFile(req, res, file, found.size, hashed);
    return;
  }
  // A missing asset is a 404; anything else is a client-side route of the single-page app.
  if (extname(pathname) !== '') {
    sendJson(res, 404, { error: 'not_found', path: url.pathname });
    return;
  }
  const index = join(root, 'index.html');
  const indexStat = await statFile(index);
  if (!indexStat) {
    sendJson(res, 503, {
      error: 'console_not_built',
      message: `No ${index}: run \`npx nx build web\` first.`,
    });
    return;
  }
  sendFile(req, res, index, indexStat.size, false);
}

async function statFile(file) {
  try {
    const s = await stat(file);
    return s.isFile() ? s : null;
  } catch {
    return null;
  }
}

function sendFile(req, res, file, size, immutable) {
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': size,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}

function sendJson(res, status, body, extraHeaders = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...extraHeaders,
  });
  res.end(text);
}

const integerIn = (min, max) =>
  makeValidator((raw) => {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(v) || v < min || v > max) {
      throw new Error(`must be an integer in ${min}..${max} (got "${raw}")`);
    }
    return v;
  });
const httpUrl = makeValidator((raw) => {
  let url = null;
  try {
    url = new URL(raw);
  } catch {
    /* reported below */
  }
  // `localhost:8001` parses too, as a URL of scheme "localhost:".
  if (!url || !/^https?:$/.test(url.protocol)) {
    throw new Error(`must be an http(s) URL such as http://127.0.0.1:8000 (got "${raw}")`);
  }
  return raw;
});
const trimmed = makeValidator((raw) => raw.trim());
const keyList = makeValidator((raw) =>
  raw
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== ''),
);

/**
 * Every variable the console server reads, its rule and its default (documented in .env.example;
 * serve-web.test.mjs checks that). An empty value means the default. Keys are not checked here: the
 * daemons that receive them do.
 */
export const WEB_ENV = {
  WEB_PORT: integerIn(0, 65535)({ default: 8501 }),
  // Loopback unless told otherwise, with or without a key: this server adds the key to the reads
  // and scenario writes it proxies, so whoever can reach it can read and switch scenarios.
  WEB_HOST: trimmed({ default: '127.0.0.1' }),
  WEB_ROOT: str({ default: undefined }),
  API_URL: httpUrl({ default: 'http://127.0.0.1:8000' }),
  GENERATOR_URL: httpUrl({ default: 'http://127.0.0.1:8001' }),
  API_KEY: trimmed({ default: undefined }),
  API_KEYS: keyList({ default: [] }),
  PROXY_TIMEOUT_MS: integerIn(1, 3_600_000)({ default: 15000 }),
};

/** envalid's own reporter prints and exits; this one throws one error naming every bad variable. */
function throwConfigErrors({ errors }) {
  const lines = Object.entries(errors).map(([name, err]) =>
    /^must\b/.test(err.message) ? `${name} ${err.message}` : `${name}: ${err.message}`,
  );
  if (lines.length) throw Object.assign(new Error(lines.join('; ')), { name: 'ConfigError' });
}

/**
 * The validated settings: `port` and `host` to listen on, and `options` for createWebServer.
 * @param {Record<string, string | undefined>} env
 */
export function loadWebConfig(env) {
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const e = cleanEnv(given, WEB_ENV, { reporter: throwConfigErrors });
  return {
    port: e.WEB_PORT,
    host: e.WEB_HOST,
    options: {
      root: e.WEB_ROOT,
      apiUrl: e.API_URL,
      generatorUrl: e.GENERATOR_URL,
      apiKey: e.API_KEY ?? e.API_KEYS[0],
      proxyTimeoutMs: e.PROXY_TIMEOUT_MS,
    },
  };
}

function main() {
  let config;
  try {
    config = loadWebConfig(process.env);
  } catch (error) {
    console.error(`serve-web: ${error.message}`);
    process.exit(2);
  }
  const { port, host } = config;
  const options = {
    ...config.options,
    log: (line) => console.error(`serve-web: ${line}`),
  };
  const server = createWebServer(options);
  server.listen(port, host, () => {
    const address = server.address();
    const actual = typeof address === 'object' && address ? address.port : port;
    console.log(`ops console on http://localhost:${actual} (api ${options.apiUrl}, generator ${options.generatorUrl})`);
    console.log(
      host === '127.0.0.1'
        ? 'serve-web: listening on 127.0.0.1 only (set WEB_HOST=0.0.0.0 to listen on every interface)'
        : `serve-web: listening on ${host}; anyone who can reach it can read and use the scenario buttons${options.apiKey ? ' with the configured key' : ''}`,
    );
  });
  const stop = () => {
    server.close(() => process.exit(0));
    // Keep-alive browser connections would hold close() open.
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
