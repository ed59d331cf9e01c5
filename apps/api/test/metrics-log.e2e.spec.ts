import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsLog } from '../src/cluster/metrics-log';
import { partitionOf } from '../src/cluster/partitions';
import { startNatsServer, type NatsServer } from './nats-server';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** The metrics stream on the real nats-server: acknowledged batches, deduplicated retries, per-partition replay. */
describe('MetricsLog on the real nats-server', () => {
  let nats: NatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await nats.connect();
  }, 20_000);
  afterAll(async () => {
    await nc.close();
    await nats.stop();
  });

  it('stores a retried batch once and replays a partition in order, alone', async () => {
    const log = await MetricsLog.open(nc);
    const p = partitionOf('ppdb0001', 16);
    const other = (p + 1) % 16;
    const first = await log.append(p, 'batch-1', bytes('one'));
    await log.append(other, 'batch-2', bytes('elsewhere'));
    await log.append(p, 'batch-3', bytes('three'));
    const retried = await log.append(p, 'batch-1', bytes('one'));
    expect(first.duplicate).toBe(false);
    expect(retried).toEqual({ seq: first.seq, duplicate: true });
    const replayed: string[] = [];
    for await (const m of log.replay(p)) replayed.push(text(m.payload));
    expect(replayed).toEqual(['one', 'three']);
    const empty: string[] = [];
    for await (const m of log.replay((p + 2) % 16)) empty.push(text(m.payload));
    expect(empty).toEqual([]);
    // reopening keeps what was stored
    const again = await MetricsLog.open(nc);
    const kept: string[] = [];
    for await (const m of again.replay(other)) kept.push(text(m.payload));
    expect(kept).toEqual(['elsewhere']);
  }, 30_000);
});
