import { ARCHIVE_DAYS, ARCHIVE_SERVERS, DEFAULT_PARTS, type Part } from './args';
import { summaryRows, type BenchReport } from './bench-report';
import { markdownTable } from './report';

/** Reads the bench's `--json` output; throws, naming `source` and what is missing, when `text` is not one. */
export function parseBenchReport(text: string, source: string): BenchReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source} is not JSON: ${(err as Error).message}`);
  }
  const r = value as Partial<BenchReport> | null;
  const missing = [
    typeof r?.date === 'string' && !Number.isNaN(Date.parse(r.date)) ? null : 'date',
    Array.isArray(r?.parts) ? null : 'parts',
    typeof r?.machine?.cpus === 'number' ? null : 'machine',
    typeof r?.model_version === 'string' ? null : 'model_version',
  ].filter((k): k is string => k !== null);
  if (missing.length) throw new Error(`${source} is not the output of \`npm run bench -- --json\` (no valid ${missing.join(', ')})`);
  return r as BenchReport;
}

/** The command line that produced `r`. */
function commandOf(r: BenchReport): string {
  // a report written before a part existed (its key absent) ran everything there was then
  const key = (p: Part): string => (p === 'predictions' ? 'predictions_current' : p.replace('-', '_'));
  const all = DEFAULT_PARTS.every((p) => r.parts.includes(p) || !(key(p) in r)) && r.parts.every((p) => DEFAULT_PARTS.includes(p));
  const only = all ? '' : ` --only ${r.parts.join(',')}`;
  const a = r.archive;
  const archive =
    a && (a.servers !== ARCHIVE_SERVERS || a.days !== ARCHIVE_DAYS) ? ` --archive-servers ${a.servers} --archive-days ${a.days}` : '';
  return `npm run bench --${only}${r.quick ? ' --quick' : ''}${archive} --json bench.json`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/**
 * One dated entry for docs/BENCHMARKS.md from the bench's JSON: a heading with the date (UTC), model and
 * machine, a line saying how it ran, and the summary table the bench prints (figure, value, target, met).
 */
export function renderBenchmarks(r: BenchReport): string {
  const m = r.machine;
  const torch = r.inference?.torch.torch_version;
  const setup = [`Node ${m.node}`, `onnxruntime-node ${m.onnxruntime_node}`, ...(torch ? [`torch ${torch}`] : []), m.platform].join(', ');
  const load = m.load_average_at_start.length ? `; load average ${m.load_average_at_start.join(' / ')} at the start` : '';
  const lines = [
    `### ${r.date.slice(0, 10)}: model ${r.model_version}, ${m.cpus} cpus (${m.cpu_model})`,
    '',
    `\`${commandOf(r)}\`, ${Math.round(r.seconds)} s; ${setup}${load}.` +
      (r.quick ? ' With `--quick`: a sanity run, not figures to quote.' : ''),
    '',
    markdownTable(
      ['figure', 'value', 'target', 'met'],
      summaryRows(r).map((row) => row.map(cell)),
    ),
  ];
  return lines.join('\n');
}
