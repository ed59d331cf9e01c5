import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeWriteRequest, type TimeSeries } from '@tft/remote-write';
import { startTestApp, type TestApp } from './test-app';

/** Three scrapes 15 s apart, a little before the wall clock (the api refuses samples ahead of it). */
const T = Math.floor(Date.now() / 300_000) * 300_000 - 600_000;

function series(name: string, labels: Record<string, string>, samples: [number, number][]): TimeSeries {
  return {
    labels: Object.entries({ __name__: name, ...labels }).map(([n, value]) => ({ name: n, value })),
    samples: samples.map(([timestampMs, value]) => ({ timestamp: timestampMs, value })),
  };
}

/** node_exporter as Prometheus forwards it: two cores 75 % idle, 6 of 8 GB available, / 40 % used, load 1.5. */
function nodeExporterScrapes(instance: string, scrapes = 3): TimeSeries[] {
  const times = Array.from({ length: scrapes }, (_, i) => T + i * 15_000);
  const at = (f: (i: number) => number) => times.map((t, i) => [t, f(i)] as [number, number]);
  return [
    ...['0', '1'].map((cpu) =>
      series(
        'node_cpu_seconds_total',
        { instance, job: 'node', cpu, mode: 'idle' },
        at((i) => 1000 + i * 11.25),
      ),
    ),
    series(
      'node_cpu_seconds_total',
      { instance, job: 'node', cpu: '0', mode: 'system' },
      at((i) => 50 + i),
    ),
    series(
      'node_memory_MemAvailable_bytes',
      { instance, job: 'node' },
      at(() => 6e9),
    ),
    series(
      'node_memory_MemTotal_bytes',
      { instance, job: 'node' },
      at(() => 8e9),
    ),
    series(
      'node_filesystem_avail_bytes',
      { instance, job: 'node', mountpoint: '/', fstype: 'ext4' },
      at(() => 60e9),
    ),
    series(
      'node_filesystem_size_bytes',
      { instance, job: 'node', mountpoint: '/', fstype: 'ext4' },
      at(() => 100e9),
    ),
    series(
      'node_load1',
      { instance, job: 'node' },
      at(() => 1.5),
    ),
  ];
}

const remoteWrite = (t: TestApp, body: Uint8Array | string, headers: Record<string, string> = {}) =>
  fetch(`${t.base}/api/v1/write`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
      ...headers,
    },
    body: typeof body === 'string' ? body : Buffer.from(body),
  });

interface Detail {
  history: { cpu_percent: number | null; memory_percent: number | null; disk_percent: number | null; load_average: number | null }[];
  open_step: { cpu_percent: number | null; memory_percent: number | null; disk_percent: number | null; load_average: number | null } | null;
}

describe('POST /api/v1/write (Prometheus remote write)', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  it('stores node_exporter series as the four metrics, durably and once', async () => {
    t = await startTestApp();
    const body = encodeWriteRequest({ timeseries: nodeExporterScrapes('web-7:9100') });
    const first = await remoteWrite(t, body);
    expect(first.status).toBe(200);
    // cpu from the 2nd and 3rd scrape of both cores (the first is the counters' baseline); 3 x memory, disk, load
    expect(await first.json()).toEqual({
      status: 'success',
      samples_added: 4 + 9,
      duplicates: 0,
      ignored_series: 1,
      stale_markers: 0,
      skipped: 0,
      rejected: [],
    });
    const again = await (await remoteWrite(t, body)).json();
    expect(again).toMatchObject({ status: 'success', samples_added: 0, duplicates: 3 * 7 }); // every sample of the 7 used series

    const detail = await t.get<Detail>('/servers/web-7');
    const step = detail.open_step ?? detail.history[detail.history.length - 1];
    expect(step).toMatchObject({ cpu_percent: 25, memory_percent: 25, disk_percent: 40, load_average: 1.5 });
  });

  it('still knows what it stored after a restart: a re-sent request is all duplicates, counters continue', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tft-rw-restart-'));
    t = await startTestApp({ DATA_DIR: dataDir });
    const scrapes = nodeExporterScrapes('web-8:9100', 4);
    const firstThree = scrapes.map((s) => ({ ...s, samples: s.samples.slice(0, 3) }));
    const last = scrapes.map((s) => ({ ...s, samples: s.samples.slice(3) }));
    expect(await (await remoteWrite(t, encodeWriteRequest({ timeseries: firstThree }))).json()).toMatchObject({ samples_added: 13 });
    await t.app.close();

    t = await startTestApp({ DATA_DIR: dataDir });
    // Prometheus re-sends a request whose answer it never got: nothing changes
    expect(await (await remoteWrite(t, encodeWriteRequest({ timeseries: firstThree }))).json()).toMatchObject({
      samples_added: 0,
      duplicates: 3 * 7,
    });
    // the next scrape: both cores' rates come from the counters stored before the restart
    expect(await (await remoteWrite(t, encodeWriteRequest({ timeseries: last }))).json()).toMatchObject({ samples_added: 2 + 3 });
  });

  it('keeps a metric that never arrives missing', async () => {
    t = await startTestApp();
    const withoutDisk = nodeExporterScrapes('db-2').filter((s) => !s.labels.some((l) => l.value.startsWith('node_filesystem')));
    expect((await remoteWrite(t, encodeWriteRequest({ timeseries: withoutDisk }))).status).toBe(200);
    const detail = await t.get<Detail>('/servers/db-2');
    const step = detail.open_step ?? detail.history[detail.history.length - 1];
    expect(step).toMatchObject({ cpu_percent: 25, memory_percent: 25, disk_percent: null, load_average: 1.5 });
    await t.inference.pass();
    const predictions = await t.get<{ predictions: Record<string, Record<string, { current: number | null }>> }>('/predictions/current');
    expect(predictions.predictions['db-2']['disk_percent'].current).toBeNull();
    expect(predictions.predictions['db-2']['memory_percent'].current).toBe(25);
  });

  it('answers empty and metadata-only requests with 2xx and stores nothing', async () => {
    t = await startTestApp();
    expect((await remoteWrite(t, new Uint8Array())).status).toBe(200);
    expect((await remoteWrite(t, encodeWriteRequest({ timeseries: [] }))).status).toBe(200);
    expect(await t.get('/servers')).toEqual([]);
  });

  it('refuses what Prometheus must not retry with 4xx and a reason', async () => {
    t = await startTestApp({ MAX_RECORDS_PER_REQUEST: '10' });
    const notSnappy = await remoteWrite(t, 'plain text');
    expect(notSnappy.status).toBe(400);
    expect((await notSnappy.json()).message).toMatch(/not snappy block-compressed/);

    const noEncoding = await remoteWrite(t, encodeWriteRequest({ timeseries: [] }), { 'content-encoding': 'gzip' });
    expect(noEncoding.status).toBe(415);
    expect((await noEncoding.json()).message).toMatch(/send Content-Encoding: snappy \(got "gzip"\)/);

    const tooMany = await remoteWrite(t, encodeWriteRequest({ timeseries: nodeExporterScrapes('web-1', 2) }));
    expect(tooMany.status).toBe(413);
    expect((await tooMany.json()).message).toMatch(/at most 10 samples \(MAX_RECORDS_PER_REQUEST; got 16\)/);

    const badNames = await remoteWrite(
      t,
      encodeWriteRequest({ timeseries: [series('node_load1', { instance: 'no spaces allowed' }, [[T, 1]])] }),
    );
    expect(badNames.status).toBe(400);
    expect((await badNames.json()).message).toMatch(/nothing stored: instance="no spaces allowed" is not a valid server_name/);
  });

  it('refuses samples ahead of the clock per series and keeps the good ones next to them', async () => {
    t = await startTestApp();
    const future = Date.now() + 3_600_000;
    const r = await remoteWrite(
      t,
      encodeWriteRequest({
        timeseries: [
          series('node_load1', { instance: 'ok-1' }, [[T, 2]]),
          series('node_load1', { instance: 'ahead-1' }, [[future, 2]]),
          series('node_load1', { instance: 'ahead-2' }, [[future + 61_000, 2]]),
        ],
      }),
    );
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(body).toMatchObject({ status: 'partial', samples_added: 1 });
    // one entry for the kind of problem, however many instants it refused
    expect(body.rejected).toHaveLength(1);
    expect(body.rejected[0]).toMatchObject({ reason: expect.stringMatching(/s ahead of the api's clock/), series: 2 });
    expect((await t.get<{ server_name: string }[]>('/servers')).map((s) => s.server_name)).toEqual(['ok-1']);
  });

  it('asks for the same API key as POST /feed/data, as Authorization: Bearer', async () => {
    t = await startTestApp({ API_KEY: 'prometheus-key-1' });
    const body = encodeWriteRequest({ timeseries: [series('node_load1', { instance: 'web-1' }, [[T, 1]])] });
    expect((await remoteWrite(t, body)).status).toBe(401);
    expect((await remoteWrite(t, body, { authorization: 'Bearer wrong-key-000' })).status).toBe(401);
    expect((await remoteWrite(t, body, { authorization: 'Bearer prometheus-key-1' })).status).toBe(200);
  });
});
