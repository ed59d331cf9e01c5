import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnApi, waitFor, type Started } from './api-process';
import { startNatsServer, type NatsServer } from './nats-server';
import { history } from './test-app';

const SERVER = 'ppweb0042';

/**
 * What only a server's owner holds (its history, what drives its forecast, its own track record) is
 * answered by any replica: the one asked forwards the read to the owner over NATS.
 */
describe('cluster mode: per-server reads answered by the owner through any replica (built api, real nats-server)', () => {
  let nats: NatsServer;
  const replicas = new Map<string, Started>();
  beforeAll(async () => {
    nats = await startNatsServer();
    for (const id of ['api-1', 'api-2']) {
      const port = await freePort();
      const spawned = spawnApi(port, mkdtempSync(join(tmpdir(), `tft-reads-${id}-`)), {
        NATS_URL: nats.url,
        REPLICA_ID: id,
        PARTITIONS: '4',
        LEASE_TTL: '3s',
      });
      const replica = { ...spawned, base: `http://127.0.0.1:${port}` };
      replicas.set(id, replica);
      await waitFor(async () => ((await fetch(`${replica.base}/health`)).ok ? true : undefined), 60_000);
    }
    // both replicas hold leases before the data goes in
    await waitFor(async () => {
      const status = (await (await fetch(`${replicas.get('api-1')!.base}/status`)).json()) as { cluster: { replicas: unknown[] } };
      return status.cluster.replicas.length === 2 ? true : undefined;
    }, 30_000);
    const res = await fetch(`${replicas.get('api-1')!.base}/feed/data`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records: history(SERVER, 300, (i) => 40 + (i % 24)) }),
    });
    expect(res.status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    for (const r of replicas.values()) {
      r.child.kill('SIGTERM');
      await r.exited;
    }
    await nats?.stop();
  });

  it("answers the server's drivers and its own track record from either replica, as the owner has them", async () => {
    // the owner forecasts the server with the TFT, and the other replica has that forecast
    for (const r of replicas.values())
      await waitFor(async () => {
        const f = await fetch(`${r.base}/servers/${SERVER}/forecast`);
        return f.ok && ((await f.json()) as { model: string }).model === 'TFT' ? true : undefined;
      }, 60_000);
    const status = (await (await fetch(`${replicas.get('api-1')!.base}/status`)).json()) as {
      servers: { server_name: string; owner: string }[];
    };
    const owner = status.servers.find((s) => s.server_name === SERVER)!.owner;
    const other = owner === 'api-1' ? 'api-2' : 'api-1';
    const read = async (replica: string, path: string) => {
      const res = await fetch(`${replicas.get(replica)!.base}${path}`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    const drivers = await read(owner, `/servers/${SERVER}/drivers`);
    expect(drivers.status).toBe(200);
    expect(drivers.body).toMatchObject({ server_name: SERVER, model: 'TFT', reason: null });
    // the same forecast attributed: the other replica's answer is the owner's
    const forwarded = await read(other, `/servers/${SERVER}/drivers`);
    expect(forwarded).toEqual(drivers);

    const own = await read(owner, `/accuracy?server=${SERVER}&window=7d`);
    expect(own.status).toBe(200);
    const asked = await read(other, `/accuracy?server=${SERVER}&window=7d`);
    expect(asked.status).toBe(200);
    expect(asked.body['server']).toEqual(own.body['server']);
    expect(asked.body['server']).toMatchObject({ server_name: SERVER, buckets: expect.any(Array) });

    expect((await read(other, '/servers/ppnobody01/drivers')).status).toBe(404);
    expect((await read(other, '/accuracy?server=ppnobody01')).status).toBe(404);
  }, 120_000);
});
