import { gunzipSync } from 'node:zlib';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { history, startTestApp, type TestApp } from './test-app';

/** GET with raw bytes and headers (fetch would decompress and hide Content-Encoding). */
function rawGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
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

/** Reads server-sent events from GET /events until `until` says stop; returns the frames. */
async function readEvents(url: string, headers: Record<string, string>, until: (frames: string[]) => boolean): Promise<string[]> {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
    const frames = text.split('\n\n').filter((f) => f.startsWith('id:'));
    if (until(frames)) {
      controller.abort();
      return frames;
    }
  }
  controller.abort();
  throw new Error(`no such events within 10 s; got ${text}`);
}

describe('the fleet read path over HTTP (real app)', () => {
  let t: TestApp;
  const names = Array.from({ length: 80 }, (_, i) => `ppweb${String(i).padStart(4, '0')}`);

  beforeAll(async () => {
    t = await startTestApp({ WRITE_RATE_LIMIT: '0', STALE_AFTER: '1d', RETIRE_AFTER: '2d' });
    const records = names.flatMap((n, i) => history(n, 6, () => 10 + i, 'web_api'));
    expect((await t.post('/feed/data', { records })).status).toBe(200);
    await t.inference.pass();
  }, 60_000);
  afterAll(() => t.app.close());

  it('GET /fleet/summary: every server, gzip when asked, 304 while unchanged, a new ETag after a change', async () => {
    const plain = await rawGet(`${t.base}/fleet/summary`);
    expect(plain.status).toBe(200);
    const summary = JSON.parse(plain.body.toString());
    expect(summary.fleet).toMatchObject({ total_servers: 80, servers_heuristic: 80, warming_up: 80 });
    expect(summary.environment.expected_critical_servers_8h).toEqual({
      expected: expect.any(Number),
      low: expect.any(Number),
      high: expect.any(Number),
    });
    expect(summary.servers).toHaveLength(80);
    // highest cpu first when sorted by it
    const byCpu = (await t.get<typeof summary>('/fleet/summary?sort=cpu_percent&limit=3')).servers.map((s: { name: string }) => s.name);
    expect(byCpu).toEqual(['ppweb0079', 'ppweb0078', 'ppweb0077']);
    // the first reader asking for gzip gets it: the copy is made off the event loop while it waits
    const gz = await rawGet(`${t.base}/fleet/summary`, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(gz.body).toString())).toEqual(summary);
    const etag = String(plain.headers['etag']);
    expect((await rawGet(`${t.base}/fleet/summary`, { 'if-none-match': etag })).status).toBe(304);
    await t.post('/feed/data', { records: history('ppweb9999', 2, () => 50, 'web_api') });
    await t.inference.pass();
    const changed = await rawGet(`${t.base}/fleet/summary`, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(JSON.parse(changed.body.toString()).fleet.total_servers).toBe(81);
  });

  it('names what is wrong with a query', async () => {
    const bad = async (path: string) => (await fetch(`${t.base}${path}`)).json() as Promise<{ statusCode: number; message: string }>;
    expect(await bad('/fleet/summary?sort=size')).toMatchObject({
      statusCode: 400,
      message: 'sort: unknown "size"; use a comma list of risk, alert, name, cpu_percent, memory_percent, disk_percent, load_average',
    });
    expect((await bad('/fleet/summary?limit=0')).message).toBe('limit: must be an integer in 1..10000 (got "0")');
    expect((await bad('/fleet/summary?profile=webapi')).message).toMatch(/^profile: unknown "webapi"; use a comma list of ml_compute/);
    expect((await bad('/fleet/summary?colour=red')).message).toBe('property colour should not exist');
    expect((await bad('/predictions/current?metrics=cpu_percent,gpu')).message).toBe(
      'metrics: unknown "gpu"; use a comma list of cpu_percent, memory_percent, disk_percent, load_average',
    );
    expect((await bad('/predictions/current?limit=5&cursor=xyz')).message).toBe(
      'cursor: not a cursor this api returned (pass next_cursor back unchanged)',
    );
  });

  it('pages GET /predictions/current in name order, every server once, the original shape on each page', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { predictions: Record<string, unknown>; next_cursor: string | null; alerts: unknown[]; metadata: unknown } = await t.get(
        `/predictions/current?limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page).toHaveProperty('metadata');
      seen.push(...Object.keys(page.predictions));
      cursor = page.next_cursor;
    } while (cursor);
    const whole = await t.get<{ predictions: Record<string, unknown> }>('/predictions/current');
    expect(seen).toEqual(Object.keys(whole.predictions).sort());
    expect(seen.length).toBeGreaterThanOrEqual(names.length);
    expect(whole).not.toHaveProperty('next_cursor');
  });

  it('GET /events announces a pass with the servers that changed, and replays it after Last-Event-ID', async () => {
    const listening = readEvents(`${t.base}/events`, {}, (frames) => frames.some((f) => f.includes('ppweb0003')));
    await new Promise((r) => setTimeout(r, 100));
    await t.post('/feed/data', { records: history('ppweb0003', 7, () => 90, 'web_api') });
    await t.inference.pass();
    const frames = await listening;
    const pass = frames.find((f) => f.includes('event: pass') && f.includes('ppweb0003')) as string;
    expect(JSON.parse(/data: (.*)/.exec(pass)?.[1] ?? '').changed).toEqual(['ppweb0003']);
    const id = /id: (\S+)/.exec(pass)?.[1] as string;
    const [boot, seq] = id.split('.');
    const replayed = await readEvents(`${t.base}/events`, { 'last-event-id': `${boot}.${Number(seq) - 1}` }, (f) => f.length >= 1);
    expect(replayed[0]).toContain(`id: ${id}`);
  });

  it('GET /servers/{name}/forecast is the server entry of the fleet body, with its own ETag', async () => {
    const res = await fetch(`${t.base}/servers/ppweb0005/forecast`);
    const whole = await t.get<{ predictions: Record<string, unknown> }>('/predictions/current');
    expect(await res.json()).toEqual(whole.predictions['ppweb0005']);
    const again = await fetch(`${t.base}/servers/ppweb0005/forecast`, { headers: { 'if-none-match': String(res.headers.get('etag')) } });
    expect(again.status).toBe(304);
    const detail = await t.get<{ forecast: unknown; server_name: string }>('/servers/ppweb0005');
    expect(detail.forecast).toEqual(whole.predictions['ppweb0005']);
  });
});
