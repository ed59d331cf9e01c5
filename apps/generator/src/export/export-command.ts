import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { parseInstant, type ScenarioName } from '@tft/contracts';
import { DEFAULT_EXPORT_START, exportDataset, validateExportOptions, type ExportOptions } from './dataset-export';

const USAGE = `usage: npm run generator -- export --out FILE [--servers 20] [--hours 720] [--seed 7]
       [--step-seconds 300] [--sample-seconds 5] [--start 2025-01-06T00:00:00Z]
       [--scenario healthy|degrading|critical|disk_fill|memory_leak] [--scenario-at HOURS]
       [--scenario-ramp-minutes 10] [--affected-share 0.15]`;

/** Reports progress on stderr: a live line on a terminal, every 10 % otherwise (CI logs). */
function progressReporter(label: string): (fraction: number) => void {
  const tty = process.stderr.isTTY;
  let shown = -1;
  return (fraction) => {
    const pct = Math.floor(fraction * 100);
    if (pct === shown || (!tty && pct % 10 !== 0)) return;
    shown = pct;
    if (tty) {
      const bar = '#'.repeat(Math.floor(pct / 4)).padEnd(25, '.');
      process.stderr.write(`\r${label} [${bar}] ${pct}%${pct === 100 ? '\n' : ''}`);
    } else {
      process.stderr.write(`${label} ${pct}%\n`);
    }
  };
}

/** The --start instant by the daemon's rule (a zone is required); NaN, which validation names, when it breaks it. */
function startOf(raw: string): number {
  try {
    return parseInstant(raw);
  } catch {
    return Number.NaN;
  }
}

/** `export` subcommand: returns the process exit code. */
export function runExportCommand(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        out: { type: 'string' },
        servers: { type: 'string', default: '20' },
        hours: { type: 'string', default: '720' },
        seed: { type: 'string', default: '7' },
        'step-seconds': { type: 'string', default: '300' },
        'sample-seconds': { type: 'string', default: '5' },
        start: { type: 'string' },
        scenario: { type: 'string', default: 'healthy' },
        'scenario-at': { type: 'string', default: '0' },
        'scenario-ramp-minutes': { type: 'string', default: '10' },
        'affected-share': { type: 'string', default: '0.15' },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!values.out) {
    process.stderr.write(`--out is required\n${USAGE}\n`);
    return 2;
  }
  const options: ExportOptions = {
    servers: Number(values.servers),
    hours: Number(values.hours),
    seed: Number(values.seed),
    stepSeconds: Number(values['step-seconds']),
    sampleSeconds: Number(values['sample-seconds']),
    start: values.start ? startOf(values.start) : DEFAULT_EXPORT_START,
    scenario: values.scenario as ScenarioName,
    scenarioAtHours: Number(values['scenario-at']),
    scenarioRampMinutes: Number(values['scenario-ramp-minutes']),
    affectedShare: Number(values['affected-share']),
  };
  const errors = validateExportOptions(options);
  if (errors.length) {
    process.stderr.write(errors.map((e) => `invalid option: ${e}`).join('\n') + `\n${USAGE}\n`);
    return 2;
  }
  mkdirSync(dirname(values.out), { recursive: true });
  const fd = openSync(values.out, 'w');
  const started = Date.now();
  try {
    const { rows } = exportDataset(options, (chunk) => writeSync(fd, chunk), progressReporter(`export ${values.out}`));
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(`wrote ${rows} rows (${options.servers} servers x ${options.hours} h) to ${values.out} in ${seconds} s\n`);
  } finally {
    closeSync(fd);
  }
  return 0;
}
