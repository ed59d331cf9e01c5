import type { AlertQualityRow } from './alert-quality';
import type { GiftRow, PlateauRow, ResultRow } from './backtest';
import type { IncidentRow, MethodSummary } from './leadtime';

const fmt = (v: number | null, digits = 4) => (v === null ? '-' : v.toFixed(digits));
const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(1)}%`);

/** Markdown table: one line per metric x horizon bucket x model, models grouped under each bucket. */
export function resultsTable(rows: readonly ResultRow[]): string {
  const lines = ['| metric | horizon | model | wQL | MASE | p10-p90 coverage | n |', '|---|---|---|---|---|---|---|'];
  const keys: string[] = [];
  for (const r of rows) {
    const key = `${r.metric}\u0000${r.horizon_bucket}`;
    if (!keys.includes(key)) keys.push(key);
  }
  for (const key of keys) {
    const [metric, bucket] = key.split('\u0000');
    const group = rows.filter((r) => r.metric === metric && r.horizon_bucket === bucket);
    const best = Math.min(...group.map((r) => r.wql ?? Infinity));
    for (const r of group) {
      const wql = r.wql === best ? `**${fmt(r.wql)}**` : fmt(r.wql);
      lines.push(`| ${metric} | ${bucket} | ${r.model} | ${wql} | ${fmt(r.mase, 3)} | ${pct(r.coverage_p10_p90)} | ${r.n} |`);
    }
  }
  return lines.join('\n');
}

/** Compact view: wQL over the whole horizon, one column per model, plus the TFT-vs-best-baseline gap. */
export function summaryTable(rows: readonly ResultRow[], reference = 'tft'): string {
  const models = [...new Set(rows.map((r) => r.model))];
  const all = rows.filter((r) => r.horizon_bucket === 'all');
  const metrics = [...new Set(all.map((r) => r.metric))];
  const others = models.filter((m) => m !== reference);
  const hasRef = models.includes(reference);
  const head = [
    'metric',
    ...models.map((m) => `${m} wQL`),
    ...(hasRef ? [`${reference} wQL vs best baseline`] : []),
    'coverage ' + models.join(' / '),
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const metric of metrics) {
    const get = (m: string) => all.find((r) => r.metric === metric && r.model === m);
    const cells = models.map((m) => fmt(get(m)?.wql ?? null));
    if (hasRef) {
      const ref = get(reference)?.wql ?? null;
      const best = Math.min(...others.map((m) => get(m)?.wql ?? Infinity));
      // relative change of the reference's wQL against the best baseline: negative = the reference wins
      cells.push(
        ref === null || !Number.isFinite(best) || best === 0
          ? '-'
          : `${ref / best - 1 >= 0 ? '+' : ''}${((ref / best - 1) * 100).toFixed(1)}%`,
      );
    }
    cells.push(models.map((m) => pct(get(m)?.coverage_p10_p90 ?? null)).join(' / '));
    lines.push(`| ${metric} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * The reference against the best baseline in every metric and horizon bucket (the quality bar: it must win
 * each), with the reference's own p10-p90 coverage.
 */
export function bucketTable(rows: readonly ResultRow[], reference = 'tft'): string {
  const lines = [
    `| metric | horizon | ${reference} wQL | best baseline | its wQL | ${reference} vs best | ${reference} coverage |`,
    '|---|---|---|---|---|---|---|',
  ];
  const keys = [...new Set(rows.map((r) => `${r.metric}\u0000${r.horizon_bucket}`))];
  for (const key of keys) {
    const [metric, bucket] = key.split('\u0000');
    const group = rows.filter((r) => r.metric === metric && r.horizon_bucket === bucket);
    const ref = group.find((r) => r.model === reference);
    const best = group
      .filter((r) => r.model !== reference && r.wql !== null)
      .reduce<ResultRow | null>((a, r) => (a === null || (r.wql as number) < (a.wql as number) ? r : a), null);
    if (!ref || !best) continue;
    const gap =
      ref.wql === null || !best.wql ? '-' : `${ref.wql / best.wql - 1 >= 0 ? '+' : ''}${((ref.wql / best.wql - 1) * 100).toFixed(1)}%`;
    lines.push(`| ${metric} | ${bucket} | ${fmt(ref.wql)} | ${best.model} | ${fmt(best.wql)} | ${gap} | ${pct(ref.coverage_p10_p90)} |`);
  }
  return lines.join('\n');
}

export function leadtimeTables(incidents: readonly IncidentRow[], summary: readonly MethodSummary[]): string {
  const methods = summary.map((s) => s.method);
  const lines = [
    `| series | incident | ${methods.map((m) => `${m} lead (min)`).join(' | ')} |`,
    `|---|---|${methods.map(() => '---').join('|')}|`,
  ];
  const seen = new Set<string>();
  for (const r of incidents) {
    const key = `${r.series}\u0000${r.incident}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const cells = methods.map((m) => {
      const hit = incidents.find((x) => x.series === r.series && x.incident === r.incident && x.method === m);
      return hit?.detected ? String(hit.lead_minutes) : 'missed';
    });
    lines.push(`| ${r.series} | ${r.incident} | ${cells.join(' | ')} |`);
  }
  lines.push(
    '',
    '| method | detected | median lead (min) | alert onsets | false alerts | false alerts / day |',
    '|---|---|---|---|---|---|',
  );
  for (const s of summary) {
    lines.push(
      `| ${s.method} | ${s.detected}/${s.incidents} | ${s.median_lead_minutes ?? '-'} | ${s.alert_onsets} | ${s.false_alerts} | ${s.false_alerts_per_day.toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

/** GIFT-Eval's normalisation: each model's wQL / seasonal naive, geometric mean over series and metrics, per bucket. */
export function giftTable(rows: readonly GiftRow[]): string {
  const buckets = [...new Set(rows.map((r) => r.horizon_bucket))];
  const models = [...new Set(rows.map((r) => r.model))];
  const lines = [
    `| model | ${buckets.map((b) => `${b} wQL / seasonal naive`).join(' | ')} | series x metrics |`,
    `|---|${buckets.map(() => '---').join('|')}|---|`,
  ];
  for (const model of models) {
    const cells = buckets.map((b) => fmt(rows.find((r) => r.model === model && r.horizon_bucket === b)?.geometric_mean ?? null, 3));
    lines.push(`| ${model} | ${cells.join(' | ')} | ${rows.find((r) => r.model === model)?.n ?? 0} |`);
  }
  return lines.join('\n');
}

/** The p50 error 30 minutes after plateau origins (a metric held high), per model. */
export function plateauTable(rows: readonly PlateauRow[]): string {
  const lines = ['| model | plateau origins | p50 MAE 30 min ahead |', '|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.model} | ${r.n} | ${fmt(r.mae_30m, 2)} |`);
  return lines.join('\n');
}

/** The alert-quality table: one line per method. */
export function alertQualityTable(rows: readonly AlertQualityRow[]): string {
  const lines = [
    '| method | breaches | recall 30 min ahead | recall 5 min ahead | median lead (min) | precision | false alerts / series-day |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.method} | ${r.breaches} | ${pct(r.recall_30m)} | ${pct(r.recall_5m)} | ${r.median_lead_min ?? '-'} | ${pct(r.precision)} | ${r.false_alerts_per_day.toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}
