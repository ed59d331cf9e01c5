import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import type { EncoderInput } from '@tft/forecasting';
import { TftRunner, toFeeds } from '@tft/tft-runner';
import { modelHistories } from '../fleet';
import type { Log } from '../log';
import { configLabel, sessionOptions, sweepConfigs, type OrtConfig } from '../ort-configs';
import { cleanup, memAvailableMb } from '../proc';
import { maxAbsDiff, median, perSecond } from '../stats';
import { writeTensorDir } from '../tensor-dir';
import { benchSideBySide, type SideBySideResult } from './side-by-side';

const PYTHON = '/usr/bin/python3';

export interface SweepEntry {
  label: string;
  config: OrtConfig;
  times_ms: number[];
  median_ms: number;
  servers_per_second: number;
}

export interface BatchEntry {
  warmup: number;
  times_ms: number[];
  median_ms: number | null;
  servers_per_second: number | null;
  note?: string;
}

export interface TorchResult {
  servers_per_second: number | null;
  median_ms: number | null;
  times_ms: number[];
  threads: number | null;
  torch_version: string | null;
  max_abs_diff_quantiles: number | null;
  error: string | null;
}

export interface InferenceResult {
  servers_per_second: number;
  sweep_batch: number;
  /** The bench process's peak RSS after the batch sizes (onnxruntime's arena for the largest batch). */
  peak_rss_mb: number;
  best_config: OrtConfig & { label: string };
  sweep: SweepEntry[];
  /** Median ms per call by batch size (best configuration). */
  batch: Record<string, number | null>;
  batch_detail: Record<string, BatchEntry>;
  /** TftRunner.forecast() at batch 1,000 with the best thread count: input building and decoding included. */
  runner_forecast_servers_per_second: number;
  torch_eager_servers_per_second: number | null;
  ratio_vs_torch: number | null;
  max_abs_diff_vs_torch: number | null;
  torch: TorchResult;
  /** The model against the previous shipped one, alternating in this process; absent in older reports, null without one. */
  side_by_side?: SideBySideResult | null;
}

async function timeCalls(run: () => Promise<unknown>, warmup: number, reps: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return times;
}

const fmt = (x: number, d = 0) => x.toFixed(d);

/**
 * The shipped model through onnxruntime-node: a sweep of session options at batch 1,000, the best
 * configuration at batch 1 to 10,000, TftRunner.forecast() end to end, and PyTorch eager on the same inputs.
 */
export async function benchInference(opts: {
  modelDir: string;
  /** An earlier model to run side by side with, or null. */
  baselineDir: string | null;
  root: string;
  quick: boolean;
  log: Log;
}): Promise<InferenceResult> {
  const { modelDir, baselineDir, root, quick, log } = opts;
  const runner = await TftRunner.load(modelDir, { intraOpNumThreads: 1 });
  const meta = runner.metadata;
  const L = meta.max_encoder_length;
  const H = meta.horizon;
  const modelPath = join(modelDir, meta.file);
  const histories = (n: number): EncoderInput[] => modelHistories(meta, n);
  const feedsOf = (items: readonly EncoderInput[]) => toFeeds(runner.buildInputs(items), L, H);

  // 1. the sweep
  const sweepBatch = quick ? 200 : 1000;
  const sweepFeeds = feedsOf(histories(sweepBatch));
  const configs = sweepConfigs();
  const reps = quick ? 1 : 2;
  log(`inference: sweeping ${configs.length} onnxruntime configurations at batch ${sweepBatch} (1 warm-up + ${reps} timed calls each)`);
  const sweep: SweepEntry[] = [];
  for (const [i, config] of configs.entries()) {
    const session = await ort.InferenceSession.create(modelPath, sessionOptions(config));
    const times = await timeCalls(() => session.run(sweepFeeds), 1, reps);
    await session.release();
    const med = median(times);
    const entry = {
      label: configLabel(config),
      config,
      times_ms: times.map((t) => +t.toFixed(2)),
      median_ms: +med.toFixed(2),
      servers_per_second: +perSecond(sweepBatch, med).toFixed(1),
    };
    sweep.push(entry);
    log(
      `inference: [${String(i + 1).padStart(2)}/${configs.length}] ${entry.label}  ${fmt(med).padStart(6)} ms/call  ${fmt(entry.servers_per_second).padStart(6)} servers/s  (${times.map((t) => fmt(t)).join(', ')})`,
    );
  }
  const best = sweep.reduce((a, b) => (b.median_ms < a.median_ms ? b : a));
  log(`inference: best ${best.label} (${fmt(best.servers_per_second)} servers/s in the sweep)`);

  // 2. batch sizes with the best configuration
  const rssBase = process.memoryUsage().rss;
  const session = await ort.InferenceSession.create(modelPath, sessionOptions(best.config));
  const plan: [number, number, number][] = quick
    ? [
        [1, 2, 10],
        [100, 1, 3],
        [1000, 1, 2],
      ]
    : [
        [1, 5, 30],
        [100, 2, 10],
        [1000, 1, 5],
        [10000, 1, 2],
      ];
  const batchDetail: Record<string, BatchEntry> = {};
  const all = histories(Math.max(...plan.map(([b]) => b)));
  let ortQuantiles: Float32Array | null = null;
  const feeds1000 = feedsOf(all.slice(0, 1000));
  let arena1000Mb = 0;
  for (const [b, warmup, n] of plan) {
    if (b === 10000) {
      // onnxruntime's arena grows in proportion to the batch: estimate it from batch 1,000's, with a margin,
      // rather than let the kernel kill the bench
      const need = 10 * arena1000Mb * 1.1;
      const avail = memAvailableMb();
      const sizes = `onnxruntime needs ~${fmt(need / 1024, 1)} GB (10 x the ${fmt(arena1000Mb)} MB of batch 1,000), ${avail === null ? '?' : fmt(avail / 1024, 1)} GB available`;
      if (avail !== null && avail < need + 2048) {
        const note = `skipped: ${sizes}`;
        batchDetail[b] = {
          warmup: 0,
          times_ms: [],
          median_ms: null,
          servers_per_second: null,
          note,
        };
        log(`inference: batch 10000 ${note}`);
        continue;
      }
      log(`inference: batch 10000: ${sizes}`);
    }
    const feeds = b === 1000 ? feeds1000 : feedsOf(all.slice(0, b));
    const times = await timeCalls(
      async () => {
        const out = await session.run(feeds);
        if (b === 1000) ortQuantiles = out['quantiles'].data as Float32Array;
      },
      warmup,
      n,
    );
    if (b === 1000) arena1000Mb = Math.max(1, process.memoryUsage().rss - rssBase) / 1024 ** 2;
    const med = median(times);
    batchDetail[b] = {
      warmup,
      times_ms: times.map((t) => +t.toFixed(3)),
      median_ms: +med.toFixed(3),
      servers_per_second: +perSecond(b, med).toFixed(1),
    };
    log(
      `inference: batch ${String(b).padStart(5)}: median ${fmt(med, b < 100 ? 2 : 0)} ms per call over ${n} calls = ${fmt(perSecond(b, med))} servers/s`,
    );
  }
  if (quick)
    batchDetail['10000'] = {
      warmup: 0,
      times_ms: [],
      median_ms: null,
      servers_per_second: null,
      note: 'skipped with --quick',
    };
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const inputNames = [...session.inputNames];
  // release the arena (largest after the biggest batch) before the runner and torch run
  await session.release();
  const batch: Record<string, number | null> = {};
  for (const b of ['1', '100', '1000', '10000']) batch[b] = batchDetail[b]?.median_ms ?? null;
  const serversPerSecond = +perSecond(1000, batchDetail['1000'].median_ms as number).toFixed(1);

  // 3. what the api pays: TftRunner.forecast() (builds inputs, decodes quantiles) with the best thread count
  const apiRunner = await TftRunner.load(modelDir, {
    intraOpNumThreads: best.config.intraOpNumThreads,
    batchSize: 1000,
  });
  const items1000 = all.slice(0, 1000);
  const runnerTimes = await timeCalls(() => apiRunner.forecast(items1000), 1, quick ? 1 : 3);
  const runnerRate = +perSecond(1000, median(runnerTimes)).toFixed(1);
  log(
    `inference: TftRunner.forecast() batch 1000 (${best.config.intraOpNumThreads} thread(s), graph 'all', inputs + decoding included): ${fmt(median(runnerTimes))} ms = ${fmt(runnerRate)} servers/s`,
  );

  // 4. PyTorch eager, same model, same inputs, same threads
  const torch = await benchTorch({
    root,
    modelDir,
    feeds: feeds1000,
    order: inputNames,
    threads: best.config.intraOpNumThreads,
    reps: quick ? 2 : 5,
    log,
  });
  if (torch.servers_per_second !== null && ortQuantiles) {
    const theirs = new Float32Array(readFileSync(join(torch.quantilesDir as string, 'torch_quantiles.bin')).buffer.slice(0));
    const ours: Float32Array = ortQuantiles;
    torch.max_abs_diff_quantiles = maxAbsDiff(ours, theirs);
    let largest = 0;
    for (const v of theirs) largest = Math.max(largest, Math.abs(v));
    log(
      `inference: max |onnxruntime - torch| over ${theirs.length} quantile values: ${torch.max_abs_diff_quantiles.toExponential(2)} ` +
        `(values up to ${fmt(largest, 1)}: float32 spacing there is ${(2 ** (Math.floor(Math.log2(largest)) - 23)).toExponential(1)})`,
    );
  }
  if (torch.quantilesDir) cleanup.removeDir(torch.quantilesDir);
  const { quantilesDir: _dir, ...torchResult } = torch;
  void _dir;
  const ratio = torch.servers_per_second ? +(serversPerSecond / torch.servers_per_second).toFixed(2) : null;

  // 5. against the previous model, same fleet, alternating calls
  await apiRunner.release();
  const sideBySide = baselineDir ? await benchSideBySide({ modelDir, baselineDir, best: best.config, quick, log }) : null;
  if (!baselineDir) log('inference: side by side: no earlier shipped model (set BASELINE_MODEL_DIR to compare with one)');
  return {
    servers_per_second: serversPerSecond,
    sweep_batch: sweepBatch,
    peak_rss_mb: Math.round(peakRssMb),
    best_config: { ...best.config, label: best.label },
    sweep,
    batch,
    batch_detail: batchDetail,
    runner_forecast_servers_per_second: runnerRate,
    torch_eager_servers_per_second: torch.servers_per_second,
    ratio_vs_torch: ratio,
    max_abs_diff_vs_torch: torch.max_abs_diff_quantiles,
    torch: torchResult,
    side_by_side: sideBySide,
  };
}

async function benchTorch(o: {
  root: string;
  modelDir: string;
  feeds: Record<string, ort.Tensor>;
  order: readonly string[];
  threads: number;
  reps: number;
  log: Log;
}): Promise<TorchResult & { quantilesDir: string | null }> {
  const none = (error: string): TorchResult & { quantilesDir: string | null } => {
    o.log(`inference: torch: ${error}; torch figures are null`);
    return {
      servers_per_second: null,
      median_ms: null,
      times_ms: [],
      threads: null,
      torch_version: null,
      max_abs_diff_quantiles: null,
      error,
      quantilesDir: null,
    };
  };
  const script = join(o.root, 'training', 'bench_torch.py');
  if (!existsSync(PYTHON)) return none(`${PYTHON} not found (apt-get install -y python3-torch)`);
  if (!existsSync(join(o.modelDir, 'weights.pt')))
    return none(`${join(o.modelDir, 'weights.pt')} is missing (training/export.py writes it)`);
  const dir = cleanup.dir(mkdtempSync(join(tmpdir(), 'tft-bench-torch-')));
  writeTensorDir(dir, o.feeds, o.order);
  const args = [
    script,
    '--model-dir',
    o.modelDir,
    '--inputs',
    dir,
    '--threads',
    String(o.threads),
    '--warmup',
    '1',
    '--reps',
    String(o.reps),
  ];
  o.log(`inference: torch: ${PYTHON} ${args.map((a) => a.replace(o.root + '/', '')).join(' ')}`);
  const child = cleanup.child(spawn(PYTHON, args, { cwd: o.root, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
    const lines = stderr.split('\n');
    stderr = lines.pop() ?? '';
    for (const l of lines) if (l.startsWith('torch: ')) o.log(`inference: ${l}`);
  });
  const limitMs = 300_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  clearTimeout(timer);
  const last = stdout.trim().split('\n').at(-1) ?? '';
  let parsed: {
    ok?: boolean;
    error?: string;
    median_ms?: number;
    servers_per_second?: number;
    times_ms?: number[];
    threads?: number;
    torch_version?: string;
  } = {};
  try {
    parsed = JSON.parse(last);
  } catch {
    /* reported below */
  }
  if (!parsed.ok) {
    cleanup.removeDir(dir);
    return none(
      parsed.error ??
        `bench_torch.py exited ${code ?? `after ${limitMs / 1000} s`}: ${(stderr || stdout).trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
  o.log(
    `inference: torch ${parsed.torch_version} eager, ${parsed.threads} thread(s): median ${fmt(parsed.median_ms ?? NaN)} ms per batch of 1000 = ${fmt(parsed.servers_per_second ?? NaN)} servers/s`,
  );
  return {
    servers_per_second: parsed.servers_per_second ?? null,
    median_ms: parsed.median_ms ?? null,
    times_ms: parsed.times_ms ?? [],
    threads: parsed.threads ?? null,
    torch_version: parsed.torch_version ?? null,
    max_abs_diff_quantiles: null,
    error: null,
    quantilesDir: dir,
  };
}
