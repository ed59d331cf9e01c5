import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatDuration, parseDuration } from '@tft/contracts';
import { DEFAULT_ALERT_FOR_SECONDS, DEFAULT_ALERT_RESOLVE_AFTER_SECONDS, profileIndex, type ThresholdProfile } from '@tft/forecasting';
import { runAlertQuality } from './alert-quality';
import { shippedModelDir, TftRunner } from '@tft/tft-runner';
import { runBacktest, type ModelUnderTest } from './backtest';
import { loadSeries } from './csv-reader';
import { runLeadtime, type Incidents } from './leadtime';
import { alertQualityTable, bucketTable, leadtimeTables, resultsTable, summaryTable } from './report';

const USAGE = `usage:
  npm run backtest -- --data <dir|csv> [--model <dir>] [--json out.json] [--stride N] [--max-series N]
                      [--calibration-fraction 0.3] [--no-model]
  npm run leadtime -- --data <dir|csv> --incidents <json> [--model <dir>] [--json out.json] [--stride N]
  npm run alert-quality -- --data <dir|csv> [--model <dir>] [--json out.json] [--stride N] [--max-series N]
                      [--alert-for 10m] [--alert-resolve-after 15m]`;

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
    const r = await runAlertQuality(series, {
      ...shape,
      stride: int(values.stride, 1, '--stride'),
      models,
      timing: {
        forSeconds: duration('alert-for', values['alert-for'] as string),
        resolveAfterSeconds: duration('alert-resolve-after', values['alert-resolve-after'] as string),
      },
      thresholdProfile,
      onProgress: progress,
    });
    io.out(
      `${r.series} series, ${r.seriesDays.toFixed(1)} series-days replayed, model ${meta.version}, ` +
        `hysteresis ${values['alert-for']} / ${values['alert-resolve-after']}, ${r.seconds.toFixed(1)} s\n`,
    );
    io.out(alertQualityTable(r.results));
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
