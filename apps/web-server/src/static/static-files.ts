import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { sendJson } from '../http/send-json';

const CONTENT_TYPES: Record<string, string> = {
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

/**
 * A GET or HEAD of the built console under `root` (an absolute path). Unknown paths without a file
 * extension get index.html: they are client-side routes such as /servers/ppdb0001.
 */
export async function serveStatic(req: IncomingMessage, res: ServerResponse, url: URL, root: string): Promise<void> {
  let pathname: string;
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

async function statFile(file: string): Promise<Stats | null> {
  try {
    const s = await stat(file);
    return s.isFile() ? s : null;
  } catch {
    return null;
  }
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: string, size: number, immutable: boolean): void {
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
