import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, MAIN, spawnApi, storedSamples, waitFor, type Started } from './api-process';
import { startNatsServer, type NatsServer } from './nats-server';
import { END } from './test-app';

const SERVERS = Array.from({ length: 2000 }, (_, i) => `ppweb${String(i).padStart(5, '0')}`);
const T0 = END - 60 * 300;
/** Each request carries one step of this many servers. */
const CHUNK = 500;

/** Step `k` of every server: one sample each, inside the step. */
const stepRecords = (k: number, servers: readonly string[]) =>
  servers.map((server, i) => ({
    timestamp: new Date((T0 + k * 300 + (i % 250)) * 1000).toISOString(),
    server_name: server,
    cpu_percent: 30 + 20 * Math.sin((k + i) / 5),
    memory_percent: 50 + (i % 30),
    disk_percent: 40,
    load_average: 1 + (k % 3),
  }));

interface ClusterStatus {
  replica_id: string;
  owned_partitions: number[];
  replayed_partitions: number[];
  replicas: { replica_id: string; partitions: number[] }[];
}
interface Status {
  cluster: ClusterStatus;
  servers: { server_name: string; owner: string; model: string | null }[];
}

const status = async (r: Started): Promise<Status> => (await fetch(`${r.base}/status`, { signal: AbortSignal.timeout(5000) })).json();

/** Three api replicas on the real nats-server, each a child process of the built api. */
describe('cluster mode: three replicas on NATS JetStream (built api, real nats-server)', () => {
  let nats: NatsServer;
  const replicas = new Map<string, Started>();
  const ports = new Map<string, number>();
  /** Every status a write got, by code (what a client of the cluster saw). */
  const answers = new Map<number, number>();

  async function startReplica(id: string): Promise<Started> {
    const port = ports.get(id) ?? (await freePort());
    ports.set(id, port);
    const spawned = spawnApi(port, mkdtempSync(join(tmpdir(), `tft-cluster-${id}-`)), { NATS_URL: nats.url, REPLICA_ID: id });
    const replica = { ...spawned, base: `http://127.0.0.1:${port}` };
    await waitFor(async () => ((await fetch(`${replica.base}/health`)).ok ? true : undefined), 60_000);
    replicas.set(id, replica);
    return replica;
  }

  /**
   * Posts step `k` of every server through the live replicas, as a load balancer would: each chunk
   * goes to the next replica, and an answer other than 200 (or none) is retried on another until one
   * acknowledges it. Resolves once every chunk is acknowledged.
   */
  async function postStep(k: number): Promise<void> {
    const chunks = Array.from({ length: SERVERS.length / CHUNK }, (_, c) => SERVERS.slice(c * CHUNK, (c + 1) * CHUNK));
    await Promise.all(
      chunks.map(async (servers, c) => {
        const body = JSON.stringify({ records: stepRecords(k, servers) });
        for (let attempt = 0; ; attempt++) {
          const live = [...replicas.values()];
          const target = live[(c + attempt) % live.length];
          try {
            const res = await fetch(`${target.base}/feed/data`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body,
              signal: AbortSignal.timeout(15_000),
            });
            answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
            const answer = (await res.json()) as { records_added: number; duplicates: number };
            if (res.status === 200) {
              expect(answer.records_added + answer.duplicates).toBe(servers.length);
              return;
            }
          } catch {
            answers.set(0, (answers.get(0) ?? 0) + 1); // no answer: the replica is gone
          }
          expect(attempt, `step ${k} chunk ${c} never acknowledged`).toBeLessThan(200);
          await new Promise((r) => setTimeout(r, 250));
        }
      }),
    );
  }

  /**
   * Waits until the live replicas hold `shares` partitions each, every one of the 16 owned once and
   * replayed, and `from` sees exactly these replicas; returns the ms it took.
   */
  async function settled(from: Started, shares: Record<string, number>): Promise<number> {
    const started = Date.now();
    const ids = Object.keys(shares);
    let seen = '';
    while (Date.now() - started < 60_000) {
      try {
        const views = await Promise.all(ids.map(async (id) => (await status(replicas.get(id) as Started)).cluster));
        const all = views.flatMap((v) => v.owned_partitions);
        const replayed = views.every((v) => v.replayed_partitions.length === v.owned_partitions.length);
        const members = (await status(from)).cluster.replicas.map((r) => r.replica_id).sort();
        const held = Object.fromEntries(ids.map((id, i) => [id, views[i].owned_partitions.length]));
        seen = JSON.stringify({ held, replayed, members });
        if (new Set(all).size === 16 && all.length === 16 && replayed && members.join() === [...ids].sort().join()) {
          if (ids.every((id) => held[id] === shares[id])) return Date.now() - started;
        }
      } catch {
        /* a replica is starting */
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`the cluster did not settle on ${JSON.stringify(shares)}: last seen ${seen}\n${clusterLog()}`);
  }

  /**
   * Stored samples of every server read through `via` (servers it does not own are answered by their
   * owner), once every count is `expected` or 30 s have passed. A write is acknowledged when the
   * metrics log has it; its owner applies it a moment later, so a count below `expected` (or a 503 while
   * a partition changes hands) is read again until then, while one above it (a duplicate) never comes down.
   */
  async function sampleCounts(via: Started, expected: number): Promise<Map<number, number>> {
    const counts = new Map<string, number>();
    const read = async (names: readonly string[]) => {
      for (let i = 0; i < names.length; i += 25) {
        const batch = names.slice(i, i + 25);
        // a 503 (the partition is changing hands, e.g. replayed again after a NATS restart) is read again as -1
        const n = await Promise.all(batch.map((s) => storedSamples(via.base, s).catch(() => -1)));
        batch.forEach((s, j) => counts.set(s, n[j]));
      }
    };
    await read(SERVERS);
    const until = Date.now() + 30_000;
    for (let behind = SERVERS.filter((s) => (counts.get(s) as number) < expected); behind.length && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 1000));
      await read(behind);
      behind = behind.filter((s) => (counts.get(s) as number) < expected);
    }
    const histogram = new Map<number, number>();
    for (const n of counts.values()) histogram.set(n, (histogram.get(n) ?? 0) + 1);
    return histogram;
  }

  /** What the replicas logged about their partitions and NATS, for a failure's message. */
  const clusterLog = (): string =>
    [...replicas]
      .map(
        ([id, r]) =>
          `${id}:\n${r
            .output()
            .split('\n')
            .filter((l) => /Cluster|ERROR|WARN/.test(l))
            .slice(-40)
            .join('\n')}`,
      )
      .join('\n');

  beforeAll(async () => {
    expect(existsSync(MAIN), `build the api first (${MAIN})`).toBe(true);
    nats = await startNatsServer();
    await Promise.all(['c1', 'c2', 'c3'].map(startReplica));
  }, 90_000);

  afterAll(async () => {
    for (const r of replicas.values()) r.child.kill('SIGKILL');
    await nats?.stop();
  });

  it('shares the partitions fairly, survives kill -9 of a replica during ingest, and loses nothing', async () => {
    const [c1, c2, c3] = ['c1', 'c2', 'c3'].map((id) => replicas.get(id) as Started);
    await settled(c1, { c1: 6, c2: 5, c3: 5 });

    for (let k = 0; k < 6; k++) await postStep(k);
    // kill -9 one replica while a step is being written through it
    const inFlight = postStep(6);
    await new Promise((r) => setTimeout(r, 30));
    c2.child.kill('SIGKILL');
    const killedAt = Date.now();
    replicas.delete('c2');
    await c2.exited;
    await inFlight;
    await settled(c1, { c1: 8, c3: 8 });
    const takeoverMs = Date.now() - killedAt;
    console.log(`cluster: the killed replica's partitions had new owners, replayed, ${takeoverMs} ms after kill -9 (LEASE_TTL 10 s)`);
    expect(takeoverMs, 'partitions of the killed replica had new owners and were replayed').toBeLessThan(30_000);

    for (let k = 7; k < 14; k++) await postStep(k);
    // every server forecast again, by a live owner, and readable through either survivor
    const view = await waitFor(async () => {
      const s = await status(c3);
      const fresh = s.servers.filter((r) => r.model !== null && (r.owner === 'c1' || r.owner === 'c3'));
      return fresh.length === SERVERS.length ? s : undefined;
    }, 60_000);
    expect(view.servers.map((r) => r.server_name)).toEqual(SERVERS);
    const summary = (await (await fetch(`${c1.base}/fleet/summary?limit=1`)).json()) as { fleet: { total_servers: number } };
    expect(summary.fleet.total_servers).toBe(SERVERS.length);
    // every acknowledged record is there exactly once: 14 steps of one sample each
    expect(await sampleCounts(c1, 14), clusterLog()).toEqual(new Map([[14, SERVERS.length]]));

    // the killed replica comes back and takes its share back, without losing or duplicating data
    const back = await startReplica('c2');
    await settled(back, { c1: 6, c2: 5, c3: 5 });
    expect(await sampleCounts(back, 14), clusterLog()).toEqual(new Map([[14, SERVERS.length]]));
  }, 300_000);

  it('answers 503 while nats-server restarts during ingest, and keeps every acknowledged record', async () => {
    const c1 = replicas.get('c1') as Started;
    answers.clear();
    await postStep(14);
    const writing = (async () => {
      for (let k = 15; k < 20; k++) await postStep(k);
    })();
    await new Promise((r) => setTimeout(r, 100));
    await nats.restart(1500);
    await writing;
    expect(answers.get(503) ?? 0, `answers seen: ${JSON.stringify([...answers])}`).toBeGreaterThan(0);
    await settled(c1, { c1: 6, c2: 5, c3: 5 });
    expect(await sampleCounts(c1, 20), clusterLog()).toEqual(new Map([[20, SERVERS.length]]));
  }, 300_000);
});
