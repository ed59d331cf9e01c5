/** A markdown table: header row, separator, rows; columns padded to their widest cell. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (c ?? '').padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** A figure for the table: thousands separators, `digits` decimals, "n/a" for null/NaN. */
export function num(x: number | null | undefined, digits = 0, unit = ''): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  return `${x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}${unit}`;
}

/** "pass"/"FAIL" against a target, "n/a" without a figure. */
export function verdict(x: number | null | undefined, ok: (v: number) => boolean): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  return ok(x) ? 'pass' : 'FAIL';
}
