import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatDuration, parseDuration } from '@tft/contracts';
import {
  DEFAULT_ALERT_FOR_SECONDS,
  DEFAULT_ALERT_RESOLVE_AFTER_SECONDS,
  profileIndex,
  type BreachRule,
  type ThresholdProfile,
} from '@tft/forecasting';
import { chooseRule, runAlertQuality } from './alert-quality';
import { shippedModelDir, TftRunner } from '@tft/tft-runner';
import { PLATEAU_FLOOR, PLATEAU_SPREAD, PLATEAU_STEPS, runBacktest, type ModelUnderTest } from './backtest';
import { loadSeries } from './csv-reader';
import { runLeadtime, type Incidents } from './leadtime';
import { alertQualityTable, bucketTable, giftTable, leadtimeTables, plateauTable, resultsTable, summaryTable } from './report';

const USAGE = `usage:
  npm run backtest -- --data <dir|csv> [--model <dir>] [--json out.json] [--stride N] [--max-series N]
                      [--calibration-fraction 0.3] [--no-model]
  npm run leadtime -- --data <dir|csv> --incidents <json> [--model <dir>] [--json out.json] [--stride N]
  npm run alert-quality -- --data <dir|csv> [--model <dir>] [--json out.json] [--stride N] [--max-series N]
                      [--alert-for 10m] [--alert-resolve-after 15m]
                      [--levels 0.2,0.3,0.4 --window 2h [--trend-guard [--guard-margins 0,0.5,1]]]
                      [--choose-precision 0.4 [--write-rule]]
    --levels also replays the model under the probability rule at each level (the precision-recall curve),
    with --guard-margins at each trend guard margin too (0: the trend's line; 1: its p10);
    --choose-precision picks the level (and margin) with the best 30-minute recall among those at or above
    that precision, and --write-rule stores it as alert_rule in the model's metadata.json`;

const COMMANDS = ['backtest', 'leadtime', 'alert-quality'] as const;

/** Where the command writes: tables to `out`, progress and errors to `err`. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: CliIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

export class UsageError extends Error {}

/** `backtest` (the default), `leadtime` or `alert-quality` with their flags; throws `UsageError` on bad arguments. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<void> {
  const command = (COMMANDS as readonly string[]).includes(argv[0]) ? (argv[0] as (typeof COMMANDS)[number]) : 'backtest';
  const { values } = parseArgs({
    args: argv[0] === command ? argv.slice(1) : [...argv],
    options: {
      data: { type: 'string' },
      model: { type: 'string' },
      json: { type: 'string' },
      stride: { type: 'string' },
      'max-series': { type: 'string' },
      'calibration-fraction': { type: 'string', default: '0.3' },
      incidents: { type: 'string' },
      threads: { type: 'string', default: '1' },
      'no-model': { type: 'boolean', default: false },
      levels: { type: 'string' },
      window: { type: 'string', default: '2h' },
      'trend-guard': { type: 'boolean', default: false },
      'guard-margins': { type: 'string', default: '0' },
      'choose-precision': { type: 'string' },
      'write-rule': { type: 'boolean', default: false },
      'alert-for': { type: 'string', default: formatDuration(DEFAULT_ALERT_FOR_SECONDS) },
      'alert-resolve-after': { type: 'string', default: formatDuration(DEFAULT_ALERT_RESOLVE_AFTER_SECONDS) },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return io.err(USAGE);
  if (!values.data || (command === 'leadtime' && !values.incidents)) throw new UsageError(USAGE);
  const int = (v: string | undefined, fallback: number, what: string) => {
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} must be a positive integer, got ${v}`);
    return n;
  };
  const progress = io.err;

  const modelDir = values.model ?? shippedModelDir();
  // inline: a batch tool has nothing to keep responsive, and no worker thread to wind down at exit
  const runner = await TftRunner.load(modelDir, {
    intraOpNumThreads: int(values.threads, 1, '--threads'),
    thread: 'inline',
  });
  const meta = runner.metadata;
  progress(
    `model ${meta.name} ${meta.version} (${modelDir}): step ${meta.step_seconds} s, horizon ${meta.horizon}, encoder ${meta.min_encoder_length}..${meta.max_encoder_length}`,
  );
  const tft: ModelUnderTest = {
    name: 'tft',
    forecaster: {
      forecast: async (items) => (await runner.forecast(items)).map((f) => f.quantiles),
    },
    profileIndex: (name, profile) => profileIndex(meta, name, profile),
    rule: meta.alert_rule ?? null,
  };
  const models = values['no-model'] ? [] : [tft];

  const loadStarted = Date.now();
  let series = await loadSeries(values.data, meta.step_seconds);
  if (values['max-series']) series = series.slice(0, int(values['max-series'], 1, '--max-series'));
  progress(`read ${series.length} series from ${values.data} in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`);
  const shape = {
    stepSeconds: meta.step_seconds,
    horizon: meta.horizon,
    maxEncoder: meta.max_encoder_length,
    minEncoder: meta.min_encoder_length,
  };

  const thresholdProfile = (name: string, profile: string | null): ThresholdProfile =>
    (meta.profile_vocabulary[profileIndex(meta, name, profile)] ?? 'unknown') as ThresholdProfile;

  if (command === 'alert-quality') {
    const duration = (flag: string, raw: string) => {
      try {
        return parseDuration(raw);
      } catch (err) {
        throw new UsageError(`--${flag}: ${(err as Error).message}`);
      }
    };
    const levels = values.levels === undefined ? [] : values.levels.split(',').map(Number);
    if (levels.some((l) => !(l > 0 && l < 1))) throw new UsageError(`--levels must be probabilities in (0, 1), got ${values.levels}`);
    const margins = (values['guard-margins'] as string).split(',').map(Number);
    if (margins.some((m) => !(m >= 0 && m <= 1)))
      throw new UsageError(`--guard-margins must be numbers in [0, 1], got ${values['guard-margins']}`);
    if (!values['trend-guard'] && margins.some((m) => m > 0)) throw new UsageError('--guard-margins needs --trend-guard');
    const sweep = {
      levels,
      window_minutes: duration('window', values.window as string) / 60,
      trend_guard: values['trend-guard'] as boolean,
      margins,
    };
    const r = await runAlertQuality(series, {
      ...shape,
      stride: int(values.stride, 1, '--stride'),
      models,
      timing: {
        forSeconds: duration('alert-for', values['alert-for'] as string),
        resolveAfterSeconds: duration('alert-resolve-after', values['alert-resolve-after'] as string),
      },
      sweep,
      thresholdProfile,
      onProgress: progress,
    });
    io.out(
      `${r.series} series, ${r.seriesDays.toFixed(1)} series-days replayed, model ${meta.version}, ` +
        `hysteresis ${values['alert-for']} / ${values['alert-resolve-after']}, ${r.seconds.toFixed(1)} s\n`,
    );
    io.out(alertQualityTable(r.results));
    if (values['choose-precision'] !== undefined) {
      const target = Number(values['choose-precision']);
      if (!(target > 0 && target < 1)) throw new UsageError(`--choose-precision must be in (0, 1), got ${values['choose-precision']}`);
      const choice = chooseRule(r.results, 'tft', levels, margins, target);
      if (choice === null) io.out(`\nno level in ${levels.join(', ')} reaches precision ${target}`);
      else {
        const rule: BreachRule = {
          level: choice.level,
          window_minutes: sweep.window_minutes,
          trend_guard: sweep.trend_guard,
          ...(choice.margin > 0 ? { trend_guard_margin: choice.margin } : {}),
        };
        io.out(`\nchosen: ${JSON.stringify(rule)} (precision >= ${target}, best 30-minute recall)`);
        if (values['write-rule']) {
          const file = join(modelDir, 'metadata.json');
          const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
          writeFileSync(file, `${JSON.stringify({ ...json, alert_rule: rule }, null, 2)}\n`);
          progress(`wrote alert_rule into ${file}`);
        }
      }
    }
    if (values.json) {
      writeFileSync(values.json, JSON.stringify({ model: `${meta.name} ${meta.version}`, data: values.data, results: r.results }, null, 2));
      progress(`wrote ${values.json}`);
    }
  } else if (command === 'backtest') {
    const calibrationFraction = Number(values['calibration-fraction']);
    if (!(calibrationFraction >= 0 && calibrationFraction < 1)) throw new UsageError('--calibration-fraction must be in [0, 1)');
    const r = await runBacktest(series, {
      ...shape,
      stride: int(values.stride, 36, '--stride'),
      calibrationFraction,
      models,
      onProgress: progress,
    });
    for (const s of r.seriesSkipped) progress(`skipped ${s}`);
    io.out(
      `${r.series} series, ${r.originsScored} scored origins (+${r.originsCalibration} calibrating the baselines), model ${meta.version}, ${r.seconds.toFixed(1)} s\n`,
    );
    io.out(summaryTable(r.results));
    io.out('');
    io.out(giftTable(r.gift));
    io.out('');
    io.out(`Plateaus (the last ${PLATEAU_STEPS} steps within ${PLATEAU_SPREAD} points at or above ${PLATEAU_FLOOR}):\n`);
    io.out(plateauTable(r.plateau));
    io.out('');
    io.out(bucketTable(r.results));
    io.out('');
    io.out(resultsTable(r.results));
    if (values.json) {
      writeFileSync(
        values.json,
        JSON.stringify(
          {
            model: `${meta.name} ${meta.version}`,
            data: values.data,
            results: r.results,
            gift: r.gift,
            plateau: r.plateau,
            gift_ratios: r.giftRatios,
          },
          null,
          2,
        ),
      );
      progress(`wrote ${values.json}`);
    }
  } else {
    const incidents = JSON.parse(await readFile(values.incidents as string, 'utf8')) as Incidents;
    const r = await runLeadtime(series, incidents, {
      ...shape,
      stride: int(values.stride, 1, '--stride'),
      models,
      thresholdProfile,
      onProgress: progress,
    });
    io.out(`${r.replayedDays.toFixed(1)} days replayed, model ${meta.version}, ${r.seconds.toFixed(1)} s\n`);
    io.out(leadtimeTables(r.incidents, r.summary));
    if (values.json) {
      writeFileSync(
        values.json,
        JSON.stringify(
          {
            model: `${meta.name} ${meta.version}`,
            incidents: r.incidents,
            summary: r.summary,
          },
          null,
          2,
        ),
      );
      progress(`wrote ${values.json}`);
    }
  }
}
