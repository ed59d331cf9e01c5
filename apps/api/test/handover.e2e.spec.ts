import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// one copy of the stack's configs: the same launcher `npm run start:prometheus` uses
import { startPrometheusStack } from '../../../tools/prometheus-stack.mjs';
import { freePort, spawnApi, waitFor, type Started } from './api-process';
import { startNatsServer, type NatsServer } from './nats-server';
import type { ServerDetailDto } from '@tft/api-client';
import { encodeWriteRequest, type TimeSeries } from '@tft/remote-write';
import { END, history, startTestApp } from './test-app';

const SERVER = 'ppcon0042';
const RESEND = 5; // s: ALERT_RESEND_INTERVAL; Alertmanager holds a sent alert 4 resends (endsAt)

interface AmAlert {
  labels: Record<string, string>;
  startsAt: string;
  updatedAt: string;
  status: { state: string };
}
interface Notification {
  status: string;
  alerts: { status: string; labels: Record<string, string>; startsAt: string }[];
}

/** A sample of SERVER at epoch s `t`, cpu held at 97 %: the forecast keeps predicting a critical breach. */
const hot = (t: number) => ({
  timestamp: new Date(t * 1000).toISOString(),
  server_name: SERVER,
  cpu_percent: 97,
  memory_percent: 60,
  disk_percent: 40,
  load_average: 3.9,
  profile: 'conductor_mgmt' as const,
});

/**
 * Two replicas on the real nats-server push their alerts to the real Alertmanager, which notifies a
 * local webhook receiver. kill -9 of the replica that owns a firing alert's server must not page twice:
 * the survivor goes on with the same alert (same startsAt), and Alertmanager never resolves it.
 */
/** node_exporter as Prometheus forwards it, scrape `k` (15 s apart): two cores with changing idle rates, memory, the root filesystem, load. */
function scrape(instance: string, k: number): TimeSeries[] {
  const t = (END - 3600) * 1000 + k * 15_000;
  const idle = (cpu: number) =>
    1000 + Array.from({ length: k }, (_, j) => 15 * (0.3 + 0.6 * Math.abs(Math.sin((j + cpu) / 7)))).reduce((a, b) => a + b, 0);
  const one = (name: string, labels: Record<string, string>, value: number): TimeSeries => ({
    labels: Object.entries({ __name__: name, instance, job: 'node', ...labels }).map(([n, v]) => ({ name: n, value: v })),
    samples: [{ timestamp: t, value }],
  });
  return [
    one('node_cpu_seconds_total', { cpu: '0', mode: 'idle' }, idle(0)),
    one('node_cpu_seconds_total', { cpu: '1', mode: 'idle' }, idle(1)),
    one('node_memory_MemAvailable_bytes', {}, 6e9 - k * 1e7),
    one('node_memory_MemTotal_bytes', {}, 8e9),
    one('node_filesystem_avail_bytes', { mountpoint: '/', fstype: 'ext4' }, 60e9 - k * 1e8),
    one('node_filesystem_size_bytes', { mountpoint: '/', fstype: 'ext4' }, 100e9),
    one('node_load1', {}, 1 + (k % 7) / 4),
  ];
}

const writeTo = async (base: string, timeseries: TimeSeries[]): Promise<number> =>
  (
    await fetch(`${base}/api/v1/write`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      body: Buffer.from(encodeWriteRequest({ timeseries })),
    })
  ).status;

type History = ServerDetailDto['history'];

describe('cluster hand-over of a firing alert (built api, real nats-server and Alertmanager)', () => {
  let nats: NatsServer;
  let stack: { alertmanagerUrl?: string; stop(): Promise<void>; output(): string };
  let receiver: Server;
  const notifications: Notification[] = [];
  const replicas = new Map<string, Started>();

  async function startReplica(id: string): Promise<Started> {
    const port = await freePort();
    const spawned = spawnApi(port, mkdtempSync(join(tmpdir(), `tft-handover-${id}-`)), {
      NATS_URL: nats.url,
      REPLICA_ID: id,
      PARTITIONS: '4',
      LEASE_TTL: '3s',
      ALERTMANAGER_URL: stack.alertmanagerUrl as string,
      ALERT_RESEND_INTERVAL: `${RESEND}s`,
    });
    const replica = { ...spawned, base: `http://127.0.0.1:${port}` };
    await waitFor(async () => ((await fetch(`${replica.base}/health`)).ok ? true : undefined), 60_000);
    replicas.set(id, replica);
    return replica;
  }

  const post = async (via: Started, records: unknown[]) => {
    const res = await fetch(`${via.base}/feed/data`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records }),
    });
    expect(res.status).toBe(200);
  };
  const held = async (): Promise<AmAlert[]> =>
    ((await (await fetch(`${stack.alertmanagerUrl}/api/v2/alerts`)).json()) as AmAlert[]).filter(
      (a) => a.labels['server'] === SERVER && a.labels['metric'] === 'cpu_percent',
    );

  beforeAll(async () => {
    nats = await startNatsServer();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        notifications.push(JSON.parse(body) as Notification);
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    stack = await startPrometheusStack({
      nodeExporter: false,
      prometheus: false,
      alertmanager: true,
      alertmanagerWebhookUrl: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/notify`,
      apiUrl: null,
    });
    await startReplica('h1');
    await startReplica('h2');
  }, 120_000);

  afterAll(async () => {
    for (const r of replicas.values()) r.child.kill('SIGKILL');
    await Promise.all([...replicas.values()].map((r) => r.exited));
    await stack?.stop();
    receiver?.close();
    await nats?.stop();
  });

  it('remote write spread over two replicas stores what one replica would (the series state lives with the partition)', async () => {
    const [h1, h2] = replicas.values();
    const single = await startTestApp();
    try {
      // an hour of scrapes, two per request as Prometheus batches them, every other request to the other replica
      for (let k = 0; k < 240; k += 2) {
        const timeseries = [...scrape('rw-host:9100', k), ...scrape('rw-host:9100', k + 1)];
        expect(await writeTo((k / 2) % 2 === 0 ? h1.base : h2.base, timeseries)).toBe(200);
        expect(await writeTo(single.base, timeseries)).toBe(200);
      }
      const historyOf = async (base: string) => ((await (await fetch(`${base}/servers/rw-host`)).json()) as { history: History }).history;
      const expected = await historyOf(single.base);
      expect(expected.length).toBeGreaterThanOrEqual(11);
      expect(expected.every((p) => p.cpu_percent !== null && p.memory_percent !== null && p.disk_percent !== null)).toBe(true);
      // the owner applies what the log holds a moment after the answers: read until it has it all
      const spread = await waitFor(async () => {
        const h = await historyOf(h1.base).catch(() => undefined);
        return h && JSON.stringify(h) === JSON.stringify(expected) ? h : undefined;
      }, 30_000).catch(async () => historyOf(h1.base));
      expect(spread).toEqual(expected);
    } finally {
      await single.app.close();
    }
  }, 120_000);

  it('kill -9 of the owner: one alert with its startsAt, no resolved, for the next 10 minutes of data time', async () => {
    const [h1] = replicas.values();
    // a container host ramping to 97 % cpu, then held there past ALERT_FOR (10 min of data time)
    await post(
      h1,
      history(SERVER, 150, (i) => Math.min(97, 40 + i * 0.45), 'conductor_mgmt'),
    );
    // a minute of data at a time until Alertmanager holds the alert: how many passes see the ramp
    // depends on the machine's speed, and a pass that never saw ALERT_FOR of data time cannot fire
    let t = END;
    let alert: AmAlert | undefined;
    for (; !alert && t <= END + 7200; t += 60) {
      await post(h1, [hot(t)]);
      if (t >= END + 1200)
        alert = await waitFor(async () => (await held()).find((a) => a.status.state === 'active'), 2000).catch(() => undefined);
    }
    if (!alert) throw new Error(`no alert held by Alertmanager after ${(t - END) / 60} minutes of 97 % cpu`);
    await waitFor(async () => (notifications.some((n) => n.status === 'firing') ? true : undefined), 60_000);

    // the replica that owns the server's partition, as /status names it
    const rows = ((await (await fetch(`${h1.base}/status`)).json()) as { servers: { server_name: string; owner: string }[] }).servers;
    const owner = rows.find((r) => r.server_name === SERVER)!.owner;
    const survivor = replicas.get(owner === 'h1' ? 'h2' : 'h1')!;
    replicas.get(owner)!.child.kill('SIGKILL');
    await replicas.get(owner)!.exited;
    replicas.delete(owner);

    // the next 10 minutes of data time through the survivor, a minute of data every 3 s: longer than
    // Alertmanager holds an alert nobody re-sends, so a gap would show as a resolve
    const seen: AmAlert[][] = [];
    for (const end = t + 600; t <= end; t += 60) {
      await post(survivor, [hot(t)]);
      await new Promise((r) => setTimeout(r, 3000));
      seen.push(await held());
    }
    for (const [i, alerts] of seen.entries()) {
      expect(
        alerts.map((a) => [a.status.state, a.startsAt]),
        `Alertmanager ${i * 3 + 3} s after the kill`,
      ).toEqual([['active', alert.startsAt]]);
    }
    // the survivor goes on with it: same id and first_seen in its own /alerts/active
    const active = (await (await fetch(`${survivor.base}/alerts/active`)).json()) as {
      alerts: { server: string; metric: string; first_seen: string }[];
    };
    expect(active.alerts.filter((a) => a.server === SERVER && a.metric === 'cpu_percent')).toHaveLength(1);
    const resolved = notifications.filter((n) => n.status === 'resolved' && n.alerts.some((a) => a.labels['server'] === SERVER));
    expect(resolved).toEqual([]);
    const firings = notifications
      .flatMap((n) => n.alerts)
      .filter((a) => a.labels['server'] === SERVER && a.labels['metric'] === 'cpu_percent');
    expect(new Set(firings.map((a) => Date.parse(a.startsAt)))).toEqual(new Set([Date.parse(alert.startsAt)]));

    // it cools down and the alert resolves on the survivor; a replica that joins later lists it in
    // GET /alerts/resolved too, whether it takes the server over or reads it from the survivor
    for (const end = t + 7200; t <= end; t += 300) await post(survivor, [{ ...hot(t), cpu_percent: 20, load_average: 0.8 }]);
    type Resolved = { server: string; metric: string; first_seen: string; resolved_at: string | null }[];
    const resolvedHere = await waitFor(async () => {
      const list = (await (await fetch(`${survivor.base}/alerts/resolved`)).json()) as Resolved;
      const mine = list.filter((a) => a.server === SERVER && a.metric === 'cpu_percent');
      return mine.length ? mine : undefined;
    }, 60_000);
    expect(resolvedHere).toHaveLength(1);
    const joined = await startReplica('h3');
    const resolvedThere = await waitFor(async () => {
      const list = (await (await fetch(`${joined.base}/alerts/resolved`)).json()) as Resolved;
      const mine = list.filter((a) => a.server === SERVER && a.metric === 'cpu_percent');
      return mine.length ? mine : undefined;
    }, 60_000);
    expect(resolvedThere).toEqual(resolvedHere);
  }, 300_000);
});
