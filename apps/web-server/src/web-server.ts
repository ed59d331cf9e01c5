import http, { type Server } from 'node:http';
import { resolve } from 'node:path';
import { sendJson } from './http/send-json';
import { proxyRequest, type Upstream } from './proxy/proxy';
import { serveStatic } from './static/static-files';

export interface WebServerOptions {
  /** The built console (dist/apps/web/browser). */
  root: string;
  /** The inference api, proxied under /api. */
  apiUrl: string;
  /** The metrics generator, proxied under /generator. */
  generatorUrl: string;
  /** Sent upstream as X-API-Key on what is proxied (reads and CONSOLE_WRITES); nothing when undefined. */
  apiKey: string | undefined;
  /** How long an upstream may stay silent, except on an event stream. */
  proxyTimeoutMs: number;
  log?: (line: string) => void;
}

/**
 * The console's production server: the built console with its client-side routes, and /api/* and
 * /generator/* passed to the daemons, so the browser talks to one origin and the daemons need no CORS.
 */
export function createWebServer(options: WebServerOptions): Server {
  const root = resolve(options.root);
  const log = options.log ?? (() => undefined);
  const headers: Record<string, string> = options.apiKey ? { 'x-api-key': options.apiKey } : {};
  const upstreams: Upstream[] = [
    { prefix: '/api', service: 'api', target: new URL(options.apiUrl), headers },
    { prefix: '/generator', service: 'generator', target: new URL(options.generatorUrl), headers },
  ];

  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://console.local');
    const upstream = upstreams.find((u) => url.pathname === u.prefix || url.pathname.startsWith(u.prefix + '/'));
    if (upstream) {
      proxyRequest(req, res, url, upstream, options.proxyTimeoutMs, log);
    } else if (req.method === 'GET' || req.method === 'HEAD') {
      serveStatic(req, res, url, root).catch((error: Error) => {
        log(`static ${url.pathname}: ${error.message}`);
        if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
        else res.destroy();
      });
    } else {
      sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'GET, HEAD' });
    }
  });
}
