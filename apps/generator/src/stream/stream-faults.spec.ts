import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricRecord } from '@tft/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { GENERATOR_DEFAULTS } from '../config/generator-config';
import { FleetService } from '../fleet/fleet.service';
import { HttpFeedSink } from './feed-sink';
import { StreamService } from './stream.service';

/** An api stand-in that answers with whatever status the test sets, and keeps what it accepts. */
class ScriptedApi {
  answer = 200;
  /** Indexes a 200 answer lists as rejected (a partial answer). */
  refuse: number[] = [];
  received: MetricRecord[] = [];
  keys: (string | undefined)[] = [];
  private server: Server | null = null;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (req.method === 'GET') return void res.writeHead(404).end(); // nothing stored to resume after
        this.keys.push(req.headers['x-api-key'] as string | undefined);
        if (this.answer === 200) this.received.push(...JSON.parse(body).records);
        res.writeHead(this.answer, this.answer === 429 ? { 'retry-after': '1' } : {}).end(
          JSON.stringify(
            this.answer === 200
              ? {
                  status: this.refuse.length ? 'partial' : 'success',
                  rejected: this.refuse.map((index) => ({
                    index,
                    field: 'timestamp',
                    reason: 'timestamp is older than the window',
                  })),
                }
              : { statusCode: this.answer },
          ),
        );
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }
}

describe('StreamService against a refusing or overloaded api', () => {
  const apis: ScriptedApi[] = [];
  afterEach(async () => {
    await Promise.all(apis.map((a) => a.stop()));
    apis.length = 0;
  });

  /** A stream of `servers` servers into a fresh ScriptedApi, on a clock the test moves. */
  async function setup(servers: number, apiKey?: string) {
    const api = new ScriptedApi();
    apis.push(api);
    await api.start();
    const clock = { t: Date.UTC(2026, 10, 28, 12), now: () => clock.t };
    const config = { ...GENERATOR_DEFAULTS, servers };
    const stream = new StreamService(
      config,
      clock,
      new HttpFeedSink(`http://127.0.0.1:${api.port}`, apiKey, 2000),
      new FleetService(config, clock),
    );
    return { api, stream, clock };
  }

  it.each([401, 429, 503])('keeps records buffered while the api answers %i, then delivers them all once it accepts', async (status) => {
    const { api, stream, clock } = await setup(3, 'stream-key-0001');
    api.answer = status;
    for (let i = 0; i < 4; i++) {
      clock.t += 5_000;
      await stream.tick(); // never throws: the daemon keeps running
    }
    expect(stream.status()).toMatchObject({
      api_reachable: false,
      buffered_records: 3 * 5,
      dropped_records: 0,
      rejected_records: 0,
    });
    api.answer = 200;
    clock.t += 60_000; // past the backoff
    await stream.tick();
    expect(stream.status()).toMatchObject({
      api_reachable: true,
      buffered_records: 0,
      delivered_records: 3 * 17,
    });
    expect(api.received).toHaveLength(3 * 17);
    expect(new Set(api.keys)).toEqual(new Set(['stream-key-0001']));
  });

  it('counts the records a partial answer refuses, apart from the delivered ones', async () => {
    const { api, stream } = await setup(3);
    api.refuse = [0, 2];
    await stream.tick();
    expect(stream.status()).toMatchObject({
      delivered_records: 1,
      rejected_records: 2,
      buffered_records: 0,
    });
  });

  it('drops a batch the api rejects as invalid (400) instead of retrying it forever', async () => {
    const { api, stream } = await setup(2);
    api.answer = 400;
    await stream.tick();
    expect(stream.status()).toMatchObject({
      buffered_records: 0,
      rejected_records: 2,
    });
    expect(api.keys).toEqual([undefined]);
  });
});
