import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { shippedModelDir, shippedModelDirs } from '@tft/tft-runner';
import { parseBenchArgs, parseRenderArgs, USAGE, type Part } from './args';
import { formatReport, type BenchReport } from './bench-report';
import { benchArchive } from './benchmarks/archive';
import { benchDrivers } from './benchmarks/drivers';
import { benchTrackRecordMemory } from './benchmarks/track-record';
import { benchInference } from './benchmarks/inference';
import { benchCluster } from './benchmarks/cluster';
import { benchIngest } from './benchmarks/ingest';
import { benchOtlp } from './benchmarks/otlp';
import { benchRemoteWrite } from './benchmarks/remote-write';
import { benchServing } from './benchmarks/serving';
import { defaultIo, type CliIo } from './log';
import { repoRoot } from './proc';
import { parseBenchReport, renderBenchmarks } from './render-benchmarks';
import { runSoak } from './soak';

/** `bench [options]`, `bench render ...` or `bench soak ...`: runs one and returns the exit code. */
export async function runCommand(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'soak') return runSoak(rest, io);
  if (command === 'render') {
    runRender(rest, io);
    return 0;
  }
  await runCli(argv, io);
  return 0;
}

/** `render --json <file>`: the dated markdown entry for docs/BENCHMARKS.md, on `io.out`. */
export function runRender(argv: readonly string[], io: CliIo = defaultIo): void {
  const args = parseRenderArgs(argv);
  if (args.json === null) {
    io.out(USAGE);
    return;
  }
  io.out(renderBenchmarks(parseBenchReport(readFileSync(args.json, 'utf8'), args.json)));
}

/** BASELINE_MODEL_DIR, else the shipped version just before `modelDir`'s, else null. */
function baselineModelDir(modelDir: string): string | null {
  if (process.env['BASELINE_MODEL_DIR']) return process.env['BASELINE_MODEL_DIR'];
  const dirs = shippedModelDirs();
  const at = dirs.indexOf(resolve(modelDir));
  return at > 0 ? dirs[at - 1] : at < 0 ? (dirs.at(-1) ?? null) : null;
}

/** Runs the parts asked for, prints progress to `io.err` and the tables to `io.out`, writes --json. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<BenchReport | null> {
  const args = parseBenchArgs(argv);
  if (args.help) {
    io.out(USAGE);
    return null;
  }
  const started = performance.now();
  const root = repoRoot();
  const modelDir = process.env['MODEL_DIR'] || shippedModelDir();
  const modelVersion = (
    JSON.parse(readFileSync(join(modelDir, 'metadata.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  const machine = {
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    onnxruntime_node: ort.env.versions.node ?? ort.env.versions.common,
    platform: `${process.platform}-${process.arch}`,
    load_average_at_start: loadavg().map((x) => +x.toFixed(2)),
  };
  const t = () => `${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s`;
  const log = (line: string) => io.err(`[${t()}] ${line}`);
  log(
    `bench: model ${modelVersion} (${modelDir}); parts ${args.parts.join(', ')}${args.quick ? ' (--quick)' : ''}; ${machine.cpus} cpus, load ${machine.load_average_at_start.join(' ')}`,
  );

  const has = (p: Part) => args.parts.includes(p);
  const inference = has('inference')
    ? await benchInference({ modelDir, baselineDir: baselineModelDir(modelDir), root, quick: args.quick, log })
    : null;
  const drivers = has('drivers') ? await benchDrivers({ modelDir, quick: args.quick, log }) : null;
  const ingest = has('ingest') ? await benchIngest({ root, modelDir, quick: args.quick, log }) : null;
  const remoteWrite = has('remote-write') ? await benchRemoteWrite({ root, modelDir, quick: args.quick, log }) : null;
  const otlp = has('otlp') ? await benchOtlp({ root, modelDir, quick: args.quick, log }) : null;
  const cluster = has('cluster') ? await benchCluster({ root, modelDir, quick: args.quick, log }) : null;
  // the api's default TRACK_RECORD_ORIGIN_EVERY, at the memory part's fleet
  const trackRecord = has('track-record') ? benchTrackRecordMemory(10_000, 96) : null;
  const archive = has('archive') ? await benchArchive({ root, modelDir, servers: args.archiveServers, days: args.archiveDays, log }) : null;
  const serving =
    has('predictions') || has('memory') || has('tick') || has('fleet-reads')
      ? await benchServing({
          root,
          modelDir,
          quick: args.quick,
          predictions: has('predictions'),
          tick: has('tick'),
          memory: has('memory') || has('fleet-reads'),
          fleetReads: has('fleet-reads'),
          log,
        })
      : null;

  const report: BenchReport = {
    date: new Date().toISOString(),
    quick: args.quick,
    parts: args.parts,
    seconds: +((performance.now() - started) / 1000).toFixed(1),
    machine,
    model_version: modelVersion,
    model_dir: modelDir,
    inference,
    drivers,
    ingest,
    remote_write: remoteWrite,
    otlp,
    predictions_current: serving?.predictions_current ?? null,
    memory: serving?.memory ?? null,
    tick: serving?.tick ?? null,
    fleet_reads: serving?.fleet_reads ?? null,
    cluster,
    archive,
    track_record: trackRecord,
    serving: serving
      ? {
          api_startup_ms: serving.api_startup_ms,
          fill_1000: serving.fill_1000,
          fill_10000: serving.fill_10000,
        }
      : null,
  };
  io.out(formatReport(report));
  if (args.json) {
    writeFileSync(args.json, JSON.stringify(report, null, 2) + '\n');
    log(`bench: wrote ${args.json}`);
  }
  return report;
}
