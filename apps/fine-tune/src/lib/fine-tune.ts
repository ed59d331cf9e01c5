import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { formatDuration } from '@tft/contracts';
import { ALL_BUCKET, isoSeconds, parseModelMetadata, type ScoreRow } from '@tft/forecasting';
import { modelVersionDirs } from '@tft/tft-runner';
import type { FineTuneArgs } from './args';
import { decide, decisionTables, type Decision } from './decision';
import { fetchApiHistory, apiKeyFrom } from './history/api-export';
import { HistoryError, redactUrl } from './history/errors';
import { fetchPrometheusHistory } from './history/prometheus';
import { modelCard, type FineTuneRecord } from './model-card';
import { PYTHON, repoRoot, runStep } from './processes';
import { historyExtent, planSplit, splitHistory } from './split';
import { newVersion } from './versions';

/** Where the command writes: results (tables, the decision) to `out`, progress to `err`. */
export interface FineTuneIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Prometheus keeps 15 days by default: the history read when --since is not given. */
const PROMETHEUS_DEFAULT_SINCE = 14 * 86_400;
/** The files a model version is made of. */
const VERSION_FILES = ['model.onnx', 'metadata.json', 'golden.json', 'weights.pt'];

export interface FineTuneResult {
  decision: Decision;
  version: string;
  /** The folder written, or null when the challenger lost. */
  written: string | null;
  /** The run's folder: history, split, checkpoints, the challenger's export, both backtests, report.json. */
  work: string;
  record: FineTuneRecord;
}

export interface FineTuneDeps {
  env?: NodeJS.ProcessEnv;
  /** Epoch ms; the default end of the history. */
  now?: () => number;
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

interface BacktestJson {
  results: (ScoreRow & { model: string })[];
}

/**
 * `npm run train -- --fine-tune`: the fleet's history (the api's export or Prometheus), split by time
 * into a training part and the most recent part held out; train.py --init fine-tunes the base model on
 * the training part for the budget; the backtest scores base (champion) and fine-tuned model
 * (challenger) on the held-out part; the challenger becomes a new model version only when decide()
 * says so.
 */
export async function fineTune(a: FineTuneArgs, io: FineTuneIo, deps: FineTuneDeps = {}): Promise<FineTuneResult> {
  const began = Date.now();
  const env = deps.env ?? process.env;
  const root = repoRoot();
  const modelsRoot = join(root, 'models', 'tft');
  const baseDir = resolve(a.base ?? modelVersionDirs(modelsRoot).at(-1) ?? modelsRoot);
  for (const f of ['metadata.json', 'model.onnx', 'weights.pt']) {
    if (!existsSync(join(baseDir, f))) {
      throw new Error(
        `base model ${baseDir} has no ${f}${f === 'weights.pt' ? ' (fine-tuning starts from the PyTorch weights export.py writes)' : ''}`,
      );
    }
  }
  const meta = parseModelMetadata(JSON.parse(await readFile(join(baseDir, 'metadata.json'), 'utf8')));
  const target = newVersion(modelsRoot, a.out === undefined ? undefined : resolve(a.out));
  if (existsSync(target.dir)) throw new Error(`${target.dir} exists already: the new version needs a folder of its own (--out)`);
  const work = resolve(a.work ?? join(root, 'training', 'runs', 'fine-tune'));
  await emptyRunFolder(work);
  const shown = (p: string) => (relative(root, p).startsWith('..') ? p : relative(root, p));
  const step = meta.step_seconds;
  io.err(
    `fine-tune: ${meta.name} ${meta.version} (${shown(baseDir)}) -> ${target.version}, budget ${formatDuration(a.budgetSeconds)}, run folder ${shown(work)}`,
  );

  // 1. the history
  let t = Date.now();
  const until = a.until ?? Math.floor((deps.now ?? Date.now)() / 1000);
  const since =
    a.since === undefined
      ? a.source.kind === 'prometheus'
        ? until - PROMETHEUS_DEFAULT_SINCE
        : undefined
      : 'at' in a.since
        ? a.since.at
        : until - a.since.before;
  const historyFile = join(work, 'history.csv');
  let description: string;
  if (a.source.kind === 'api') {
    io.err(`fine-tune: reading GET /export from ${redactUrl(a.source.url)}`);
    const h = await fetchApiHistory(
      { url: a.source.url, key: apiKeyFrom(env), since, until: a.until === undefined ? undefined : until, servers: a.servers },
      historyFile,
    );
    description = `the api's archive, \`GET ${h.request}\`${h.gzip ? ' (gzip)' : ''}`;
  } else {
    io.err(`fine-tune: reading node_exporter series from Prometheus at ${redactUrl(a.source.url)}`);
    const h = await fetchPrometheusHistory(
      {
        url: a.source.url,
        token: env['TFT_PROMETHEUS_TOKEN'] || undefined,
        since: since as number,
        until,
        serverLabel: a.serverLabel,
        mountpoint: a.mountpoint,
        stepSeconds: step,
        progress: io.err,
      },
      historyFile,
    );
    for (const m of h.missing) io.err(`fine-tune: no ${m} from Prometheus for any server (left blank): ${h.queries[m]}`);
    if (h.skippedNames.length)
      io.err(`fine-tune: skipped ${a.serverLabel} values that name no valid server: ${h.skippedNames.slice(0, 5).join(', ')}`);
    description =
      `Prometheus at ${redactUrl(a.source.url)}, \`query_range\` every ${step} s over ${isoSeconds(since as number)} .. ` +
      `${isoSeconds(until)} in ${h.requests} requests (node_exporter series mapped as the api's remote-write receiver maps ` +
      `them; server = the \`${a.serverLabel}\` label, disk = mountpoint \`${a.mountpoint}\`)`;
  }
  const extent = await historyExtent(historyFile);
  const historySeconds = (Date.now() - t) / 1000;
  io.err(
    `fine-tune: history ${isoSeconds(extent.first)} .. ${isoSeconds(extent.last)}: ${extent.rows} rows, ${extent.servers} servers (${historySeconds.toFixed(1)} s)`,
  );

  // 2. the held-out split
  const plan = planSplit(
    extent.first,
    extent.last,
    a.holdout,
    { stepSeconds: step, horizon: meta.horizon, maxEncoder: meta.max_encoder_length },
    a.stride,
  );
  const trainingFile = join(work, 'training.csv');
  const heldOutFile = join(work, 'held-out.csv');
  const counts = await splitHistory(historyFile, plan, trainingFile, heldOutFile);
  if (counts.heldOutServers === 0) throw new HistoryError(`no server has data after ${isoSeconds(plan.cut)}: nothing to hold out`);
  io.err(
    `fine-tune: training on ${isoSeconds(plan.first)} .. ${isoSeconds(plan.cut)} (${counts.trainingRows} rows); held out ` +
      `${isoSeconds(plan.cut)} .. ${isoSeconds(plan.last + step)} (${counts.heldOutServers} servers; the backtest reads from ${isoSeconds(plan.contextStart)} for its encoders)`,
  );

  // 3. fine-tune: train.py's one loop, started from the base model's weights
  t = Date.now();
  const runs = join(work, 'runs');
  io.err(`fine-tune: training for ${formatDuration(a.budgetSeconds)} (steps, loss, time left):`);
  await runStep(
    'training',
    PYTHON,
    [
      'training/train.py',
      '--init',
      shown(baseDir),
      '--data',
      trainingFile,
      '--runs_dir',
      runs,
      '--max_minutes',
      String(a.budgetSeconds / 60),
    ],
    root,
    (l) => io.err(`  ${l}`),
  );
  const trainingSeconds = (Date.now() - t) / 1000;
  t = Date.now();
  const challengerDir = join(work, 'challenger');
  await runStep(
    'export',
    PYTHON,
    ['training/export.py', '--ckpt', join(runs, 'fine-tune', 'best.pt'), '--version', target.version, '--out', challengerDir],
    root,
  );
  const exportSeconds = (Date.now() - t) / 1000;

  // 4. champion and challenger through the backtest, on the held-out file
  t = Date.now();
  const backtestMain = join(root, 'dist', 'apps', 'backtest', 'main.js');
  if (!existsSync(backtestMain))
    throw new Error(`${backtestMain} is missing: build it (npx nx build backtest; npm run train -- --fine-tune does)`);
  const scores: ScoreRow[][] = [];
  for (const [role, dir] of [
    ['champion', baseDir],
    ['challenger', challengerDir],
  ] as const) {
    const json = join(work, `backtest-${role}.json`);
    io.err(`fine-tune: backtest of the ${role} (${shown(dir)}) on the held-out part`);
    await runStep(
      `backtest of the ${role}`,
      process.execPath,
      [
        backtestMain,
        'backtest',
        '--data',
        heldOutFile,
        '--model',
        dir,
        '--json',
        json,
        '--stride',
        String(a.stride),
        '--calibration-fraction',
        '0',
      ],
      root,
    );
    const body = JSON.parse(await readFile(json, 'utf8')) as BacktestJson;
    scores.push(body.results.filter((r) => r.model === 'tft'));
  }
  const backtestSeconds = (Date.now() - t) / 1000;
  const decision = decide(scores[0], scores[1]);
  const targets = scores[1].find((r) => r.metric === 'overall' && r.horizon_bucket === ALL_BUCKET)?.n ?? 0;

  // 5. the record, the decision, and the new version only when it wins
  const challengerMeta = JSON.parse(await readFile(join(challengerDir, 'metadata.json'), 'utf8')) as Record<string, unknown> & {
    training: { best_step: number; last_step: number | null; seconds: number; history: { step: number; val_loss: number }[] };
    validation: { pinball_loss_weighted: number };
    training_config: Record<string, unknown>;
  };
  const baseJson = JSON.parse(await readFile(join(baseDir, 'metadata.json'), 'utf8')) as Record<string, unknown>;
  const fineTuneSettings = [
    'lr',
    'warmup_steps',
    'batch_size',
    'eval_interval',
    'patience',
    'ema',
    'val_fraction',
    'val_stride',
    'val_max_windows',
    'seed',
  ];
  const record: FineTuneRecord = {
    version: target.version,
    base: { version: meta.version, dir: shown(baseDir) },
    source: { kind: a.source.kind, description },
    history: { rows: extent.rows, servers: extent.servers },
    split: { ...plan, ...counts, trainingSha256: await sha256(trainingFile) },
    stepSeconds: step,
    training: {
      budgetSeconds: a.budgetSeconds,
      seconds: challengerMeta.training.seconds,
      bestStep: challengerMeta.training.best_step,
      lastStep: challengerMeta.training.last_step,
      baseValLoss: challengerMeta.training.history.find((h) => h.step === 0)?.val_loss ?? null,
      bestValLoss: challengerMeta.validation.pinball_loss_weighted,
      settings: Object.fromEntries(fineTuneSettings.map((k) => [k, challengerMeta.training_config[k]])),
    },
    backtest: { stride: a.stride, targets, decision },
    seconds: { history: historySeconds, training: trainingSeconds, export: exportSeconds, backtest: backtestSeconds, total: 0 },
    alertRule: baseJson['alert_rule'] ? 'carried' : 'none',
  };

  io.out(
    `\nChampion ${meta.version} vs challenger ${target.version} on the held-out ${isoSeconds(plan.cut)} .. ${isoSeconds(plan.last + step)} ` +
      `(origins every ${a.stride} steps, ${targets} targets each; wQL, lower is better):\n`,
  );
  io.out(decisionTables(decision, meta.version, target.version));
  io.out('');
  let written: string | null = null;
  record.seconds.total = (Date.now() - began) / 1000;
  if (decision.write) {
    const staging = join(dirname(target.dir), `.${basename(target.dir)}.partial-${process.pid}`);
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    for (const f of VERSION_FILES) await copyFile(join(challengerDir, f), join(staging, f));
    const metadata = {
      ...challengerMeta,
      ...(baseJson['alert_rule'] ? { alert_rule: baseJson['alert_rule'] } : {}),
      fine_tune: {
        base_version: meta.version,
        source: description,
        history: { from: isoSeconds(plan.first), until: isoSeconds(plan.last + step), servers: extent.servers, rows: extent.rows },
        held_out: { from: isoSeconds(plan.cut), until: isoSeconds(plan.last + step) },
        backtest: { stride: a.stride, targets, buckets: decision.buckets, metrics: decision.metrics, rule: decision.reason },
        seconds: record.seconds,
      },
    };
    await writeFile(join(staging, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
    await writeFile(join(staging, 'MODEL_CARD.md'), modelCard(record, isoSeconds(Math.floor(Date.now() / 1000))));
    // renamed into place whole, so an api watching the folder never sees half a version
    await rename(staging, target.dir);
    written = target.dir;
    io.out(`Written: ${shown(target.dir)} (version ${target.version}), since ${decision.reason}.`);
    io.out(pickUp(target.dir, target.version, modelsRoot, shown));
  } else {
    io.out(`Not written: ${decision.reason}. Nothing was written; the challenger stays in ${shown(challengerDir)} to inspect.`);
  }
  io.out(
    `Time taken: ${record.seconds.total.toFixed(0)} s (history ${historySeconds.toFixed(0)} s, training ${trainingSeconds.toFixed(0)} s, ` +
      `export ${exportSeconds.toFixed(0)} s, backtests ${backtestSeconds.toFixed(0)} s).`,
  );
  await writeFile(join(work, 'report.json'), `${JSON.stringify({ ...record, written: written && shown(written) }, null, 2)}\n`);
  return { decision, version: target.version, written, work, record };
}

/** Marks a folder as a fine-tuning run's, which the next run may empty. */
const RUN_MARKER = '.fine-tune-run';

/** The run folder, emptied; a folder that holds anything else than an earlier run is refused, never deleted. */
async function emptyRunFolder(work: string): Promise<void> {
  if (existsSync(work) && readdirSync(work).length && !existsSync(join(work, RUN_MARKER))) {
    throw new Error(`--work ${work} is not empty and holds no earlier fine-tuning run: give an empty or new folder`);
  }
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await writeFile(join(work, RUN_MARKER), '');
}

/** How a running api gets the new version: its watch of the folder of versions, or POST /model/reload. */
export function pickUp(dir: string, version: string, modelsRoot: string, shown: (p: string) => string): string {
  const how = `its watch loads a newer version folder within MODEL_WATCH_INTERVAL (30 s by default), or POST /model/reload (keyed) loads it at once`;
  if (dirname(dir) === modelsRoot)
    return `A running api serving ${shown(modelsRoot)} (MODEL_DIR's default) picks it up without a restart: ${how}.`;
  if (basename(dir) === version) return `A running api whose MODEL_DIR is ${shown(dirname(dir))} picks it up without a restart: ${how}.`;
  return `Copy it into the api's MODEL_DIR as ${version}/ (under another name first, then rename it): ${how}.`;
}
