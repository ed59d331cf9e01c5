import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClosedStep } from '../snapshot/closed-step';
import { archiveFileName, SqliteArchive, type ExportFilter } from './archive.store';
import { csvChunks } from './export-csv';

const T = Date.UTC(2026, 0, 5, 12) / 1000;
const S = 300;
const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

function step(server: string, start: number, values: number[], profile: string | null = null): ClosedStep {
  return { server, profile, start, means: Float64Array.from(values) };
}

function open(dir = mkdtempSync(join(tmpdir(), 'tft-archive-'))): SqliteArchive {
  return new SqliteArchive(dir, archiveFileName(null), S);
}

/** The CSV of `filter`, line by line, header first. */
function exportLines(archive: SqliteArchive, filter: ExportFilter = {}): string[] {
  const reader = archive.openReader(filter);
  try {
    return [...csvChunks(reader)].join('').split('\n').slice(0, -1);
  } finally {
    reader.close();
  }
}

/** Three servers over four steps: ppdb0001 (database), ppweb0001 (web_api), host-1 (no profile). */
function filled(): SqliteArchive {
  const a = open();
  for (let i = 0; i < 4; i++) {
    a.write([
      step('ppdb0001', T + i * S, [10 + i, 50, 30.5, 1.25], 'database'),
      step('ppweb0001', T + i * S, [20 + i, 60, 40, 2], 'web_api'),
      step('host-1', T + i * S, [30 + i, 70, 50, 3]),
    ]);
  }
  return a;
}

describe('SqliteArchive', () => {
  it('keeps each step as the contract CSV reads it: oldest first, 4 decimals, an empty cell for a missing metric', () => {
    const a = open();
    a.write([
      step('ppweb0001', T + S, [12.34567, 45.5, 70, 0.00004], 'web_api'),
      step('ppdb0001', T, [10, Number.NaN, 30.25, 1.5], 'database'),
      step('ppweb0001', T, [11, 45, 70, 0.5], 'web_api'),
    ]);
    expect(exportLines(a)).toEqual([
      'timestamp,server_name,cpu_percent,memory_percent,disk_percent,load_average,profile',
      `${iso(T)},ppweb0001,11,45,70,0.5,web_api`,
      `${iso(T)},ppdb0001,10,,30.25,1.5,database`,
      `${iso(T + S)},ppweb0001,12.3457,45.5,70,0,web_api`,
    ]);
    expect(a.countRows()).toBe(3);
  });

  it('rewrites a step written again (a late sample changed it) and follows a new profile', () => {
    const a = open();
    a.write([step('host-1', T, [10, 20, 30, 1])]);
    a.write([step('host-1', T, [15, 20, 30, 1], 'generic'), step('host-1', T + S, [16, 21, 31, 1], 'generic')]);
    expect(exportLines(a).slice(1)).toEqual([`${iso(T)},host-1,15,20,30,1,generic`, `${iso(T + S)},host-1,16,21,31,1,generic`]);
    expect(a.countRows()).toBe(2);
  });

  it('keeps its server index equal to the file when a write fails', () => {
    const a = open();
    const broken = { ...step('host-2', T, [1, 1, 1, 1]), server: null } as unknown as ClosedStep;
    expect(() => a.write([step('host-1', T, [1, 1, 1, 1]), broken])).toThrow(/NOT NULL/);
    expect(a.serverCount).toBe(0); // host-1's registration was rolled back with the rest
    a.write([step('host-3', T, [3, 3, 3, 3])]);
    a.write([step('host-1', T, [1, 1, 1, 1])]);
    expect(exportLines(a).slice(1)).toEqual([`${iso(T)},host-3,3,3,3,3,`, `${iso(T)},host-1,1,1,1,1,`]);
  });

  it('selects by since (inclusive) and until (exclusive)', () => {
    const a = filled();
    const times = (f: ExportFilter) => [
      ...new Set(
        exportLines(a, f)
          .slice(1)
          .map((l) => l.split(',')[0]),
      ),
    ];
    expect(times({})).toEqual([iso(T), iso(T + S), iso(T + 2 * S), iso(T + 3 * S)]);
    expect(times({ since: T + S })).toEqual([iso(T + S), iso(T + 2 * S), iso(T + 3 * S)]);
    expect(times({ until: T + 2 * S })).toEqual([iso(T), iso(T + S)]);
    expect(times({ since: T + S, until: T + 2 * S })).toEqual([iso(T + S)]);
    expect(times({ since: T + 1, until: T + S + 1 })).toEqual([iso(T + S)]);
    expect(times({ since: T + 10 * S })).toEqual([]);
    expect(exportLines(a, { since: T + 10 * S })).toHaveLength(1); // the header alone
  });

  it('selects by servers and by profile, alone or together, within a time range', () => {
    const a = filled();
    const rows = (f: ExportFilter) => exportLines(a, f).slice(1);
    expect(rows({ servers: ['host-1'] })).toEqual([0, 1, 2, 3].map((i) => `${iso(T + i * S)},host-1,${30 + i},70,50,3,`));
    expect(rows({ servers: ['ppweb0001', 'ppdb0001'], since: T + 2 * S })).toEqual([
      `${iso(T + 2 * S)},ppdb0001,12,50,30.5,1.25,database`,
      `${iso(T + 2 * S)},ppweb0001,22,60,40,2,web_api`,
      `${iso(T + 3 * S)},ppdb0001,13,50,30.5,1.25,database`,
      `${iso(T + 3 * S)},ppweb0001,23,60,40,2,web_api`,
    ]);
    expect(rows({ profiles: ['web_api'], until: T + S })).toEqual([`${iso(T)},ppweb0001,20,60,40,2,web_api`]);
    expect(rows({ profiles: ['web_api', 'database'] }).map((l) => l.split(',')[1])).toEqual(
      Array(4).fill(['ppdb0001', 'ppweb0001']).flat(),
    );
    expect(rows({ servers: ['host-1', 'ppdb0001'], profiles: ['database'], until: T + S })).toEqual([
      `${iso(T)},ppdb0001,10,50,30.5,1.25,database`,
    ]);
    expect(rows({ servers: ['nobody'] })).toEqual([]);
    expect(rows({ profiles: ['ml_compute'] })).toEqual([]);
  });

  it('prunes a step at a time up to the cut-off, then forgets the servers left without rows', () => {
    const a = open();
    // host-old stops after the first day; host-live reports throughout
    for (let day = 0; day < 4; day++) {
      const start = T + day * 86400;
      a.write([step('host-live', start, [1, 2, 3, 4]), step('host-live', start + S, [1, 2, 3, 4])]);
      if (day === 0) a.write([step('host-old', start, [5, 6, 7, 8])]);
    }
    expect(a.countRows()).toBe(9);
    const before = T + 2 * 86400 + S; // keeps day 2's second step and everything after
    const deleted: number[] = [];
    for (let n = a.pruneOldestStep(before); n > 0; n = a.pruneOldestStep(before)) deleted.push(n);
    // one step per call: day 0's first (both servers), its second, day 1's two, day 2's first
    expect(deleted).toEqual([2, 1, 1, 1, 1]);
    expect(a.countRows()).toBe(3);
    expect(a.pruneOldestStep(before)).toBe(0);
    expect(
      exportLines(a)
        .slice(1)
        .map((l) => l.split(',')[0]),
    ).toEqual([iso(T + 2 * 86400 + S), iso(T + 3 * 86400), iso(T + 3 * 86400 + S)]);

    // a server goes once its last step lies a day before the cut-off (the slack its last_start is kept with)
    expect(a.dropServersBefore(T + 86400)).toEqual([]);
    expect(a.dropServersBefore(before)).toEqual(['host-old']);
    expect(a.serverCount).toBe(1);
    a.write([step('host-old', T + 3 * 86400, [9, 9, 9, 9])]); // back again: a new server row
    expect(exportLines(a, { servers: ['host-old'] }).slice(1)).toEqual([`${iso(T + 3 * 86400)},host-old,9,9,9,9,`]);
  });

  it('keeps a server whose newer steps are archived, however old its first one', () => {
    const a = open();
    for (let day = 0; day < 5; day++) a.write([step('host-1', T + day * 86400, [1, 1, 1, 1])]);
    const before = T + 4 * 86400;
    while (a.pruneOldestStep(before) > 0);
    expect(a.dropServersBefore(before)).toEqual([]);
    expect(exportLines(a).slice(1)).toEqual([`${iso(T + 4 * 86400)},host-1,1,1,1,1,`]);
  });

  it('reads a fixed snapshot on its own connection while writes and pruning go on', () => {
    const a = filled();
    const reader = a.openReader({});
    const rows = reader.rows();
    expect(rows.next().value).toEqual([T, 1, 100_000, 500_000, 305_000, 12_500]);
    a.write([step('late-1', T + 10 * S, [1, 1, 1, 1])]);
    while (a.pruneOldestStep(T + 2 * S) > 0);
    expect([...rows]).toHaveLength(11); // the other 11 of the 12 rows it started with
    reader.close();
    expect(a.countRows()).toBe(7);
  });

  it('reopens with its server index and refuses a file of another step', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tft-archive-'));
    const a = open(dir);
    a.write([step('ppdb0001', T, [1, 2, 3, 4], 'database')]);
    a.close();
    const b = open(dir);
    expect(b.serverCount).toBe(1);
    b.write([step('ppdb0001', T + S, [5, 6, 7, 8], 'database')]);
    expect(exportLines(b).slice(1)).toEqual([`${iso(T)},ppdb0001,1,2,3,4,database`, `${iso(T + S)},ppdb0001,5,6,7,8,database`]);
    b.close();
    expect(() => new SqliteArchive(dir, archiveFileName(null), 60)).toThrow(/archives 300 s steps but the model steps 60 s/);
  });

  it('names the file per replica in cluster mode', () => {
    expect(archiveFileName(null)).toBe('archive.sqlite');
    expect(archiveFileName('api-2')).toBe('archive-api-2.sqlite');
  });

  it('finds each server’s newest archived step from a time on', () => {
    const a = filled();
    a.write([step('ppdb0001', T + 9 * S, [1, 1, 1, 1], 'database')]);
    expect(a.newestSteps(T + S)).toEqual(
      new Map([
        ['ppdb0001', T + 9 * S],
        ['ppweb0001', T + 3 * S],
        ['host-1', T + 3 * S],
      ]),
    );
    expect(a.newestSteps(T + 5 * S)).toEqual(new Map([['ppdb0001', T + 9 * S]]));
  });
});
