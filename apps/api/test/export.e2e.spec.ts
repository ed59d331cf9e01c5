import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_EXPORT_SERVERS } from '../src/archive/dto/export-query.dto';
import { NO_ARCHIVE_MESSAGE } from '../src/archive/archive.service';
import { END, startTestApp, type RecordShape, type TestApp } from './test-app';

const KEY = 'export-key-0001';
const HEADER = 'timestamp,server_name,cpu_percent,memory_percent,disk_percent,load_average,profile';
const STEPS = 12;
const START = END - STEPS * 300;
/** The api's wall clock, pinned after the data: samples are never ahead of it, whatever the day the test runs. */
const clock = { now: () => (END + 3600) * 1000 };

const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

/** One sample per step at the step's start, so each archived step holds exactly the values fed. */
function fed(): RecordShape[] {
  const records: RecordShape[] = [];
  for (let i = 0; i < STEPS; i++) {
    const timestamp = iso(START + i * 300);
    records.push(
      {
        timestamp,
        server_name: 'ppdb0001',
        cpu_percent: 20 + i * 1.25,
        memory_percent: 61.5,
        disk_percent: (4000 + i) / 100,
        load_average: 0.75,
      },
      {
        timestamp,
        server_name: 'ppml0001',
        cpu_percent: 90 - i,
        memory_percent: 70.125,
        disk_percent: 12,
        load_average: 7.5 + i,
        profile: 'ml_compute',
      },
      { timestamp, server_name: 'host-7', cpu_percent: 5.5, memory_percent: 33 + i, disk_percent: 80.25, load_average: i / 20 },
    );
  }
  return records;
}

/** A fed record as an export row: the profile declared, else the one the name implies, else empty. */
function row(r: RecordShape): string {
  const profile = r.profile ?? (r.server_name === 'ppdb0001' ? 'database' : '');
  return `${r.timestamp},${r.server_name},${r.cpu_percent},${r.memory_percent},${r.disk_percent},${r.load_average},${profile}`;
}

/** GET with raw bytes and headers (fetch would decompress and hide Content-Encoding). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('GET /export: the archive as contract CSV over HTTP', () => {
  let t: TestApp;
  const records = fed();
  // every step but each server's newest is closed, so archived
  const archived = records.filter((r) => r.timestamp !== iso(END - 300));
  const get = (query = '', headers: Record<string, string> = { 'x-api-key': KEY }) =>
    fetch(`${t.base}/export${query}`, { headers: { 'accept-encoding': 'identity', ...headers } });
  const lines = async (query = '') => {
    const res = await get(query);
    expect(res.status).toBe(200);
    return (await res.text()).split('\n').slice(0, -1);
  };

  beforeAll(async () => {
    t = await startTestApp({ API_KEYS: KEY }, { clock });
    // two requests: the archive grows as steps close
    for (const part of [records.slice(0, 15), records.slice(15)]) {
      const res = await fetch(`${t.base}/feed/data`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': KEY },
        body: JSON.stringify({ records: part }),
      });
      expect((await res.json()).records_added).toBe(part.length);
    }
  }, 60_000);
  afterAll(() => t.app.close());

  it('streams every closed step fed, with the values fed, oldest first', async () => {
    const res = await get();
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="tft-archive.csv"');
    const body = (await res.text()).split('\n');
    expect(body[0]).toBe(HEADER);
    expect(body.at(-1)).toBe(''); // ends with a newline
    const rows = body.slice(1, -1);
    expect(rows).toHaveLength((STEPS - 1) * 3);
    expect([...rows].sort()).toEqual(archived.map(row).sort());
    const times = rows.map((l) => l.split(',')[0]);
    expect(times).toEqual([...times].sort());
  });

  it('selects by since, until, servers and profile', async () => {
    const since = iso(START + 3 * 300);
    const until = iso(START + 5 * 300);
    const expected = (keep: (r: RecordShape) => boolean) => [HEADER, ...archived.filter(keep).map(row)].sort();
    expect((await lines(`?since=${since}&until=${until}`)).sort()).toEqual(expected((r) => r.timestamp >= since && r.timestamp < until));
    expect((await lines('?servers=host-7,ppdb0001&until=' + until)).sort()).toEqual(
      expected((r) => r.server_name !== 'ppml0001' && r.timestamp < until),
    );
    expect((await lines('?profile=ml_compute,web_api')).sort()).toEqual(expected((r) => r.server_name === 'ppml0001'));
    expect(await lines('?servers=ppweb9999')).toEqual([HEADER]);
    // a date alone is midnight UTC; the data lies after the first and before the second
    const day = iso(START).slice(0, 10);
    expect(await lines(`?until=${day}`)).toEqual([HEADER]);
    expect(await lines(`?since=${day}`)).toHaveLength(archived.length + 1);
  });

  it('answers HEAD with the headers alone', async () => {
    const head = await fetch(`${t.base}/export`, { method: 'HEAD', headers: { 'x-api-key': KEY } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await head.text()).toBe('');
  });

  it('sends gzip to a client that accepts it', async () => {
    const plain = await rawGet(`${t.base}/export`, { 'x-api-key': KEY });
    const gz = await rawGet(`${t.base}/export`, { 'x-api-key': KEY, 'accept-encoding': 'gzip, deflate' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gz.status).toBe(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['vary']).toBe('Accept-Encoding');
    expect(gz.body.length).toBeLessThan(plain.body.length);
    expect(gunzipSync(gz.body).toString()).toBe(plain.body.toString());
  });

  it('refuses bad parameters with a 400 that names the parameter', async () => {
    const message = async (query: string) => {
      const res = await get(query);
      expect(res.status).toBe(400);
      return ((await res.json()) as { message: string }).message;
    };
    expect(await message('?since=yesterday')).toBe(
      'since: must be an ISO 8601 date-time with a zone, such as 2026-01-05T06:00:00Z, or a date (got "yesterday")',
    );
    expect(await message('?since=2026-11-27T10:00:00')).toMatch(/^since: must be an ISO 8601 date-time with a zone/);
    expect(await message('?since=2026-11-27T10:00:00Z&until=2026-11-27T09:00:00Z')).toBe('until: must be after since');
    expect(await message('?profile=banana')).toMatch(/^profile: unknown "banana"; use a comma list of ml_compute, database/);
    expect(await message('?servers=ok-1,bad%20name')).toBe('servers: "bad name" is not a server name (1-128 letters, digits and ._:-)');
    const many = Array.from({ length: MAX_EXPORT_SERVERS + 1 }, (_, i) => `h${i}`).join(',');
    expect(await message(`?servers=${many}`)).toMatch(/^servers: at most 1000 names per export \(MAX_EXPORT_SERVERS\)/);
    expect(await message('?format=json')).toBe('property format should not exist');
  });

  it('needs a key once keys are configured, though other reads stay open', async () => {
    expect((await fetch(`${t.base}/status`)).status).toBe(200);
    const missing = await get('', {});
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(((await missing.json()) as { message: string }).message).toBe(
      'this endpoint needs an API key: send X-API-Key: <key> or Authorization: Bearer <key>',
    );
    expect((await get('', { 'x-api-key': 'wrong-key-0001' })).status).toBe(401);
    const bearer = await get('', { authorization: `Bearer ${KEY}` });
    expect(bearer.status).toBe(200);
    expect((await bearer.text()).startsWith(HEADER)).toBe(true);
  });
});

describe('GET /export without an archive', () => {
  it('answers 404 naming ARCHIVE_RETENTION, and the api keeps no archive file', async () => {
    const t = await startTestApp({ ARCHIVE_RETENTION: '0' }, { clock });
    try {
      const res = await fetch(`${t.base}/export`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ statusCode: 404, error: 'Not Found', message: NO_ARCHIVE_MESSAGE });
      expect(readdirSync(t.config.dataDir).filter((f) => f.startsWith('archive'))).toEqual([]);
    } finally {
      await t.app.close();
    }
  });
});
