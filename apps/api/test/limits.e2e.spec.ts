import { afterEach, describe, expect, it } from 'vitest';
import { encodeWriteRequest, type TimeSeries } from '@tft/remote-write';
import type { FeedDataResponseDto, StatusDto } from '@tft/api-client';
import { END, startTestApp, type TestApp } from './test-app';

/** One record per server at `t` (epoch s). */
const records = (names: readonly string[], t = END) =>
  names.map((server_name) => ({
    timestamp: new Date(t * 1000).toISOString(),
    server_name,
    cpu_percent: 30,
    memory_percent: 50,
    disk_percent: 40,
    load_average: 1,
  }));

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);

/** The api's wall clock, pinned just after END (samples may not be ahead of it) and moved by the test. */
function pinnedClock() {
  let now = (END + 60) * 1000;
  return { clock: { now: () => now }, advance: (ms: number) => (now += ms) };
}

async function refusedCount(t: TestApp, route: string, outcome: string): Promise<number> {
  const text = await (await fetch(`${t.base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`tft_ingest_samples_total{route="${route}",outcome="${outcome}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('cardinality limits', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  it('MAX_SERVERS: new servers beyond it are refused by name, the servers held keep being stored and forecast', async () => {
    const { clock } = pinnedClock();
    t = await startTestApp({ MAX_SERVERS: '5', MAX_NEW_SERVERS_PER_MINUTE: '0' }, { clock });
    const first = names('web', 8);
    const res = await t.post('/feed/data', { records: records(first) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as FeedDataResponseDto;
    expect(body).toMatchObject({ status: 'partial', records_added: 5 });
    expect(body.rejected).toEqual(
      [5, 6, 7].map((index) => ({
        index,
        field: 'server_name',
        reason:
          'a new server, and the api already holds MAX_SERVERS=5 servers with none stale to make room; ' +
          `samples of the servers it holds are still accepted (got "${first[index]}")`,
      })),
    );
    // a request of new servers only is refused whole (400), naming each; the held servers still get in
    const flood = await t.post('/feed/data', { records: records(names('pod', 3)) });
    expect(flood.status).toBe(400);
    expect((await flood.json()).rejected).toHaveLength(3);
    const again = (await (await t.post('/feed/data', { records: records(first.slice(0, 5), END + 300) })).json()) as FeedDataResponseDto;
    expect(again).toMatchObject({ status: 'success', records_added: 5, rejected: [] });
    await t.inference.pass();
    const status = await t.get<StatusDto>('/status');
    expect(status.limits).toEqual({ servers: 5, max_servers: 5, max_new_servers_per_minute: 0 });
    expect(status.fleet.total_servers).toBe(5);
    expect(await refusedCount(t, '/feed/data', 'max_servers')).toBe(6);
    expect((await fetch(`${t.base}/health`)).status).toBe(200);
  });

  it('MAX_SERVERS: stale servers free their place, the longest silent first', async () => {
    const { clock, advance } = pinnedClock();
    t = await startTestApp({ MAX_SERVERS: '3', MAX_NEW_SERVERS_PER_MINUTE: '0', STALE_AFTER: '15m' }, { clock });
    await t.post('/feed/data', { records: records(['old-a'], END - 1200) });
    await t.post('/feed/data', { records: records(['old-b'], END - 1100) });
    await t.post('/feed/data', { records: records(['live'], END) });
    advance(1000);
    // old-a and old-b are stale at data time END: two new servers take their places, a third does not fit
    const body = (await (await t.post('/feed/data', { records: records(['new-1', 'new-2', 'new-3']) })).json()) as FeedDataResponseDto;
    expect(body.records_added).toBe(2);
    expect(body.rejected.map((r) => r.index)).toEqual([2]);
    const held = (await t.get<StatusDto>('/status')).servers.map((s) => s.server_name).sort();
    expect(held).toEqual(['live', 'new-1', 'new-2']);
  });

  it('MAX_NEW_SERVERS_PER_MINUTE: per client (API key), refilled over the minute', async () => {
    const { clock, advance } = pinnedClock();
    t = await startTestApp({ MAX_NEW_SERVERS_PER_MINUTE: '3', API_KEYS: 'client-one-key,client-two-key' }, { clock });
    const post = (key: string, body: unknown) =>
      fetch(`${t!.base}/feed/data`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify(body),
      }).then(async (r) => (await r.json()) as FeedDataResponseDto);
    const one = await post('client-one-key', { records: records(names('a', 5)) });
    expect(one.records_added).toBe(3);
    expect(one.rejected.map((r) => [r.index, r.field])).toEqual([
      [3, 'server_name'],
      [4, 'server_name'],
    ]);
    expect(one.rejected[0].reason).toMatch(
      /^a new server, and this client already added MAX_NEW_SERVERS_PER_MINUTE=3 servers in the last minute/,
    );
    // another client has its own budget; a known server is never refused
    expect((await post('client-two-key', { records: records(names('b', 3)) })).records_added).toBe(3);
    expect((await post('client-one-key', { records: records(['a-000', 'a-003'], END + 1) })).records_added).toBe(1);
    advance(20_000); // a third of a minute: one more
    expect((await post('client-one-key', { records: records(names('a', 5), END + 2) })).records_added).toBe(3 + 1);
    expect(await refusedCount(t, '/feed/data', 'new_servers_rate')).toBe(2 + 1 + 1);
  });

  it('remote write: series of hosts beyond the limit are dropped and counted, the rest of the request is stored', async () => {
    const { clock } = pinnedClock();
    t = await startTestApp({ MAX_SERVERS: '2', MAX_NEW_SERVERS_PER_MINUTE: '0' }, { clock });
    const load = (instance: string): TimeSeries => ({
      labels: [
        { name: '__name__', value: 'node_load1' },
        { name: 'instance', value: instance },
      ],
      samples: [{ timestamp: END * 1000, value: 1.5 }],
    });
    const res = await fetch(`${t.base}/api/v1/write`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      body: Buffer.from(encodeWriteRequest({ timeseries: ['h1', 'h2', 'h3', 'h4'].map(load) })),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ status: 'partial', samples_added: 2 });
    expect(body.rejected).toEqual([
      {
        reason:
          '2 hosts (h3, ...): a new server, and the api already holds MAX_SERVERS=2 servers with none stale to make room; samples of the servers it holds are still accepted',
        series: 2,
      },
    ]);
    expect(await refusedCount(t, '/api/v1/write', 'max_servers')).toBe(2);
  });
});
