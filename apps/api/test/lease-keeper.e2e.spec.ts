import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { systemClock } from '@tft/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseKeeper } from '../src/cluster/lease-keeper';
import { startNatsServer, type NatsServer } from './nats-server';

/** Partition leases in a JetStream KV bucket of the real nats-server, one connection per replica. */
describe('LeaseKeeper on the real nats-server', () => {
  let nats: NatsServer;
  const connections: NatsConnection[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
  }, 20_000);
  afterAll(async () => {
    for (const nc of connections) if (!nc.isClosed()) await nc.close();
    await nats.stop();
  });

  async function replica(bucket: string, self: string, ttlMs = 1500): Promise<{ keeper: LeaseKeeper; nc: NatsConnection; kv: KV }> {
    const nc = await nats.connect();
    connections.push(nc);
    const kv = await new Kvm(nc).create(bucket, { history: 1 });
    return { keeper: new LeaseKeeper(kv, systemClock, { self, partitions: 16, ttlMs }), nc, kv };
  }

  const rounds = async (keepers: LeaseKeeper[], n: number, gapMs = 200) => {
    for (let i = 0; i < n; i++) {
      for (const k of keepers) await k.round();
      await new Promise((r) => setTimeout(r, gapMs));
    }
  };

  const exclusive = (keepers: LeaseKeeper[]) => {
    const all = keepers.flatMap((k) => [...k.partitions]);
    expect(new Set(all).size).toBe(all.length);
    return all.length;
  };

  it('shares 16 partitions fairly, takes over a replica that vanished after its TTL, and gives a share back on join', async () => {
    const a = await replica('leases-a', 'r1');
    const b = await replica('leases-a', 'r2');
    const c = await replica('leases-a', 'r3');
    await rounds([a.keeper, b.keeper, c.keeper], 4);
    expect([a.keeper, b.keeper, c.keeper].map((k) => k.partitions.size)).toEqual([6, 5, 5]);
    expect(exclusive([a.keeper, b.keeper, c.keeper])).toBe(16);

    // r2 stops renewing, as after kill -9: its partitions stay its own until the TTL runs out
    await rounds([a.keeper, c.keeper], 1, 0);
    expect(a.keeper.partitions.size + c.keeper.partitions.size).toBe(11);
    await rounds([a.keeper, c.keeper], 12);
    expect([a.keeper.partitions.size, c.keeper.partitions.size]).toEqual([8, 8]);

    // it comes back: within a few rounds it holds its share again and no partition had two owners
    for (let i = 0; i < 6; i++) {
      await rounds([a.keeper, b.keeper, c.keeper], 1);
      expect(exclusive([a.keeper, b.keeper, c.keeper])).toBeLessThanOrEqual(16);
    }
    expect([a.keeper, b.keeper, c.keeper].map((k) => k.partitions.size)).toEqual([6, 5, 5]);
  }, 60_000);

  it('hands everything over at once on a graceful stop', async () => {
    const a = await replica('leases-b', 'r1', 30_000);
    const b = await replica('leases-b', 'r2', 30_000);
    await rounds([a.keeper, b.keeper], 3, 50);
    expect(exclusive([a.keeper, b.keeper])).toBe(16);
    await b.keeper.releaseAll();
    await rounds([a.keeper], 1, 0);
    expect(a.keeper.partitions.size).toBe(16);
  }, 30_000);
});
