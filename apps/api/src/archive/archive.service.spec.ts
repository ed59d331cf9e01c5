import { mkdtempSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../config/api-config';
import { ApiEvents } from '../snapshot/api-events';
import { DEFAULT_GRID } from '../step-grid';
import { WindowService, type AcceptedSample } from '../window/window.service';
import { SqliteWindowStore } from '../window/window.store';
import { ArchiveService, NO_ARCHIVE_MESSAGE } from './archive.service';
import { archiveFileName, SqliteArchive, type ArchiveRow, type ArchiveStore, type ExportFilter } from './archive.store';
import { csvChunks, EXPORT_CHUNK_BYTES } from './export-csv';

const T = Date.UTC(2026, 0, 5, 12) / 1000;
const S = 300;
const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

function sample(server: string, time: number, values: number[], weights?: number[]): AcceptedSample {
  return { index: 0, server, profile: null, time, values, ...(weights ? { weights } : {}) };
}

/** A window service and an archive wired through the api's events, on temporary SQLite files. */
function setup(env: Record<string, string> = {}, dirs = { windows: tmp(), archive: tmp() }) {
  const config = loadApiConfig(env);
  const events = new ApiEvents();
  const windows = new WindowService(config, DEFAULT_GRID, new SqliteWindowStore(dirs.windows, S, 'NORMAL'), events);
  windows.onModuleInit();
  const store = new SqliteArchive(dirs.archive, archiveFileName(null), S);
  const archive = new ArchiveService(config, store, windows, events);
  archive.onApplicationBootstrap();
  const rows = (filter: ExportFilter = {}) => {
    const reader = store.openReader(filter);
    try {
      return [...csvChunks(reader)].join('').split('\n').slice(1, -1);
    } finally {
      reader.close();
    }
  };
  const close = () => {
    windows.onModuleDestroy();
    archive.onApplicationShutdown();
  };
  return { windows, archive, store, rows, close, dirs };
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'tft-archive-svc-'));
}

describe('ArchiveService', () => {
  it('archives a step when it closes, with the means of its samples, and rewrites it when a late sample changes it', async () => {
    const { windows, rows, close } = setup();
    await windows.apply([sample('ppdb0001', T, [10, 50, 30, 1]), sample('ppdb0001', T + 60, [20, 52, 30, 2])]);
    expect(rows()).toEqual([]); // the step is still open
    await windows.apply([sample('ppdb0001', T + S, [30, 54, 31, 3])]);
    expect(rows()).toEqual([`${iso(T)},ppdb0001,15,51,30,1.5,database`]);
    await windows.apply([sample('ppdb0001', T + 120, [45, 50, 30, 3])]); // late, into the closed step
    expect(rows()).toEqual([`${iso(T)},ppdb0001,25,50.6667,30,2,database`]);
    await windows.apply([sample('ppdb0001', T + 3 * S, [40, 55, 32, 4])]); // skips a step: the gap stays empty
    expect(rows()).toEqual([`${iso(T)},ppdb0001,25,50.6667,30,2,database`, `${iso(T + S)},ppdb0001,30,54,31,3,database`]);
    close();
  });

  it('archives what the requests of one commit closed, server by server, and leaves a metric never sent empty', async () => {
    const { windows, rows, close } = setup();
    // remote-write style partial samples: web-1 never sends its load
    const commit = Promise.all([
      windows.apply([sample('web-1', T, [10, 20, 30, 0], [1, 1, 1, 0]), sample('web-2', T, [1, 2, 3, 4])]),
      windows.apply([sample('web-1', T + S, [11, 21, 31, 0], [1, 1, 1, 0])]),
      windows.apply([sample('web-2', T + S + 5, [5, 6, 7, 8])]),
    ]);
    await commit;
    expect(rows()).toEqual([`${iso(T)},web-1,10,20,30,,`, `${iso(T)},web-2,1,2,3,4,`]);
    close();
  });

  it('archives every step of a request longer than the windows keep (a backfill), not only the retained ones', async () => {
    const { windows, rows, close } = setup({ RETENTION_STEPS: '300' });
    expect(windows.retentionSteps).toBe(300);
    // one request of 700 steps for one server, then one of 10 more: all but the last step are closed
    const step = (k: number) => sample('host-1', T + k * S, [k % 100, 50, 30, 1]);
    await windows.apply(Array.from({ length: 700 }, (_, k) => step(k)));
    await windows.apply(Array.from({ length: 10 }, (_, k) => step(700 + k)));
    const archived = rows();
    expect(archived).toHaveLength(709);
    expect(archived[0]).toBe(`${iso(T)},host-1,0,50,30,1,`);
    expect(archived[708]).toBe(`${iso(T + 708 * S)},host-1,8,50,30,1,`);
    close();
  });

  it('catches up at startup with the closed steps the restored windows hold and the archive lacks', async () => {
    const first = setup({ ARCHIVE_RETENTION: '0' }); // the windows' commits are stored, nothing archived
    await first.windows.apply([0, 1, 2, 3].map((i) => sample('ppweb0001', T + i * S, [10 + i, 20, 30, 1])));
    first.close();
    const dirs = first.dirs;
    // the archive file lacks them all: a fresh start archives the three closed steps
    const second = setup({}, dirs);
    expect(second.rows()).toEqual([0, 1, 2].map((i) => `${iso(T + i * S)},ppweb0001,${10 + i},20,30,1,web_api`));
    second.close();
    // nothing is written twice: a later start finds nothing missing
    const third = setup({}, dirs);
    expect(third.store.countRows()).toBe(3);
    await third.windows.apply([sample('ppweb0001', T + 4 * S, [14, 20, 30, 1])]);
    expect(third.rows()).toHaveLength(4);
    third.close();
  });

  it("archives a stale server's last step once, since no next step will close it", async () => {
    const { windows, archive, rows, close } = setup({ STALE_AFTER: '15m' });
    await windows.apply([sample('gone-1', T, [1, 2, 3, 4]), sample('gone-1', T + S, [5, 6, 7, 8]), sample('live-1', T, [1, 1, 1, 1])]);
    expect(archive.archiveStaleSteps()).toBe(0);
    await windows.apply([sample('live-1', T + 25 * 60, [2, 2, 2, 2])]); // data time moves on, gone-1 is stale
    expect(archive.archiveStaleSteps()).toBe(1);
    expect(archive.archiveStaleSteps()).toBe(0);
    expect(rows({ servers: ['gone-1'] })).toEqual([`${iso(T)},gone-1,1,2,3,4,`, `${iso(T + S)},gone-1,5,6,7,8,`]);
    close();
  });

  it('prunes what lies ARCHIVE_RETENTION of data time before the newest sample, beyond the windows', async () => {
    const { windows, archive, rows, store, close } = setup({ ARCHIVE_RETENTION: '1h', RETENTION_STEPS: '289' });
    // 3 h of one sample per step: 35 closed steps archived, the newest open
    await windows.apply(Array.from({ length: 36 }, (_, i) => sample('ppdb0001', T + i * S, [i, 1, 1, 1])));
    expect(store.countRows()).toBe(35);
    expect(await archive.prune()).toBe(35 - 12); // data time T + 35 steps: steps from T + 23 steps on stay
    expect(rows().map((l) => l.split(',')[0])).toEqual(Array.from({ length: 12 }, (_, i) => iso(T + (23 + i) * S)));
    expect(await archive.prune()).toBe(0);
    close();
  });

  it('reads the archive only as fast as the client drains the response, and stops reading when it goes away', async () => {
    const config = loadApiConfig({});
    const windows = new WindowService(config, DEFAULT_GRID, new SqliteWindowStore(tmp(), S, 'NORMAL'));
    let pulled = 0;
    let closed = false;
    // a million rows, made only as they are asked for
    const store = {
      openReader: () => ({
        servers: new Map([[1, { name: 'ppdb0001', profile: 'database' }]]),
        *rows() {
          for (let i = 0; i < 1_000_000; i++, pulled++) yield [T + i * S, 1, 100_000, 200_000, 300_000, 10_000] as ArchiveRow;
        },
        close: () => (closed = true),
      }),
    } as unknown as ArchiveStore;
    const archive = new ArchiveService(config, store, windows, new ApiEvents());
    // a client that reads nothing: the response's buffers fill and stay full
    const res = Object.assign(new PassThrough({ highWaterMark: 16 * 1024 }), {
      status: () => res,
      setHeader: () => res,
    });
    archive.sendExport({}, { method: 'GET', headers: {} } as Request, res as unknown as Response);
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    const rowBytes = 60;
    expect(pulled).toBeGreaterThan(0);
    expect(pulled).toBeLessThan((4 * EXPORT_CHUNK_BYTES) / rowBytes); // a few chunks, not the million rows
    const before = pulled;
    const first = res.read(16 * 1024) as Buffer;
    expect(first.toString().split('\n')[0]).toBe('timestamp,server_name,cpu_percent,memory_percent,disk_percent,load_average,profile');
    res.destroy(); // the client goes away
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(closed).toBe(true);
    expect(pulled - before).toBeLessThan((2 * EXPORT_CHUNK_BYTES) / rowBytes);
  });

  it('answers 404 on an export while no archive is kept', () => {
    const config = loadApiConfig({ ARCHIVE_RETENTION: '0' });
    const windows = new WindowService(config, DEFAULT_GRID, new SqliteWindowStore(tmp(), S, 'NORMAL'));
    const archive = new ArchiveService(config, null, windows, new ApiEvents());
    expect(archive.enabled).toBe(false);
    expect(() => archive.sendExport({}, {} as Request, {} as Response)).toThrow(new NotFoundException(NO_ARCHIVE_MESSAGE));
  });
});
