import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keepRegex, RECEIVED_SERIES } from './received-series';

const root = join(__dirname, '../../../..');

describe("the receiver's table of series", () => {
  it('keeps exactly its series, as Prometheus anchors a relabel regex', () => {
    const keep = new RegExp(`^(?:${keepRegex('/var')})$`);
    const labels = (name: string, mode = '', mountpoint = '') => `${name};${mode};${mountpoint}`;
    expect(keep.test(labels('node_cpu_seconds_total', 'idle'))).toBe(true);
    expect(keep.test(labels('node_cpu_seconds_total', 'user'))).toBe(false);
    expect(keep.test(labels('node_filesystem_avail_bytes', '', '/var'))).toBe(true);
    expect(keep.test(labels('node_filesystem_avail_bytes', '', '/'))).toBe(false);
    expect(keep.test(labels('node_load1'))).toBe(true);
    expect(keep.test(labels('node_load5'))).toBe(false);
    expect(keep.test(labels('instance:node_memory_utilisation:ratio'))).toBe(true);
    expect(RECEIVED_SERIES.every((s) => keep.test(labels(s.name, s.mode, s.atMountpoint ? '/var' : '')))).toBe(true);
  });

  it('is the keep rule docs/PROMETHEUS.md gives', () => {
    const docs = readFileSync(join(root, 'docs/PROMETHEUS.md'), 'utf8');
    expect(docs).toContain(`regex: '${keepRegex('/')}'`);
  });
});
