import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricRecord } from '@tft/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { GENERATOR_DEFAULTS, type GeneratorConfig } from '../config/generator-config';
import { FleetService } from '../fleet/fleet.service';
import { HttpFeedSink } from './feed-sink';
import { StreamService } from './stream.service';

/** A local stand-in for the api's POST /feed/data that records what it receives. */
class StubReceiver {
  received: MetricRecord[] = [];
  /** Declared clock offsets, one per POST. */
  offsets: (string | undefined)[] = [];
  /** What GET /status reports as the end of the stored data; undefined = 404. */
  dataTime: string | undefined;
  private server: Server | null = null;
  port = 0;

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (req.method === 'GET') {
          if (this.dataTime === undefined) return void res.writeHead(404).end();
          return void res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ clock: { data_time: this.dataTime } }));
        }
        this.offsets.push(req.headers['x-clock-offset'] as string | undefined);
        this.received.push(...(JSON.parse(body) as { records: MetricRecord[] }).records);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success"}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    // fetch keeps connections alive; close them or close() waits for them.
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }
}

describe('StreamService', () => {
  const stubs: StubReceiver[] = [];
  afterEach(async () => {
    await Promise.all(stubs.map((s) => s.stop()));
    stubs.length = 0;
  });

  async function setup(over: Partial<GeneratorConfig>, dataTime?: string, wallStart = Date.UTC(2026, 10, 28, 12, 0, 0)) {
    const stub = new StubReceiver();
    stub.dataTime = dataTime;
    stubs.push(stub);
    await stub.start();
    let now = wallStart;
    const clock = { now: () => now };
    const config: GeneratorConfig = {
      ...GENERATOR_DEFAULTS,
      servers: 4,
      ...over,
    };
    const fleet = new FleetService(config, clock);
    const stream = new StreamService(config, clock, new HttpFeedSink(`http://127.0.0.1:${stub.port}`, undefined, 2000), fleet);
    return { stub, stream, advance: (ms: number) => (now += ms) };
  }

  it('backfills history first, then streams live samples in the seed format', async () => {
    const { stub, stream, advance } = await setup({
      backfillSeconds: 3600,
      backfillSampleSeconds: 60,
    });
    for (let i = 0; i < 5; i++) await stream.tick();
    expect(stream.status().backfill_done).toBe(true);
    expect(stub.received).toHaveLength(4 * 61); // 60 backfill steps + the live origin
    advance(10_000);
    await stream.tick();
    expect(stub.received).toHaveLength(4 * 63); // two more 5 s samples
    const r = stub.received.at(-1)!;
    // the seed's field order
    expect(Object.keys(r).join(' ')).toBe('timestamp server_name cpu_percent memory_percent disk_percent load_average status profile');
    expect(r.timestamp).toBe('2026-11-28T12:00:10Z');
    const perServer = stub.received.filter((x) => x.server_name === 'ppml0001').map((x) => x.timestamp);
    expect([...perServer].sort()).toEqual(perServer);
    expect(new Set(perServer).size).toBe(perServer.length);
  });

  it('continues after data the api holds ahead of the wall clock, declaring its clock offset', async () => {
    // an earlier 60x run left data until 10 h after the wall clock of this start
    const { stub, stream, advance } = await setup({ speed: 60, backfillSeconds: 86400 }, '2026-11-28T22:00:00Z');
    await stream.tick();
    expect(stream.status().backfill_done).toBe(true);
    expect(stub.received.map((r) => r.timestamp)).toEqual(Array(4).fill('2026-11-28T22:00:05Z')); // no backfill over stored data, no sample at or before its end
    advance(1000);
    await stream.tick();
    expect(stub.received.at(-1)!.timestamp).toBe('2026-11-28T22:01:05Z');
    expect(Number(stub.offsets.at(-1))).toBe(10 * 3600 + 64); // sim 22:01:05 at wall 12:00:01
  });

  it('backfills only the gap after older stored data', async () => {
    const { stub, stream } = await setup({ backfillSeconds: 3600, backfillSampleSeconds: 60 }, '2026-11-28T11:30:00Z');
    for (let i = 0; i < 5; i++) await stream.tick();
    const times = stub.received.filter((r) => r.server_name === 'ppml0001').map((r) => r.timestamp);
    expect(times[0]).toBe('2026-11-28T11:31:00Z');
    expect(times).toHaveLength(30); // 11:31 .. 11:59 each minute, then the live origin 12:00
    expect(stub.offsets.every((o) => o === undefined)).toBe(true); // real time declares nothing
  });

  it('starts simulated time at a pinned start, the same data whatever the wall clock', async () => {
    const run = async (wallStart: number) => {
      const { stub, stream, advance } = await setup(
        { startSeconds: Date.UTC(2026, 0, 5, 6) / 1000, speed: 60, backfillSeconds: 600 },
        undefined,
        wallStart,
      );
      for (let i = 0; i < 3; i++) await stream.tick();
      advance(1000);
      await stream.tick();
      return stub;
    };
    const [morning, evening] = [await run(Date.UTC(2026, 11, 7, 4, 5)), await run(Date.UTC(2026, 11, 7, 20, 0))];
    expect(morning.received[0].timestamp).toBe('2026-01-05T05:50:00Z');
    expect(morning.received.at(-1)!.timestamp).toBe('2026-01-05T06:01:00Z');
    expect(evening.received).toEqual(morning.received);
    expect(morning.offsets.every((o) => o === undefined)).toBe(true); // behind the wall clock: nothing to declare
  });

  it('runs accelerated time', async () => {
    const { stub, stream, advance } = await setup({ speed: 60 });
    await stream.tick();
    advance(1000); // one wall second = one simulated minute = 12 samples of 5 s
    await stream.tick();
    expect(stub.received).toHaveLength(4 * 13);
  });

  it('buffers while the receiver is down, backs off, and catches up without loss or duplicates', async () => {
    const { stub, stream, advance } = await setup({});
    await stream.tick();
    const port = stub.port;
    await stub.stop();
    for (let i = 0; i < 6; i++) {
      advance(5_000);
      await stream.tick();
    }
    expect(stream.status()).toMatchObject({
      api_reachable: false,
      buffered_records: 4 * 6,
    });
    await stub.start(port);
    await stream.tick(); // still inside the backoff window
    advance(60_000);
    await stream.tick();
    expect(stream.status()).toMatchObject({
      api_reachable: true,
      buffered_records: 0,
      dropped_records: 0,
    });
    const times = stub.received.filter((x) => x.server_name === 'ppdb0001').map((x) => x.timestamp);
    expect(times).toHaveLength(1 + 6 + 12);
    expect(new Set(times).size).toBe(times.length);
  });

  it('keeps the buffer bounded, dropping the oldest records', async () => {
    const { stub, stream, advance } = await setup({ maxBufferedRecords: 40 });
    await stub.stop();
    advance(60_000);
    await stream.tick();
    expect(stream.status()).toMatchObject({
      buffered_records: 40,
      dropped_records: 4 * 13 - 40,
    });
  });
});
