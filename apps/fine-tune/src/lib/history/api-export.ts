import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { isoSeconds } from '@tft/forecasting';
import { headerOf } from '../contract-csv';
import { historyExtent } from '../split';
import { HistoryError, describeFetchError, redactUrl } from './errors';

export interface ApiHistoryOptions {
  /** The api's base URL (with its global prefix, if it has one). */
  url: string;
  /** Sent as X-API-Key when set. */
  key?: string;
  since?: number;
  until?: number;
  servers?: string[];
}

export interface ApiHistory {
  rows: number;
  servers: number;
  first: number;
  last: number;
  /** The export came gzip-compressed (Content-Encoding), and fetch inflated it. */
  gzip: boolean;
  request: string;
}

/** The key a command sends to the api: TFT_API_KEY, else API_KEY, else the first of API_KEYS (as the generator does). */
export function apiKeyFrom(env: NodeJS.ProcessEnv): string | undefined {
  return env['TFT_API_KEY']?.trim() || env['API_KEY']?.trim() || env['API_KEYS']?.split(',')[0]?.trim() || undefined;
}

/**
 * The api's archive (GET /export, the contract CSV) into `file`, gzip when the api offers it. Throws
 * HistoryError naming what failed: an unreachable URL, a refused key (401), an archive that is off
 * (404), a bad parameter (400), an export with no rows.
 */
export async function fetchApiHistory(o: ApiHistoryOptions, file: string): Promise<ApiHistory> {
  const params = new URLSearchParams();
  if (o.since !== undefined) params.set('since', isoSeconds(o.since));
  if (o.until !== undefined) params.set('until', isoSeconds(o.until));
  if (o.servers?.length) params.set('servers', o.servers.join(','));
  const query = params.toString();
  const request = `${redactUrl(o.url)}/export${query ? `?${query}` : ''}`;
  const where = `the api at ${redactUrl(o.url)}`;
  let res: Response;
  try {
    res = await fetch(`${o.url}/export${query ? `?${query}` : ''}`, {
      headers: { 'accept-encoding': 'gzip', accept: 'text/csv', ...(o.key ? { 'x-api-key': o.key } : {}) },
    });
  } catch (err) {
    throw new HistoryError(`cannot reach ${where}: ${describeFetchError(err)}`);
  }
  if (res.status !== 200) {
    const text = (await res.text()).slice(0, 300);
    let message = text;
    try {
      const body = JSON.parse(text) as { message?: unknown };
      if (body.message !== undefined) message = Array.isArray(body.message) ? body.message.join('; ') : String(body.message);
    } catch {
      /* not JSON: the text as it came */
    }
    const hint =
      res.status === 401 || res.status === 403
        ? o.key
          ? ': the key from TFT_API_KEY (or API_KEY) was refused'
          : ': the export needs a key; set TFT_API_KEY (sent as X-API-Key)'
        : res.status === 404
          ? ' (is the archive on? ARCHIVE_RETENTION=0 turns it off; is the URL the api, with its prefix?)'
          : '';
    throw new HistoryError(`${where} answered ${res.status} to GET ${request}${hint}${message ? `: ${message}` : ''}`);
  }
  if (!res.body) throw new HistoryError(`${where} answered GET ${request} with no body`);
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(file));
  const header = await headerOf(file);
  if (!header.split(',').includes('timestamp') || !header.split(',').includes('server_name')) {
    throw new HistoryError(
      `${where} answered GET ${request} with no contract CSV (first line "${header.slice(0, 120)}"): is the URL the api?`,
    );
  }
  const extent = await historyExtent(file);
  if (extent.rows === 0) {
    throw new HistoryError(
      `${where} exported no rows for GET ${request}: its archive holds no closed steps${query ? ' for these parameters' : ''} yet`,
    );
  }
  return {
    rows: extent.rows,
    servers: extent.servers,
    first: extent.first,
    last: extent.last,
    gzip: res.headers.get('content-encoding') === 'gzip',
    request,
  };
}
