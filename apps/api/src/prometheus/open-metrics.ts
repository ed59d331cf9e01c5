import { Registry } from 'prom-client';

/** The two expositions GET /metrics serves: Prometheus text 0.0.4 (the default) and OpenMetrics 1.0.0. */
export type ExpositionFormat = 'text' | 'openmetrics';

export const EXPOSITION_CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  text: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
};

/** The last line of every OpenMetrics exposition. */
export const OPENMETRICS_EOF = '# EOF\n';

/** The media types each format answers, most specific first. */
const RANGES: Readonly<Record<ExpositionFormat, readonly string[]>> = {
  text: ['text/plain', 'text/*', '*/*'],
  openmetrics: ['application/openmetrics-text', 'application/*', '*/*'],
};

/**
 * The exposition a scraper's Accept header asks for. OpenMetrics only when the header ranks
 * `application/openmetrics-text` above the text format (Prometheus does: OpenMetrics at q=1, text at 0.5);
 * no header, a bare wildcard (curl, browsers), a tie or anything unrecognised gets the text format. Each format takes the quality of
 * the most specific range that matches it (RFC 9110 12.5.1); media-type parameters other than q (the
 * format versions) are not compared.
 */
export function expositionFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'text';
  const quality = new Map<string, number>();
  for (const entry of accept.split(',')) {
    const [range, ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    if (!range) continue;
    let q = 1;
    for (const param of params) {
      const m = /^q\s*=\s*([0-9.]+)$/.exec(param);
      if (m) q = Math.min(1, Number(m[1]) || 0);
    }
    quality.set(range, Math.max(quality.get(range) ?? 0, q));
  }
  const of = (format: ExpositionFormat): number => {
    const range = RANGES[format].find((r) => quality.has(r));
    return range === undefined ? 0 : (quality.get(range) ?? 0);
  };
  const openMetrics = of('openmetrics');
  return openMetrics > 0 && openMetrics > of('text') ? 'openmetrics' : 'text';
}

/**
 * prom-client's text exposition rewritten as OpenMetrics 1.0.0 metric families, without the closing
 * `# EOF` (OPENMETRICS_EOF), so that several registries' parts can be joined: a counter family drops
 * `_total` from its name and its samples carry it, `untyped` becomes `unknown`, blank lines go.
 * prom-client's own OpenMetrics mode does the counter renaming on the metric objects themselves, so a
 * text scrape after an OpenMetrics one would lose the suffix; rewriting the text leaves them alone.
 */
export function openMetricsFamilies(text: string): string {
  const types = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(m[1], m[2]);
  const family = (name: string): string => (types.get(name) === 'counter' ? name.replace(/_total$/, '') : name);
  const out: string[] = [];
  let counter: string | null = null;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
    if (meta) {
      const [, keyword, name, rest = ''] = meta;
      counter = types.get(name) === 'counter' ? family(name) : null;
      const value = keyword === 'TYPE' && rest === 'untyped' ? 'unknown' : rest;
      out.push(`# ${keyword} ${family(name)}${value === '' ? '' : ` ${value}`}`);
      continue;
    }
    if (line.startsWith('#')) continue; // OpenMetrics has no free comments
    if (counter !== null && (line.startsWith(`${counter} `) || line.startsWith(`${counter}{`))) {
      out.push(`${counter}_total${line.slice(counter.length)}`);
      continue;
    }
    out.push(line);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
