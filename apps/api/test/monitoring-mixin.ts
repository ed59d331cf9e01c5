import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** deploy/monitoring: the Grafana dashboards, Prometheus rules and Alertmanager example. */
export const MIXIN_DIR = join(__dirname, '..', '..', '..', 'deploy', 'monitoring');

/** Series Prometheus writes itself, for every target and every alerting rule: in no exposition. */
export const PROMETHEUS_SERIES: ReadonlySet<string> = new Set([
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
  'ALERTS',
  'ALERTS_FOR_STATE',
]);

/** PromQL words that are not metric names when they stand bare (functions and aggregations are followed by `(`). */
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects: identifiers before `{`, `[` or standing bare, not
 * functions or aggregations (followed by `(`), keywords, label names (in matchers, grouping lists and
 * strings) or Grafana variables (`$job`, `${datasource}`, `$__rate_interval`), which are taken out first.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/\$\{[^}]*\}|\$\w+|\[\[\w+\]\]/g, '1m') // Grafana variables: a duration-like token, never a name
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/#[^\n]*/g, '')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[0-9][\w.]*|[A-Za-z_:][\w:]*/g)) {
    const token = m[0];
    if (/^[0-9]/.test(token) || KEYWORDS.has(token.toLowerCase())) continue;
    const after = stripped.slice(m.index + token.length).trimStart();
    if (after.startsWith('(')) continue; // a function or an aggregation
    names.add(token);
  }
  return [...names];
}

/** The metric names of a Grafana Prometheus variable query: `label_values(selector, label)` or `query_result(expr)`. */
export function variableQueryNames(query: string): string[] {
  const labelValues = /^\s*label_values\(([\s\S]*)\)\s*$/.exec(query);
  if (labelValues) {
    const args = labelValues[1];
    const comma = args.lastIndexOf(',');
    return comma < 0 ? [] : metricNames(args.slice(0, comma));
  }
  const result = /^\s*query_result\(([\s\S]*)\)\s*$/.exec(query);
  if (result) return metricNames(result[1]);
  throw new Error(`a variable query this check does not know: ${query}`);
}

export interface GrafanaTarget {
  expr?: string;
  refId?: string;
  datasource?: { type?: string; uid?: string };
}

export interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: GrafanaTarget[];
  panels?: GrafanaPanel[];
  fieldConfig?: { defaults?: { links?: { url: string }[] } };
}

export interface GrafanaVariable {
  name: string;
  type: string;
  query?: string | { query: string };
  current?: { value?: string | string[] };
  options?: { value: string }[];
  datasource?: { type?: string; uid?: string };
}

export interface GrafanaDashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: GrafanaPanel[];
  templating: { list: GrafanaVariable[] };
}

/** Every dashboard under deploy/monitoring/dashboards, by file name. */
export function readDashboards(): Map<string, GrafanaDashboard> {
  const dir = join(MIXIN_DIR, 'dashboards');
  return new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as GrafanaDashboard]),
  );
}

/** Panels with those of rows, collapsed or not. */
export function allPanels(dashboard: GrafanaDashboard): GrafanaPanel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Each PromQL expression of a dashboard (panel targets and variable queries), with where it is. */
export function dashboardQueries(dashboard: GrafanaDashboard): { where: string; expr: string; variable: boolean }[] {
  const out: { where: string; expr: string; variable: boolean }[] = [];
  for (const panel of allPanels(dashboard)) {
    for (const t of panel.targets ?? []) {
      if (t.expr !== undefined)
        out.push({ where: `${dashboard.uid} panel "${panel.title}" ${t.refId ?? ''}`.trim(), expr: t.expr, variable: false });
    }
  }
  for (const v of dashboard.templating.list) {
    if (v.type !== 'query') continue;
    const query = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    out.push({ where: `${dashboard.uid} variable ${v.name}`, expr: query, variable: true });
  }
  return out;
}

/** The metric names of one query as dashboardQueries lists it. */
export function queryNames(q: { expr: string; variable: boolean }): string[] {
  return q.variable ? variableQueryNames(q.expr) : metricNames(q.expr);
}

/**
 * The metric names of a text exposition's samples (histograms' `_bucket`, `_sum` and `_count` as
 * written), which is what PromQL selects: a histogram's bare family name selects nothing.
 */
export function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^([A-Za-z_:][\w:]*)[{ ]/gm)) names.add(m[1]);
  return names;
}
