import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOutcome, newRecord } from '@tft/forecasting';
import { AlertsService } from '../src/alerts/alerts.service';
import { sliceKeyOf, TRACK_RECORD_BUCKET, TRACK_RECORD_TTL_MS, TrackRecordExchange } from '../src/cluster/track-record-exchange';
import { loadApiConfig } from '../src/config/api-config';
import type { ModelRuntime } from '../src/model/model-provider';
import { ApiEvents } from '../src/snapshot/api-events';
import { DEFAULT_GRID } from '../src/step-grid';
import { TrackRecordService } from '../src/track-record/track-record.service';
import { SqliteTrackRecordStore, type StoredSlice } from '../src/track-record/track-record.store';
import type { WindowService } from '../src/window/window.service';
import { startNatsServer, type NatsServer } from './nats-server';

const NOW = Math.floor(Date.UTC(2026, 0, 5, 12) / 1000);
const DAY = Math.floor(NOW / 86_400) * 86_400;

/** A replica's record as the exchange sees it: what it shares, and what it folds in. */
function sharing(slices: StoredSlice[]) {
  return { takeShared: () => slices.splice(0), mergePeer: () => undefined } as unknown as TrackRecordService;
}

function outcomes(scope: string, hits: number): StoredSlice {
  const sums = newRecord();
  for (let i = 0; i < hits; i++) countOutcome(sums, 'hit');
  return { scope, span: 86_400, start: DAY, sums };
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(check(), what).toBe(true);
}

describe('cluster mode: every replica shows the whole fleet record (real nats-server)', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let kv: KV;
  const exchanges: TrackRecordExchange[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await nats.connect();
    kv = await new Kvm(nc).create(TRACK_RECORD_BUCKET, { history: 1, ttl: TRACK_RECORD_TTL_MS });
  }, 30_000);
  afterAll(async () => {
    exchanges.forEach((e) => e.onApplicationShutdown());
    await nc?.close();
    await nats?.stop();
  });

  it("folds the other replicas' fleet and profile slices into its own, the newest of each replacing the one before", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tft-record-'));
    const config = (replica: string) => loadApiConfig({ DATA_DIR: dataDir, NATS_URL: nats.url, REPLICA_ID: replica });
    // replica b: a real record with no score of its own
    const windows = { dataTime: () => NOW, all: () => [][Symbol.iterator](), get: () => undefined } as unknown as WindowService;
    const b = new TrackRecordService(
      config('b'),
      DEFAULT_GRID,
      { tft: null, grid: DEFAULT_GRID } as unknown as ModelRuntime,
      new SqliteTrackRecordStore(dataDir, 'track-record-b.sqlite', 300),
      windows,
      new AlertsService(config('b')),
      new ApiEvents(),
    );
    b.onApplicationBootstrap();
    const watching = new TrackRecordExchange(config('b'), kv, b, new ApiEvents());
    watching.onApplicationBootstrap();
    // replica a shares what its servers scored
    const aSlices = [outcomes('fleet', 2), outcomes('profile:database', 2)];
    const a = new TrackRecordExchange(config('a'), kv, sharing(aSlices), new ApiEvents());
    exchanges.push(watching, a);
    await a.send();
    await until("a's slices reach b", () => b.fleet('7d').alerts.hit === 2);
    expect(b.profiles('7d').map((p) => [p.profile, p.block.alerts.hit])).toEqual([['database', 2]]);
    // a later version of the same slice replaces the earlier one
    aSlices.push(outcomes('fleet', 3));
    await a.send();
    await until('the newer slice replaces the older', () => b.fleet('7d').alerts.hit === 3);
    // b's own entries in the bucket (from before a restart) are not counted twice
    await kv.put(sliceKeyOf('b', outcomes('fleet', 5)), new Uint8Array(outcomes('fleet', 5).sums.buffer));
    aSlices.push(outcomes('fleet', 4));
    await a.send();
    await until("a's newest slice arrives", () => b.fleet('7d').alerts.hit === 4);
    expect(b.fleet('24h').alerts.hit).toBe(0); // shared daily slices are not hourly ones
    b.onApplicationShutdown();
  });
});
