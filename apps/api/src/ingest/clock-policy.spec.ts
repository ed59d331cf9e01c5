import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../config/api-config';
import { DEFAULT_GRID } from '../step-grid';
import { SqliteWindowStore } from '../window/window.store';
import { WindowService } from '../window/window.service';
import type { LatestPass } from '../snapshot/latest-pass';
import { ApiMetrics } from '../metrics/api-metrics';
import type { ServerLimits } from './server-limits';
import { IngestService, InvalidClockOffsetError } from './ingest.service';

const WALL = Date.UTC(2026, 11, 1, 9) / 1000;

function setup(env: Record<string, string> = {}) {
  const config = loadApiConfig({
    DATA_DIR: mkdtempSync(join(tmpdir(), 'tft-clock-')),
    ...env,
  });
  const store = new SqliteWindowStore(config.dataDir, 300, 'NORMAL');
  const windows = new WindowService(config, DEFAULT_GRID, store);
  windows.onModuleInit();
  let now = WALL;
  const ingest = new IngestService(
    config,
    { now: () => now * 1000 },
    windows,
    windows,
    { stats: { count: 0 } } as LatestPass,
    new ApiMetrics(new Registry()),
    { admit: (samples: readonly unknown[]) => ({ admitted: [...samples], refused: [] }) } as unknown as ServerLimits,
  );
  /** What is stored, on disk and in memory, as comparable text. */
  const snapshot = (): string => {
    const rows: string[] = [];
    store.forEachBucket((id, b) => rows.push(`${id}@${b.start}:${[...b.sums].join(',')}/${b.count}`));
    const memory = [...windows.all()].map((e) => `${e.name}:${e.window.newest}:${JSON.stringify(e.window.series(true))}`);
    return JSON.stringify({
      servers: store.servers(),
      rows,
      memory,
      data: windows.dataTime(),
    });
  };
  return {
    ingest,
    windows,
    snapshot,
    advance: (s: number) => (now += s),
    now: () => now,
    close: () => windows.onModuleDestroy(),
  };
}

const record = (server: string, time: number, cpu = 40) => ({
  timestamp: new Date(time * 1000).toISOString(),
  server_name: server,
  cpu_percent: cpu,
  memory_percent: 50,
  disk_percent: 30,
  load_average: 1,
});

describe('clock policy: samples from a wrong clock', () => {
  it('refuses a far-future sample with a reason naming the skew, and the server keeps its history', async () => {
    const t = setup();
    const history = Array.from({ length: 24 }, (_, i) => record('ppdb0001', WALL - (24 - i) * 300));
    expect((await t.ingest.ingest(history)).added).toBe(24);
    const before = t.snapshot();
    const out = await t.ingest.ingest([record('ppdb0001', Date.UTC(2030, 0, 1) / 1000), record('ppnew0001', Date.UTC(2099, 0, 1) / 1000)]);
    expect(out.added).toBe(0);
    expect(out.rejected).toHaveLength(2);
    expect(out.rejected[0]).toMatchObject({ index: 0, field: 'timestamp' });
    expect(out.rejected[0].reason).toContain("timestamp 2030-01-01T00:00:00Z is 97340400 s ahead of the api's clock (2026-12-01T09:00:00Z");
    expect(out.rejected[0].reason).toContain('MAX_FUTURE_SKEW=300 s');
    expect(t.snapshot()).toBe(before);
    // neither server is locked out: current samples are accepted
    const next = await t.ingest.ingest([record('ppdb0001', WALL + 10), record('ppnew0001', WALL + 10)]);
    expect(next).toMatchObject({ added: 2, rejected: [] });
    expect(t.windows.get('ppdb0001')!.window.bucketCount()).toBe(25);
    t.close();
  });

  it('accepts up to MAX_FUTURE_SKEW ahead, and what a sender declares with X-Clock-Offset on top', async () => {
    const t = setup({ MAX_FUTURE_SKEW: '2m' });
    expect((await t.ingest.ingest([record('a', WALL + 120)])).added).toBe(1);
    expect((await t.ingest.ingest([record('a', WALL + 121)])).rejected).toHaveLength(1);
    const hours10 = 10 * 3600;
    expect((await t.ingest.ingest([record('a', WALL + hours10)], hours10)).added).toBe(1);
    expect((await t.ingest.ingest([record('a', WALL + hours10 + 200)], hours10)).rejected[0].reason).toContain(
      "is 200 s ahead of the api's clock (2026-12-01T19:00:00Z",
    );
    t.close();
  });

  it('validates the declared offset', () => {
    expect(IngestService.clockOffset(undefined)).toBe(0);
    expect(IngestService.clockOffset('36000')).toBe(36000);
    expect(() => IngestService.clockOffset('soon')).toThrow(
      new InvalidClockOffsetError('x-clock-offset must be a number of seconds in 0..31622400 (got "soon")'),
    );
    expect(() => IngestService.clockOffset('-5')).toThrow(InvalidClockOffsetError);
  });

  it('property: a refused sample never changes stored data, and no sequence locks a server out', async () => {
    const servers = ['ppdb0001', 'ppweb0001', 'ppnew0001'];
    // each event: which server, and a time relative to the wall clock of that moment
    const offset = fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: -600, max: 0 }) }, // normal, a little late
      { weight: 2, arbitrary: fc.integer({ min: 1, max: 600 }) }, // slightly ahead: inside or just past the 5-min skew
      {
        weight: 1,
        arbitrary: fc.constantFrom(Date.UTC(2030, 0, 1) / 1000 - WALL, Date.UTC(2099, 5, 1) / 1000 - WALL, 3 * 86400),
      }, // far future
      {
        weight: 1,
        arbitrary: fc.constantFrom(Date.UTC(2001, 0, 1) / 1000 - WALL, -2 * 86400, -30 * 86400),
      }, // far past
    );
    const event = fc.record({
      server: fc.constantFrom(...servers),
      offset,
      advance: fc.integer({ min: 0, max: 900 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 5, maxLength: 30 }), async (events) => {
        const t = setup();
        try {
          for (const e of events) {
            t.advance(e.advance);
            const before = t.snapshot();
            const out = await t.ingest.ingest([record(e.server, t.now() + e.offset)]);
            if (out.rejected.length) expect(t.snapshot()).toBe(before);
            if (e.offset > 300) expect(out.rejected).toHaveLength(1);
          }
          // whatever came before, a sample at the current wall clock is accepted for every server
          t.advance(1);
          const now = await t.ingest.ingest(servers.map((s) => record(s, t.now())));
          expect(now.rejected).toEqual([]);
        } finally {
          t.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
