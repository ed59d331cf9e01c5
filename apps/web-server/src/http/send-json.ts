import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Every answer this server makes itself is JSON that no cache keeps. */
export function sendJson(res: ServerResponse, status: number, body: unknown, extraHeaders: OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...extraHeaders,
  });
  res.end(text);
}
