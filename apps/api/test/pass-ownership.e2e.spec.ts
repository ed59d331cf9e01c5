import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsService } from '../src/alerts/alerts.service';
import type { Ownership } from '../src/common/ownership';
import { MODEL_RUNTIME, type ModelProvider, type ModelRuntime } from '../src/model/model-provider';
import { ApiEvents } from '../src/snapshot/api-events';
import type { ForecastSnapshot } from '../src/snapshot/forecast-snapshot';
import { END, history, startTestApp, type TestApp } from './test-app';

const SERVER = 'ppweb0042';
const OTHER = 'ppweb0043';

/** A sample at epoch s `t` with cpu held at 97 %. */
const hot = (server: string, t: number) => ({
  timestamp: new Date(t * 1000).toISOString(),
  server_name: server,
  cpu_percent: 97,
  memory_percent: 60,
  disk_percent: 40,
  load_average: 3.9,
  profile: 'web_api' as const,
});

/**
 * A partition given away while a pass waits for the model (cluster mode: the lease round's hand-off
 * waits only so long for a pass) is its next owner's from then on: what the pass made of its servers
 * must reach neither the alerts nor the snapshot that is shared with the other replicas, or the entry
 * would overwrite the final hand-off the next owner goes on from.
 */
describe('a forecast pass and a server given away while it runs (real model)', () => {
  let api: TestApp;
  const away = new Set<string>();
  const ownership: Ownership = { forecasts: (server) => !away.has(server) };
  const snapshots: ForecastSnapshot[] = [];

  beforeAll(async () => {
    api = await startTestApp({}, { ownership });
    api.app.get(ApiEvents).on('forecast.snapshot', (s) => void snapshots.push(s));
  }, 60_000);
  afterAll(async () => api?.app.close());

  it('leaves the given-away server out of the alerts and the snapshot, and keeps the others', async () => {
    const alerts = api.app.get(AlertsService);
    for (const server of [SERVER, OTHER]) {
      const res = await api.post('/feed/data', { records: history(server, 150, (i) => Math.min(97, 40 + i * 0.45), 'web_api') });
      expect(res.status).toBe(200);
    }
    // held hot past ALERT_FOR, a pass per 5-minute step, so both alerts fire
    for (let t = END; t <= END + 1200; t += 300) {
      expect((await api.post('/feed/data', { records: [hot(SERVER, t), hot(OTHER, t)] })).status).toBe(200);
      await api.inference.pass();
    }
    expect(alerts.forServer(SERVER).map((a) => a.metric)).toContain('cpu_percent');

    // the next pass waits in the model until the server is given away
    const runtime = api.app.get<ModelRuntime>(MODEL_RUNTIME);
    const gated: ModelProvider[] = [runtime.heuristic, ...(runtime.tft ? [runtime.tft] : [])];
    let reached!: () => void;
    const inModel = new Promise<void>((r) => (reached = r));
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const originals = gated.map((p) => p.forecast.bind(p));
    gated.forEach((provider, i) => {
      provider.forecast = async (requests) => {
        reached();
        await gate;
        return originals[i](requests);
      };
    });
    expect((await api.post('/feed/data', { records: [hot(SERVER, END + 1500), hot(OTHER, END + 1500)] })).status).toBe(200);
    snapshots.length = 0;
    const pass = api.inference.pass();
    await inModel;
    away.add(SERVER); // as ClusterService gives a partition away: no longer forecast, then released
    api.inference.release([SERVER]);
    open();
    expect(await pass).toBeGreaterThan(0);
    gated.forEach((provider, i) => (provider.forecast = originals[i]));

    expect(alerts.stateOf(SERVER)).toEqual({ lifecycle: {}, firing: [], resolved: [] });
    const [snapshot] = snapshots;
    expect(snapshot.forecasts.map((f) => f.server)).toEqual([OTHER]);
    expect(snapshot.alerts.firing.map((a) => a.server)).toEqual([OTHER]);
    expect(snapshot.alerts.handedOver).toHaveLength(1); // SERVER's cpu alert, now its next owner's
  }, 120_000);
});
