import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deliveryTarget, fetchTransport, type AlertTransport, type TransportResponse } from './alert-transport';
import { DeliveryChannel, type ChannelOptions, type DeliveryCounter, type OutgoingRequest, type Outbox } from './delivery-channel';

const T0 = Date.UTC(2026, 0, 5, 12);

function counter(): DeliveryCounter {
  return new Counter({ name: 'deliveries', help: 'h', labelNames: ['target', 'kind', 'outcome'] as const, registers: [new Registry()] });
}

async function count(c: DeliveryCounter, outcome: string): Promise<number> {
  return (await c.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? NaN;
}

/** An outbox whose state is a version number: each request carries the version current when it goes out. */
function versionedOutbox(url = 'http://am:9093/api/v2/alerts'): Outbox & { version: number } {
  return {
    version: 1,
    next() {
      return { url, body: `v${this.version}`, headers: {} };
    },
    delivered: () => undefined,
    hasMore: () => false,
  };
}

function options(over: Partial<ChannelOptions> & Pick<ChannelOptions, 'transport'>): ChannelOptions {
  return {
    kind: 'alertmanager',
    target: deliveryTarget('http://am:9093'),
    counter: counter(),
    logger: { warn: vi.fn(), log: vi.fn() },
    initialBackoffMs: 1000,
    maxBackoffMs: 8000,
    requestTimeoutMs: 10_000,
    resendAfterMs: null,
    ...over,
  };
}

/** A transport answering from a script of statuses (the last repeats), recording when each request came. */
function scripted(statuses: number[]): AlertTransport & { calls: { at: number; body: string; headers: Record<string, string> }[] } {
  const calls: { at: number; body: string; headers: Record<string, string> }[] = [];
  return {
    calls,
    post: async (_url, body, headers) => {
      calls.push({ at: Date.now() - T0, body, headers: { ...headers } });
      const status = statuses[Math.min(calls.length - 1, statuses.length - 1)];
      return { status, body: status === 200 ? '' : 'busy' };
    },
  };
}

describe('DeliveryChannel', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries with exponential backoff up to the cap, warns once per outage and logs the recovery', async () => {
    const transport = scripted([503, 503, 503, 503, 503, 503, 200]);
    const opts = options({ transport, kind: 'webhook' });
    const channel = new DeliveryChannel(versionedOutbox(), opts);
    channel.wake();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(transport.calls.map((c) => c.at)).toEqual([0, 1000, 3000, 7000, 15_000, 23_000, 31_000]);
    expect(opts.logger.warn).toHaveBeenCalledTimes(1);
    expect(opts.logger.warn).toHaveBeenCalledWith('webhook http://am:9093 failing (HTTP 503: busy); retrying with backoff');
    expect(opts.logger.log).toHaveBeenCalledTimes(1);
    expect(opts.logger.log).toHaveBeenCalledWith('webhook http://am:9093 delivered again after 6 failed attempt(s)');
    expect(await count(opts.counter, 'failed')).toBe(6);
    expect(await count(opts.counter, 'ok')).toBe(1);
    expect(channel.status).toEqual({ target: 'http://am:9093', kind: 'webhook', failedAttempts: 0 });
  });

  it('warns again for a second outage, and reports the attempts failed so far', async () => {
    let status = 500;
    const transport: AlertTransport = { post: async () => ({ status, body: '' }) };
    const opts = options({ transport });
    const channel = new DeliveryChannel(versionedOutbox(), opts);
    channel.wake();
    await vi.advanceTimersByTimeAsync(3500); // attempts at 0, 1 s, 3 s
    expect(channel.status.failedAttempts).toBe(3);
    status = 204;
    await vi.advanceTimersByTimeAsync(4000);
    status = 500;
    channel.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(opts.logger.warn).toHaveBeenCalledTimes(2);
    expect(opts.logger.warn).toHaveBeenLastCalledWith('Alertmanager http://am:9093 failing (HTTP 500); retrying with backoff');
    expect(opts.logger.log).toHaveBeenCalledWith('Alertmanager http://am:9093 delivered again after 3 failed attempt(s)');
  });

  it('keeps one request in flight: changes meanwhile go out together, with the latest state, when it returns', async () => {
    const answers: ((r: TransportResponse) => void)[] = [];
    const bodies: string[] = [];
    const transport: AlertTransport = {
      post: (_url, body) => {
        bodies.push(body);
        return new Promise((resolve) => answers.push(resolve));
      },
    };
    const outbox = versionedOutbox();
    const channel = new DeliveryChannel(outbox, options({ transport }));
    channel.wake();
    for (let v = 2; v <= 5; v++) {
      outbox.version = v;
      channel.wake();
      await vi.advanceTimersByTimeAsync(5000);
    }
    expect(bodies).toEqual(['v1']);
    answers[0]({ status: 200, body: '' });
    await vi.advanceTimersByTimeAsync(0);
    expect(bodies).toEqual(['v1', 'v5']);
    answers[1]({ status: 200, body: '' });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(bodies).toEqual(['v1', 'v5']);
  });

  it('does not cut a backoff short for a change, and retries with the latest state', async () => {
    const transport = scripted([502, 200]);
    const outbox = versionedOutbox();
    const channel = new DeliveryChannel(outbox, options({ transport }));
    channel.wake();
    await vi.advanceTimersByTimeAsync(100);
    outbox.version = 2;
    channel.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(900);
    expect(transport.calls.map((c) => [c.at, c.body])).toEqual([
      [0, 'v1'],
      [1000, 'v2'],
    ]);
  });

  it('abandons a request unanswered within the timeout and retries it', async () => {
    const calls: number[] = [];
    const hanging: AlertTransport = {
      post: (_url, _body, _headers, signal) => {
        calls.push(Date.now() - T0);
        return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      },
    };
    const opts = options({ transport: hanging });
    new DeliveryChannel(versionedOutbox(), opts).wake();
    await vi.advanceTimersByTimeAsync(25_000);
    expect(calls).toEqual([0, 11_000, 23_000]); // each timeout, then the backoff
    expect(opts.logger.warn).toHaveBeenCalledWith('Alertmanager http://am:9093 failing (no answer within 10 s); retrying with backoff');
    expect(await count(opts.counter, 'failed')).toBe(2);
  });

  it('re-sends a resend interval after its last delivery, sooner on a change', async () => {
    const transport = scripted([200]);
    const channel = new DeliveryChannel(versionedOutbox(), options({ transport, resendAfterMs: 60_000 }));
    channel.wake();
    await vi.advanceTimersByTimeAsync(90_000);
    channel.wake();
    await vi.advanceTimersByTimeAsync(180_000);
    expect(transport.calls.map((c) => c.at)).toEqual([0, 60_000, 90_000, 150_000, 210_000, 270_000]);
  });

  it('sends a queue in order, one request at a time, and nothing when the outbox is empty', async () => {
    const transport = scripted([200]);
    const queue: OutgoingRequest[] = ['a', 'b', 'c'].map((body) => ({ url: 'http://hook', body, headers: {} }));
    const outbox: Outbox = {
      next: () => queue[0] ?? null,
      delivered: (r) => queue.splice(queue.indexOf(r), 1),
      hasMore: () => queue.length > 0,
    };
    const channel = new DeliveryChannel(outbox, options({ transport, kind: 'webhook', resendAfterMs: 60_000 }));
    channel.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.calls.map((c) => c.body)).toEqual(['a', 'b', 'c']);
    channel.wake();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(transport.calls).toHaveLength(3);
  });

  it('sends the credentials of the URL as basic authorization and shows the URL without its password', async () => {
    const transport = scripted([200]);
    const opts = options({ transport, target: deliveryTarget('http://alerts:p%40ss@am:9093/prefix') });
    expect(opts.target).toMatchObject({ url: 'http://am:9093/prefix', display: 'http://alerts:***@am:9093/prefix' });
    new DeliveryChannel(versionedOutbox(), opts).wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.calls[0].headers.authorization).toBe(`Basic ${Buffer.from('alerts:p@ss').toString('base64')}`);
    expect((await opts.counter.get()).values.map((v) => v.labels.target)).toEqual([
      'http://alerts:***@am:9093/prefix',
      'http://alerts:***@am:9093/prefix',
    ]);
  });

  it('stops retrying once closed', async () => {
    const transport = scripted([500]);
    const channel = new DeliveryChannel(versionedOutbox(), options({ transport }));
    channel.wake();
    await vi.advanceTimersByTimeAsync(2500);
    channel.close();
    channel.wake();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(transport.calls).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('DeliveryChannel over HTTP', () => {
  let server: Server;
  let base: string;
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function listen(handler: Parameters<typeof createServer>[1]): Promise<void> {
    server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('gives up on a target that does not answer within the timeout and counts it as failed', async () => {
    await listen(() => undefined); // never answers
    const opts = options({ transport: fetchTransport, target: deliveryTarget(base), requestTimeoutMs: 200, initialBackoffMs: 60_000 });
    const channel = new DeliveryChannel(versionedOutbox(base), opts);
    channel.wake();
    await vi.waitFor(() => expect(opts.logger.warn).toHaveBeenCalled(), { timeout: 5000 });
    expect(opts.logger.warn).toHaveBeenCalledWith(`Alertmanager ${base} failing (no answer within 0.2 s); retrying with backoff`);
    expect(await count(opts.counter, 'failed')).toBe(1);
    channel.close();
  });

  it('names the network error of a target that refuses connections', async () => {
    await listen(() => undefined);
    const refused = base;
    server.close();
    await listen((_req, res) => res.end());
    const opts = options({ transport: fetchTransport, target: deliveryTarget(refused), initialBackoffMs: 60_000 });
    const channel = new DeliveryChannel(versionedOutbox(refused), opts);
    channel.wake();
    await vi.waitFor(() => expect(opts.logger.warn).toHaveBeenCalled(), { timeout: 5000 });
    expect(opts.logger.warn).toHaveBeenCalledWith(`Alertmanager ${refused} failing (ECONNREFUSED); retrying with backoff`);
    channel.close();
  });
});
