import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../config/api-config';
import { DEFAULT_GRID } from '../step-grid';
import { SqliteWindowStore, type WindowStore } from './window.store';
import { StoreWriteError, WindowService, type AcceptedSample } from './window.service';

const T = Date.UTC(2026, 0, 5, 12) / 1000;

function sample(index: number, server: string, time: number, cpu = 10): AcceptedSample {
  return { index, server, profile: null, time, values: [cpu, 20, 30, 1] };
}

function service(store: WindowStore): WindowService {
  const s = new WindowService(loadApiConfig({}), DEFAULT_GRID, store);
  s.onModuleInit();
  return s;
}

describe('WindowService', () => {
  it('persists what it acknowledges and restores it into a fresh service', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tft-window-'));
    const a = service(new SqliteWindowStore(dir, 300, 'NORMAL'));
    const r = await a.apply([sample(0, 'ppdb0001', T), sample(1, 'ppdb0001', T + 300, 20), sample(2, 'web-1', T + 5)]);
    expect(r).toEqual({
      added: 3,
      serversWithClosedChanges: 1,
      duplicates: [],
      tooOld: [],
    }); // ppdb0001's first step closed
    expect(a.get('ppdb0001')!.profile).toBe('database'); // inferred from the prefix
    expect(a.bucketCount()).toBe(3);
    a.onModuleDestroy();

    const b = service(new SqliteWindowStore(dir, 300, 'NORMAL'));
    expect(b.size).toBe(2);
    expect(b.bucketCount()).toBe(3);
    expect(b.get('ppdb0001')!.window.series(true)).toEqual(
      expect.objectContaining({
        t0: T,
        length: 2,
        samples: Uint32Array.of(1, 1),
      }),
    );
    expect(await b.apply([sample(0, 'ppdb0001', T)])).toEqual({
      added: 0,
      serversWithClosedChanges: 0,
      duplicates: [0],
      tooOld: [],
    });
    // the data clock resumes at the newest sample's second, not at its bucket's start
    expect(b.get('ppdb0001')!.lastSample).toBe(T + 300);
    expect(b.get('web-1')!.lastSample).toBe(T + 5);
    expect(b.dataTime()).toBe(T + 300);
  });

  it('acknowledges nothing and keeps memory equal to disk when the store cannot write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tft-window-'));
    const real = new SqliteWindowStore(dir, 300, 'NORMAL');
    let failing = false;
    const flaky: WindowStore = Object.assign(Object.create(real) as WindowStore, {
      commit: (...args: Parameters<WindowStore['commit']>) => {
        if (failing) throw new Error('SQLITE_FULL: database or disk is full');
        return real.commit(...args);
      },
    });
    const s = service(flaky);
    await s.apply([sample(0, 'ppweb0001', T)]);
    failing = true;
    await expect(s.apply([sample(0, 'ppweb0001', T + 60, 90), sample(1, 'ppnew0001', T)])).rejects.toThrow(StoreWriteError);
    expect(s.get('ppnew0001')).toBeUndefined();
    expect(s.get('ppweb0001')!.window.bucket(T)!.count).toBe(1);
    expect(s.bucketCount()).toBe(1);
    failing = false;
    expect((await s.apply([sample(0, 'ppweb0001', T + 60, 90)])).added).toBe(1);
  });

  it('commits the requests of one event-loop turn together, each bucket once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tft-window-'));
    const real = new SqliteWindowStore(dir, 300, 'NORMAL');
    const commits: { created: string[]; writes: number }[] = [];
    let failing = false;
    const counting: WindowStore = Object.assign(Object.create(real) as WindowStore, {
      commit: (...args: Parameters<WindowStore['commit']>) => {
        commits.push({
          created: args[0].map((s) => s.name),
          writes: args[2].length,
        });
        if (failing) throw new Error('SQLITE_IOERR: disk I/O error');
        return real.commit(...args);
      },
    });
    const s = service(counting);
    // three requests in one turn: two touch ppweb0001's same step, one creates a server
    const results = await Promise.all([
      s.apply([sample(0, 'ppweb0001', T), sample(1, 'ppdb0001', T)]),
      s.apply([sample(0, 'ppweb0001', T + 5, 30)]),
      s.apply([sample(0, 'ppweb0001', T + 10, 50), sample(1, 'ppweb0001', T + 10)]),
    ]);
    expect(results.map((r) => [r.added, r.duplicates])).toEqual([
      [2, []],
      [1, []],
      [1, [1]],
    ]);
    expect(commits).toEqual([{ created: ['ppweb0001', 'ppdb0001'], writes: 2 }]);
    expect(s.bucketCount()).toBe(2);

    // the next turn is a new transaction; when it fails, every request of that group fails
    failing = true;
    const failed = await Promise.allSettled([s.apply([sample(0, 'ppweb0001', T + 300)]), s.apply([sample(0, 'ppetl0001', T)])]);
    expect(failed.map((f) => f.status)).toEqual(['rejected', 'rejected']);
    expect(commits).toHaveLength(2);
    expect(s.get('ppetl0001')).toBeUndefined();
    expect(s.bucketCount()).toBe(2);

    // what was acknowledged is what a restart finds, with the three samples of the shared step
    failing = false;
    s.onModuleDestroy();
    const again = service(new SqliteWindowStore(dir, 300, 'NORMAL'));
    expect(again.get('ppweb0001')!.window.bucket(T)!.count).toBe(3);
    expect(again.get('ppweb0001')!.window.bucket(T)!.sums[0]).toBe(10 + 30 + 50);
    expect(again.bucketCount()).toBe(2);
  });

  it('persists partial samples per metric and reads stores written before per-metric counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tft-window-'));
    const a = service(new SqliteWindowStore(dir, 300, 'NORMAL'));
    await a.apply([
      { index: 0, server: 'node-1', profile: null, time: T + 10, values: [40, NaN, NaN, 2], weights: [4, 0, 0, 1] },
      { index: 1, server: 'node-1', profile: null, time: T + 20, values: [NaN, 55, NaN, NaN], weights: [0, 1, 0, 0] },
      sample(2, 'web-1', T + 5),
    ]);
    a.onModuleDestroy();
    // a store as the previous release wrote it: no metric_counts column
    const legacy = new Database(join(dir, 'windows.sqlite'));
    legacy.exec('UPDATE buckets SET metric_counts = NULL');
    legacy.exec('ALTER TABLE buckets DROP COLUMN metric_counts');
    legacy.close();

    const b = service(new SqliteWindowStore(dir, 300, 'NORMAL'));
    // the partial counts were lost with the column; the legacy reading counts every metric once per sample
    expect([...b.get('web-1')!.window.series(true)!.values]).toEqual([10, 20, 30, 1]);
    b.onModuleDestroy();

    const c = service(new SqliteWindowStore(dir, 300, 'NORMAL'));
    await c.apply([{ index: 0, server: 'node-2', profile: null, time: T + 10, values: [NaN, NaN, 70, NaN], weights: [0, 0, 1, 0] }]);
    c.onModuleDestroy();
    const d = service(new SqliteWindowStore(dir, 300, 'NORMAL'));
    const s = d.get('node-2')!.window.series(true)!;
    expect([...s.values]).toEqual([0, 0, 70, 0]);
    expect([...s.mask]).toEqual([0, 0, 1, 0]);
    d.onModuleDestroy();
  });

  it('refuses a data directory written with another step', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tft-window-'));
    new SqliteWindowStore(dir, 300).close();
    expect(() => new SqliteWindowStore(dir, 60)).toThrow(/holds 300 s buckets but the model steps 60 s/);
  });
});
