import { request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createGunzip } from 'node:zlib';
import Database from 'better-sqlite3';
import type { StatusDto } from '@tft/api-client';
import { bucketStart } from '@tft/forecasting';
import { ApiProcess } from '../api-process';
import { recordJson } from '../bodies';
import { STEP } from '../fill';
import { makeFleet, sampleAt, type ServerShape } from '../fleet';
import type { Log } from '../log';
import { sleep } from '../proc';
import { num } from '../report';
import { SEED, seededRandom } from '../rng';

/** Records per POST /feed/data of the fill. */
const FILL_BATCH = 5000;
const FILL_CONCURRENCY = 2;
/** The api's archive file in its DATA_DIR (apps/api/src/archive/archive.store.ts, archiveFileName). */
const ARCHIVE_FILE = 'archive.sqlite';
const RSS_EVERY_MS = 100;
/** GET /status carries every server's row: read it seldom, so that reading it does not make the heap it measures. */
const HEAP_EVERY_MS = 1000;

export interface ArchiveExportRun {
  encoding: 'identity' | 'gzip';
  rows: number;
  /** Bytes on the wire (compressed with gzip). */
  bytes: number;
  seconds: number;
  rows_per_second: number;
  megabytes_per_second: number;
  rss_mb_before: number | null;
  /** Highest VmRSS sampled during the export minus the one before it. */
  rss_mb_peak_increase: number | null;
  heap_mb_before: number;
  /** Highest V8 heap used (GET /status, once a second) during the export minus the one before it. */
  heap_mb_peak_increase: number;
}

export interface ArchiveResult {
  servers: number;
  days: number;
  /** Closed steps archived per server (the newest step of each stays open). */
  steps_per_server: number;
  fill: { records: number; seconds: number; records_per_second: number };
  archive: { rows: number; file_bytes: number; bytes_per_row: number; bytes_per_server_day: number };
  exports: ArchiveExportRun[];
}

/**
 * Bodies that feed every server one sample per step, step after step as a live fleet sends them,
 * from `firstStep` for `steps` steps: all but the last step of each server close and are archived.
 */
function* stepMajorBodies(servers: readonly ServerShape[], firstStep: number, steps: number): Generator<{ body: string; count: number }> {
  const rand = seededRandom(SEED + 30);
  let parts: string[] = [];
  for (let i = 0; i < steps; i++) {
    const t = firstStep + i * STEP + 17; // any second inside the step
    for (const s of servers) {
      parts.push(recordJson(s, t, sampleAt(s, t, rand)));
      if (parts.length === FILL_BATCH) {
        yield { body: `{"records":[${parts.join(',')}]}`, count: parts.length };
        parts = [];
      }
    }
  }
  if (parts.length) yield { body: `{"records":[${parts.join(',')}]}`, count: parts.length };
}

async function fillArchive(api: ApiProcess, servers: readonly ServerShape[], firstStep: number, steps: number, log: Log) {
  const bodies = stepMajorBodies(servers, firstStep, steps);
  const total = servers.length * steps;
  let records = 0;
  let lastReport = performance.now();
  const started = performance.now();
  const worker = async () => {
    for (let next = bodies.next(); !next.done; next = bodies.next()) {
      const { body, count } = next.value;
      const { status, json, text } = await api.postFeed(body);
      if (json === null || json.records_added + json.duplicates !== count) {
        throw new Error(`archive: a fill batch of ${count} records got HTTP ${status}: ${text.slice(0, 300)}`);
      }
      records += count;
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        const s = (lastReport - started) / 1000;
        log(
          `archive: fill ${num((100 * records) / total, 1)} %: ${num(records)} records in ${num(s)} s (${num(records / s)}/s), ` +
            `api RSS ${num(api.rssMb() ?? NaN)} MB`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: FILL_CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { records, seconds: +seconds.toFixed(1), records_per_second: Math.round(records / seconds) };
}

/** The archive's size as SQLite lays it out once its WAL is checkpointed (pages in use, WAL included), and its rows. */
function archiveSize(dataDir: string): { rows: number; file_bytes: number } {
  const db = new Database(join(dataDir, ARCHIVE_FILE), { readonly: true, fileMustExist: true });
  try {
    const pages = Number(db.pragma('page_count', { simple: true }));
    const free = Number(db.pragma('freelist_count', { simple: true }));
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    const rows = (db.prepare('SELECT COUNT(*) AS n FROM steps').get() as { n: number }).n;
    return { rows, file_bytes: (pages - free) * pageSize };
  } finally {
    db.close();
  }
}

const heapMb = async (api: ApiProcess) => (await api.getJson<StatusDto>('/status')).memory.heap_used_mb;

/** Counts the lines of a byte stream without keeping it. */
function lineCounter(): { count: (chunk: Buffer) => void; lines: () => number } {
  let lines = 0;
  return {
    count: (chunk) => {
      for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines++;
    },
    lines: () => lines,
  };
}

/** GET /export, read as it streams and dropped: rows (lines less the header) and bytes on the wire. */
function readExport(api: ApiProcess, encoding: 'identity' | 'gzip'): Promise<{ rows: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    request(`${api.base}/export`, { headers: api.headers({ 'accept-encoding': encoding }) }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET /export: HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      if ((res.headers['content-encoding'] ?? 'identity') !== encoding) {
        reject(new Error(`GET /export: asked for ${encoding}, got ${res.headers['content-encoding'] ?? 'identity'}`));
        res.resume();
        return;
      }
      let bytes = 0;
      const lines = lineCounter();
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      const body = encoding === 'gzip' ? res.pipe(createGunzip()) : res;
      body.on('data', lines.count);
      body.on('end', () => resolve({ rows: lines.lines() - 1, bytes }));
      body.on('error', reject);
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

async function exportRun(api: ApiProcess, encoding: 'identity' | 'gzip', log: Log): Promise<ArchiveExportRun> {
  await sleep(2000); // let the passes the fill asked for finish
  const heapBefore = await heapMb(api);
  const rssBefore = api.rssMb();
  let rssPeak = rssBefore ?? 0;
  let heapPeak = heapBefore;
  const rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, api.rssMb() ?? 0)), RSS_EVERY_MS);
  let reading = true;
  const heapSampler = (async () => {
    while (reading) {
      heapPeak = Math.max(heapPeak, await heapMb(api));
      await sleep(HEAP_EVERY_MS);
    }
  })();
  const started = performance.now();
  try {
    const { rows, bytes } = await readExport(api, encoding);
    const seconds = (performance.now() - started) / 1000;
    const run: ArchiveExportRun = {
      encoding,
      rows,
      bytes,
      seconds: +seconds.toFixed(2),
      rows_per_second: Math.round(rows / seconds),
      megabytes_per_second: +(bytes / 1024 ** 2 / seconds).toFixed(1),
      rss_mb_before: rssBefore === null ? null : +rssBefore.toFixed(1),
      rss_mb_peak_increase: rssBefore === null ? null : +(rssPeak - rssBefore).toFixed(1),
      heap_mb_before: heapBefore,
      heap_mb_peak_increase: +(heapPeak - heapBefore).toFixed(1),
    };
    log(
      `archive: export (${encoding}): ${num(rows)} rows, ${num(bytes / 1024 ** 2, 1)} MB in ${num(seconds, 1)} s; ` +
        `api RSS +${num(run.rss_mb_peak_increase, 1)} MB, V8 heap +${num(run.heap_mb_peak_increase, 1)} MB at the peak`,
    );
    return run;
  } finally {
    reading = false;
    clearInterval(rssTimer);
    await heapSampler;
  }
}

/**
 * Fills an api's archive with `servers` x `days` of closed steps through POST /feed/data (the real
 * write path: windows, then the archive as steps close), measures the archive file, then streams the
 * whole GET /export twice (plain, gzip) while sampling the api's RSS and V8 heap. The api forecasts
 * with the heuristic only (WARMUP_STEPS beyond the fill), so the fill measures storage rather than
 * inference, and nothing else runs during the exports.
 */
export async function benchArchive(o: { root: string; modelDir: string; servers: number; days: number; log: Log }): Promise<ArchiveResult> {
  const steps = o.days * 288 + 1;
  const api = await ApiProcess.start(o.root, {
    modelDir: o.modelDir,
    dataDirPrefix: 'tft-bench-archive-',
    env: {
      ARCHIVE_RETENTION: `${o.days + 1}d`,
      SQLITE_SYNCHRONOUS: 'NORMAL',
      WARMUP_STEPS: '10000',
      MAX_SERVERS: String(Math.max(20_000, o.servers)),
      MAX_NEW_SERVERS_PER_MINUTE: '0',
    },
  });
  try {
    o.log(
      `archive: api up in ${api.startupMs} ms (pid ${api.pid}); filling ${num(o.servers)} servers x ${o.days} day${o.days === 1 ? '' : 's'} (${num(o.servers * steps)} records)`,
    );
    const servers = makeFleet(o.servers, SEED + 30);
    const lastStep = bucketStart(Date.now() / 1000, STEP) - STEP; // in the past: never ahead of the api's clock
    const fill = await fillArchive(api, servers, lastStep - (steps - 1) * STEP, steps, o.log);
    const size = archiveSize(api.dataDir);
    const expected = o.servers * (steps - 1);
    if (size.rows !== expected) throw new Error(`archive: ${num(size.rows)} rows archived, expected ${num(expected)}`);
    const archive = {
      ...size,
      bytes_per_row: +(size.file_bytes / size.rows).toFixed(1),
      bytes_per_server_day: Math.round(size.file_bytes / o.servers / o.days),
    };
    o.log(
      `archive: filled in ${num(fill.seconds)} s (${num(fill.records_per_second)} records/s); ${num(size.rows)} rows, ` +
        `${num(size.file_bytes / 1024 ** 2, 1)} MB: ${num(archive.bytes_per_row, 1)} B a row, ${num(archive.bytes_per_server_day)} B per server and day`,
    );
    const exports: ArchiveExportRun[] = [];
    for (const encoding of ['identity', 'gzip'] as const) {
      const run = await exportRun(api, encoding, o.log);
      if (run.rows !== size.rows)
        throw new Error(`archive: the ${encoding} export has ${num(run.rows)} rows, the archive ${num(size.rows)}`);
      exports.push(run);
    }
    return { servers: o.servers, days: o.days, steps_per_server: steps - 1, fill, archive, exports };
  } finally {
    await api.stop();
  }
}
