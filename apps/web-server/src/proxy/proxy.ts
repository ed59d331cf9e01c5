import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import { sendJson } from '../http/send-json';
import { proxyRefusal, type Service } from './proxy-policy';

/** A daemon the console server passes `/<prefix>/*` to. */
export interface Upstream {
  /** `/api` or `/generator`: what the browser puts before the daemon's own path. */
  prefix: string;
  service: Service;
  target: URL;
  /** Added to every request passed to it (the key). */
  headers: Record<string, string>;
}

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

function endToEnd(headers: http.IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * Passes the request to `upstream` if proxyRefusal lets it, and its answer back. Event streams
 * (text/event-stream) pass unbuffered and without the idle timeout; a daemon that cannot be reached
 * gets a 502 (504 past `timeoutMs` of silence) with a JSON body naming it; an upstream request ends
 * when its browser goes.
 */
export function proxyRequest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  upstream: Upstream,
  timeoutMs: number,
  log: (line: string) => void,
): void {
  const { target, service } = upstream;
  const rest = url.pathname.slice(upstream.prefix.length) || '/';
  const refusal = proxyRefusal(service, req.method ?? '', rest, url.pathname);
  if (refusal) {
    log(`refused ${req.method} ${url.pathname}: ${refusal.body.error}`);
    sendJson(res, refusal.status, refusal.body, refusal.headers);
    return;
  }
  const basePath = target.pathname.replace(/\/$/, '');
  const headers: OutgoingHttpHeaders = {
    ...endToEnd(req.headers),
    ...upstream.headers,
    host: target.host,
    'x-forwarded-host': req.headers.host ?? '',
    'x-forwarded-proto': 'http',
  };

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
      res.writeHead(upstreamRes.statusCode ?? 502, endToEnd(upstreamRes.headers));
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
  upstreamReq.on('error', (error: NodeJS.ErrnoException) => {
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
