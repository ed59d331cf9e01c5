import { readFileSync, statfsSync } from 'node:fs';
import { freemem, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { OTLPMetricExporter as ProtobufExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { HostMetrics } from '@opentelemetry/host-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { decodeMetricsResponse, encodeMetricsProtobuf, Temporality } from '@tft/otlp';
import { startTestApp, type TestApp } from './test-app';

/** An export's outcome as the SDK reports it (code 0 = success), from @opentelemetry/core by way of the exporter's type. */
type ExportResult = Parameters<Parameters<PushMetricExporter['export']>[1]>[0];

type Step = { cpu_percent: number | null; memory_percent: number | null; disk_percent: number | null; load_average: number | null };
interface Detail {
  history: Step[];
  open_step: Step | null;
}

const newestStep = (d: Detail): Step => d.open_step ?? d.history[d.history.length - 1];

/**
 * A host instrumented with the real OpenTelemetry JS SDK: @opentelemetry/host-metrics for cpu and
 * memory, and the filesystem usage and load average gauges it lacks registered through the same SDK,
 * from this machine's statfs('/') and load average (read once, so every export carries the same values).
 */
function instrumentedHost(hostName: string, sdkExporter: PushMetricExporter) {
  // the reader reports a failed export to the SDK's global error handler only: keep each export's result
  const results: ExportResult[] = [];
  const exporter: PushMetricExporter = {
    export: (metrics: ResourceMetrics, done: (result: ExportResult) => void) =>
      sdkExporter.export(metrics, (result) => {
        results.push(result);
        done(result);
      }),
    forceFlush: () => sdkExporter.forceFlush(),
    shutdown: () => sdkExporter.shutdown(),
    selectAggregationTemporality: sdkExporter.selectAggregationTemporality?.bind(sdkExporter),
  };
  const fs = statfsSync('/');
  const disk = { used: (fs.blocks - fs.bfree) * fs.bsize, free: fs.bavail * fs.bsize, reserved: (fs.bfree - fs.bavail) * fs.bsize };
  const load1 = loadavg()[0];
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 }); // exports when flushed
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'host.name': hostName, 'os.type': 'linux' }),
    readers: [reader],
  });
  new HostMetrics({ meterProvider: provider, name: 'host-metrics' }).start();
  const meter = provider.getMeter('tft-e2e');
  meter.createObservableGauge('system.filesystem.usage', { unit: 'By' }).addCallback((result) => {
    for (const [state, bytes] of Object.entries(disk))
      result.observe(bytes, { device: 'rootfs', mountpoint: '/', type: 'ext4', mode: 'rw', state });
  });
  meter.createObservableGauge('system.cpu.load_average.1m', { unit: '{thread}' }).addCallback((result) => result.observe(load1));
  return {
    expectedDisk: 100 * (1 - disk.free / (disk.used + disk.free + disk.reserved)),
    load1,
    /** Collects and exports once; the export's result (code 0 = success). */
    export: async (): Promise<ExportResult> => {
      await reader.forceFlush();
      return results[results.length - 1];
    },
    shutdown: () => provider.shutdown(),
  };
}

const otlpPost = (t: TestApp, path: string, body: Buffer | string, headers: Record<string, string>) =>
  fetch(`${t.base}${path}`, { method: 'POST', headers, body });

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };
const T = Math.floor(Date.now() / 300_000) * 300_000 - 600_000; // before the api's clock: it refuses samples ahead of it
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);

/** A hand-built request: one host, the load average at T, and whatever else is given. */
const loadRequest = (hostName: string | null, value = 1.5, extra: unknown[] = []) => ({
  resourceMetrics: [
    {
      resource: { attributes: hostName === null ? [] : [{ key: 'host.name', value: { stringValue: hostName } }] },
      scopeMetrics: [
        { metrics: [{ name: 'system.cpu.load_average.1m', gauge: { dataPoints: [{ timeUnixNano: ns(T), asDouble: value }] } }, ...extra] },
      ],
    },
  ],
});

describe('OTLP/HTTP metrics (POST /v1/metrics)', () => {
  let t: TestApp | undefined;
  const hosts: { shutdown(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.shutdown()));
    await t?.app.close();
    t = undefined;
  });

  it('takes the real OpenTelemetry SDK, protobuf and JSON, gzip and keyed: the host gets all four metrics and a forecast', async () => {
    t = await startTestApp({ API_KEY: 'otel-key-0001' });
    const headers = { authorization: 'Bearer otel-key-0001' };
    const viaProtobuf = instrumentedHost('otel-proto-1', new ProtobufExporter({ url: `${t.base}/v1/metrics`, headers }));
    // the JSON exporter at the path Prometheus uses, gzip-compressed
    const viaJson = instrumentedHost(
      'otel-json-1',
      new JsonExporter({ url: `${t.base}/api/v1/otlp/v1/metrics`, headers, compression: CompressionAlgorithm.GZIP }),
    );
    hosts.push(viaProtobuf, viaJson);
    for (let i = 0; i < 2; i++) {
      expect((await Promise.all([viaProtobuf.export(), viaJson.export()])).map((r) => r.code)).toEqual([0, 0]);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // cumulative cpu time needs a second point
    }
    const memoryNow = 100 * (1 - freemem() / totalmem());
    for (const [name, host] of [
      ['otel-proto-1', viaProtobuf],
      ['otel-json-1', viaJson],
    ] as const) {
      const step = newestStep(await t.get<Detail>(`/servers/${name}`));
      expect(step.cpu_percent).toBeGreaterThanOrEqual(0);
      expect(step.cpu_percent).toBeLessThanOrEqual(100);
      expect(Math.abs((step.memory_percent as number) - memoryNow)).toBeLessThan(10);
      expect(step.disk_percent).toBeCloseTo(host.expectedDisk, 2);
      expect(step.load_average).toBeCloseTo(host.load1, 6);
    }

    await t.inference.pass();
    const { predictions } = await t.get<{ predictions: Record<string, Record<string, { current: number | null; p50: number[] }>> }>(
      '/predictions/current',
    );
    for (const name of ['otel-proto-1', 'otel-json-1']) {
      for (const metric of ['cpu_percent', 'memory_percent', 'disk_percent', 'load_average']) {
        expect(predictions[name][metric].current).not.toBeNull();
        expect(predictions[name][metric].p50.length).toBeGreaterThan(0);
      }
    }
    // without the key the SDK's export fails
    const keyless = instrumentedHost('otel-nokey-1', new ProtobufExporter({ url: `${t.base}/v1/metrics` }));
    hosts.push(keyless);
    const refused = await keyless.export();
    expect(refused.code).toBe(1);
    expect(refused.error?.message).toBe('Unauthorized');
  });

  it("decodes opentelemetry-proto's examples/metrics.json, as JSON and as protobuf: its metrics are none the receiver reads", async () => {
    t = await startTestApp();
    const example = readFileSync(join(__dirname, '../../../libs/otlp/src/lib/fixtures/metrics.json'), 'utf8');
    const json = await otlpPost(t, '/v1/metrics', example, JSON_TYPE);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await json.json()).toEqual({});
    const protobuf = await otlpPost(t, '/v1/metrics', Buffer.from(encodeMetricsProtobuf(JSON.parse(example))), PROTOBUF);
    expect(protobuf.status).toBe(200);
    expect(protobuf.headers.get('content-type')).toMatch(/^application\/x-protobuf/);
    expect(decodeMetricsResponse(new Uint8Array(await protobuf.arrayBuffer()))).toEqual({});
    const metrics = await (await fetch(`${t.base}/metrics`)).text();
    expect(metrics).toMatch(/^tft_otlp_ignored_points_total 8$/m); // 4 points, twice
    expect(await t.get('/servers')).toEqual([]);
  });

  it('answers refused points with partial_success and keeps the good points beside them', async () => {
    t = await startTestApp();
    const request = {
      resourceMetrics: [
        ...loadRequest('web-1', 2.5).resourceMetrics,
        ...loadRequest(null).resourceMetrics,
        ...loadRequest('web-2', 1, [
          {
            name: 'system.memory.usage',
            sum: { aggregationTemporality: Temporality.DELTA, dataPoints: [{ timeUnixNano: ns(T), asInt: '5' }] },
          },
        ]).resourceMetrics,
      ],
    };
    const protobuf = await otlpPost(t, '/v1/metrics', Buffer.from(encodeMetricsProtobuf(request)), PROTOBUF);
    expect(protobuf.status).toBe(200);
    const answer = decodeMetricsResponse(new Uint8Array(await protobuf.arrayBuffer()));
    expect(answer.partialSuccess?.rejectedDataPoints).toBe(2);
    expect(answer.partialSuccess?.errorMessage).toContain(
      'resource without a host.name attribute (OTLP_HOST_ATTRIBUTE=host.name names the server) (1)',
    );
    expect(answer.partialSuccess?.errorMessage).toContain('system.memory.usage has delta temporality');
    expect((await t.get<{ server_name: string }[]>('/servers')).map((s) => s.server_name).sort()).toEqual(['web-1', 'web-2']);
    expect(newestStep(await t.get<Detail>('/servers/web-1')).load_average).toBe(2.5);

    // OTLP/JSON writes the count as an int64 string; a re-sent request is all duplicates, nothing refused
    const json = await otlpPost(t, '/v1/metrics', JSON.stringify(loadRequest('web-3', 9, [{ name: 'x' }])), JSON_TYPE);
    expect(await json.json()).toEqual({});
    const future = { ...loadRequest('web-4') };
    future.resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].timeUnixNano = ns(Date.now() + 3_600_000);
    expect(await (await otlpPost(t, '/v1/metrics', JSON.stringify(future), JSON_TYPE)).json()).toEqual({
      partialSuccess: {
        rejectedDataPoints: '1',
        errorMessage: expect.stringMatching(/sample time .* s ahead of the api's clock .* \(1\)$/),
      },
    });
  });

  it('refuses what the client must fix with 4xx and a reason', async () => {
    t = await startTestApp({ MAX_RECORDS_PER_REQUEST: '3', MAX_BODY_SIZE: '64kb' });
    const good = Buffer.from(encodeMetricsProtobuf(loadRequest('web-1')));

    const wrongType = await otlpPost(t, '/v1/metrics', good, { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    expect((await wrongType.json()).message).toBe('OTLP/HTTP metrics are application/x-protobuf or application/json (got "text/plain")');

    const badProtobuf = await otlpPost(t, '/v1/metrics', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), PROTOBUF);
    expect(badProtobuf.status).toBe(400);
    expect((await badProtobuf.json()).message).toMatch(/^body is not a protobuf ExportMetricsServiceRequest: /);

    const badGzip = await otlpPost(t, '/v1/metrics', good, { ...PROTOBUF, 'content-encoding': 'gzip' });
    expect(badGzip.status).toBe(400);
    expect((await badGzip.json()).message).toMatch(/^request body could not be decompressed \(gzip\): /);

    const badJsonGzip = await otlpPost(t, '/v1/metrics', 'not gzip', { ...JSON_TYPE, 'content-encoding': 'gzip' });
    expect(badJsonGzip.status).toBe(400);
    expect((await badJsonGzip.json()).message).toMatch(/could not be decompressed \(gzip\)/);

    const snappy = await otlpPost(t, '/v1/metrics', good, { ...PROTOBUF, 'content-encoding': 'snappy' });
    expect(snappy.status).toBe(415);
    expect((await snappy.json()).message).toMatch(/send Content-Encoding: gzip or none \(got "snappy"\)/);

    const badJson = await otlpPost(t, '/v1/metrics', JSON.stringify({ resourceMetrics: 'x' }), JSON_TYPE);
    expect(badJson.status).toBe(400);
    expect((await badJson.json()).message).toMatch(
      /^body is not an OTLP\/JSON ExportMetricsServiceRequest: .*resourceMetrics: array expected/,
    );

    // a small body that decompresses past MAX_BODY_SIZE (a zip bomb) is refused, not inflated
    const bomb = gzipSync(Buffer.alloc(1024 * 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const tooBig = await otlpPost(t, '/v1/metrics', bomb, { ...PROTOBUF, 'content-encoding': 'gzip' });
    expect(tooBig.status).toBe(413);
    expect((await tooBig.json()).message).toMatch(
      /decompresses to over the MAX_BODY_SIZE limit of 64 KB: lower the batch processor's send_batch_max_size/,
    );

    const fourPoints = loadRequest('web-1', 1, [
      { name: 'system.cpu.load_average.5m', gauge: { dataPoints: [1, 2, 3].map((i) => ({ timeUnixNano: ns(T + i), asDouble: 1 })) } },
    ]);
    const tooMany = await otlpPost(t, '/v1/metrics', JSON.stringify(fourPoints), JSON_TYPE);
    expect(tooMany.status).toBe(413);
    expect((await tooMany.json()).message).toMatch(/at most 3 data points \(MAX_RECORDS_PER_REQUEST; got 4\)/);
    expect(await t.get('/servers')).toEqual([]);
  });

  it('stores durably before answering: after a restart a re-sent request changes nothing and cpu counters continue', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dataDir = mkdtempSync(join(tmpdir(), 'tft-otlp-restart-'));
    const cpuAt = (ms: number, idle: number) =>
      encodeMetricsProtobuf(
        loadRequest('db-1', 1, [
          {
            name: 'system.cpu.time',
            sum: {
              aggregationTemporality: Temporality.CUMULATIVE,
              isMonotonic: true,
              dataPoints: [
                {
                  timeUnixNano: ns(ms),
                  asDouble: idle,
                  attributes: [
                    { key: 'cpu', value: { stringValue: 'cpu0' } },
                    { key: 'state', value: { stringValue: 'idle' } },
                  ],
                },
              ],
            },
          },
        ]),
      );
    t = await startTestApp({ DATA_DIR: dataDir });
    expect((await otlpPost(t, '/v1/metrics', Buffer.from(cpuAt(T, 1000)), PROTOBUF)).status).toBe(200);
    await t.app.close();
    t = await startTestApp({ DATA_DIR: dataDir });
    expect((await otlpPost(t, '/v1/metrics', Buffer.from(cpuAt(T, 1000)), PROTOBUF)).status).toBe(200);
    let metrics = await (await fetch(`${t.base}/metrics`)).text();
    expect(metrics).toMatch(/^tft_ingest_samples_total\{route="\/v1\/metrics",outcome="duplicate"\} 2$/m); // the load's and the counter's point
    // 30 s later, 24 s idle: 20 % busy, from the counter stored before the restart
    expect((await otlpPost(t, '/v1/metrics', Buffer.from(cpuAt(T + 30_000, 1024)), PROTOBUF)).status).toBe(200);
    expect(newestStep(await t.get<Detail>('/servers/db-1')).cpu_percent).toBeCloseTo(20, 6);
    metrics = await (await fetch(`${t.base}/metrics`)).text();
    expect(metrics).toMatch(/^tft_ingest_samples_total\{route="\/v1\/metrics",outcome="stored"\} 1$/m);
  });
});
