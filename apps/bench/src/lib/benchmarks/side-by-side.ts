import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { TftRunner, toFeeds } from '@tft/tft-runner';
import { modelHistories } from '../fleet';
import type { Log } from '../log';
import { configLabel, sessionOptions, type OrtConfig } from '../ort-configs';
import { median, perSecond } from '../stats';

/** The comparison point: batch 1,000 on 2 intra-op threads. */
export const SIDE_BY_SIDE_BATCH = 1000;
export const SIDE_BY_SIDE_THREADS = 2;
const CALLS_PER_BLOCK = 2;

export interface PairedRate {
  model_servers_per_second: number;
  baseline_servers_per_second: number;
  /** model / baseline. */
  ratio: number;
  model_times_ms: number[];
  baseline_times_ms: number[];
}

export interface SideBySideResult {
  model_version: string;
  baseline_version: string;
  batch: number;
  threads: number;
  /** The sweep's best session options for the shipped model, with 2 threads, used for both. */
  config: string;
  /** Blocks per model, each an untimed call and CALLS_PER_BLOCK timed ones. */
  rounds: number;
  /** session.run() on ready tensors. */
  onnxruntime: PairedRate;
  /** TftRunner.forecast(): input building, the worker thread and decoding included, as the api runs it. */
  runner: PairedRate;
  /** The shipped model's runner against its own onnxruntime call, alternating: what the runner adds. */
  runner_overhead: RunnerOverhead;
}

export interface RunnerOverhead {
  onnxruntime_ms: number;
  runner_ms: number;
  /** runner / onnxruntime - 1 (issue #28: at most 0.15). */
  overhead: number;
}

interface Contender {
  version: string;
  runOrt: () => Promise<unknown>;
  runForecast: () => Promise<unknown>;
  release: () => Promise<void>;
}

async function contender(modelDir: string, config: OrtConfig): Promise<Contender> {
  const runner = await TftRunner.load(modelDir, { batchSize: SIDE_BY_SIDE_BATCH, sessionOptions: sessionOptions(config) });
  const meta = runner.metadata;
  const items = modelHistories(meta, SIDE_BY_SIDE_BATCH);
  const feeds = toFeeds(runner.buildInputs(items), meta.max_encoder_length, meta.horizon);
  const session = await ort.InferenceSession.create(`${modelDir}/${meta.file}`, sessionOptions(config));
  return {
    version: meta.version,
    runOrt: () => session.run(feeds),
    runForecast: () => runner.forecast(items),
    release: async () => {
      await session.release();
      await runner.release();
    },
  };
}

/**
 * Times `a` and `b` in alternating blocks (AB, BA, ...), so that a noisy neighbour slows both alike; each
 * block starts with an untimed call, so neither is timed right after the other one ran (the api runs one).
 */
async function alternate(a: () => Promise<unknown>, b: () => Promise<unknown>, rounds: number): Promise<[number[], number[]]> {
  const ta: number[] = [];
  const tb: number[] = [];
  const block = async (run: () => Promise<unknown>, into: number[]) => {
    await run();
    for (let i = 0; i < CALLS_PER_BLOCK; i++) {
      const started = performance.now();
      await run();
      into.push(performance.now() - started);
    }
  };
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      await block(a, ta);
      await block(b, tb);
    } else {
      await block(b, tb);
      await block(a, ta);
    }
  }
  return [ta, tb];
}

function paired([model, baseline]: [number[], number[]]): PairedRate {
  const m = perSecond(SIDE_BY_SIDE_BATCH, median(model));
  const b = perSecond(SIDE_BY_SIDE_BATCH, median(baseline));
  return {
    model_servers_per_second: +m.toFixed(1),
    baseline_servers_per_second: +b.toFixed(1),
    ratio: +(m / b).toFixed(2),
    model_times_ms: model.map((t) => +t.toFixed(1)),
    baseline_times_ms: baseline.map((t) => +t.toFixed(1)),
  };
}

/**
 * The shipped model against an earlier one in the same process, at batch 1,000 and 2 threads with the
 * same session options for both, calls alternating: onnxruntime alone, then TftRunner.forecast() end
 * to end. Each model gets the same fleet with its own encoder length.
 */
export async function benchSideBySide(opts: {
  modelDir: string;
  baselineDir: string;
  /** The sweep's best options; the thread count is set to SIDE_BY_SIDE_THREADS. */
  best: OrtConfig;
  quick: boolean;
  log: Log;
}): Promise<SideBySideResult> {
  const { modelDir, baselineDir, quick, log } = opts;
  const config = { ...opts.best, intraOpNumThreads: SIDE_BY_SIDE_THREADS };
  const model = await contender(modelDir, config);
  const baseline = await contender(baselineDir, config);
  const rounds = quick ? 2 : 6;
  const label = `${model.version} vs ${baseline.version}, batch ${SIDE_BY_SIDE_BATCH}, ${configLabel(config).replace(/\s+/g, ' ')}, ${rounds} alternating blocks of ${CALLS_PER_BLOCK} timed calls`;
  try {
    log(`inference: side by side ${label}: onnxruntime`);
    const onnxruntime = paired(await alternate(model.runOrt, baseline.runOrt, rounds));
    log(
      `inference: side by side onnxruntime: ${onnxruntime.model_servers_per_second.toFixed(0)} vs ${onnxruntime.baseline_servers_per_second.toFixed(0)} servers/s = ${onnxruntime.ratio}x`,
    );
    const runner = paired(await alternate(model.runForecast, baseline.runForecast, rounds));
    log(
      `inference: side by side TftRunner.forecast(): ${runner.model_servers_per_second.toFixed(0)} vs ${runner.baseline_servers_per_second.toFixed(0)} servers/s = ${runner.ratio}x`,
    );
    const [ortMs, runnerMs] = (await alternate(model.runOrt, model.runForecast, rounds)).map(median);
    const runner_overhead = {
      onnxruntime_ms: +ortMs.toFixed(1),
      runner_ms: +runnerMs.toFixed(1),
      overhead: +(runnerMs / ortMs - 1).toFixed(3),
    };
    log(
      `inference: TftRunner.forecast() ${model.version} ${runner_overhead.runner_ms} ms against onnxruntime ${runner_overhead.onnxruntime_ms} ms: overhead ${(100 * runner_overhead.overhead).toFixed(1)} %`,
    );
    return {
      model_version: model.version,
      baseline_version: baseline.version,
      batch: SIDE_BY_SIDE_BATCH,
      threads: SIDE_BY_SIDE_THREADS,
      config: configLabel(config).replace(/\s+/g, ' '),
      rounds,
      onnxruntime,
      runner,
      runner_overhead,
    };
  } finally {
    await model.release();
    await baseline.release();
  }
}
