import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvFormatError, listCsvFiles, loadSeries, parseTimestamp, readContractCsv, splitCsvLine } from './csv-reader';

const T0 = Date.UTC(2025, 0, 6) / 1000;

function fixture(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'backtest-csv-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('parseTimestamp', () => {
  it('reads zoned ISO 8601 and takes a zone-less one as UTC', () => {
    expect(parseTimestamp('2025-01-06T00:05:00Z')).toBe(T0 + 300);
    expect(parseTimestamp('2025-01-06T01:05:00+01:00')).toBe(T0 + 300);
    expect(parseTimestamp('2025-01-06T00:05:00')).toBe(T0 + 300);
    expect(parseTimestamp('2025-01-06 00:05:00')).toBe(T0 + 300);
    expect(parseTimestamp('yesterday')).toBeNaN();
  });
});

describe('splitCsvLine', () => {
  it('splits plain lines and honours quotes', () => {
    expect(splitCsvLine('a,,3')).toEqual(['a', '', '3']);
    expect(splitCsvLine('"x,y",2,"say ""hi"""')).toEqual(['x,y', '2', 'say "hi"']);
  });
});

describe('readContractCsv / loadSeries', () => {
  // Out of order, irregular (0 s and 13 min apart), a zone-less stamp, CRLF line ends, blank cells,
  // an extra column, and columns in a non-contract order.
  const text = [
    'server_name,timestamp,load_average,cpu_percent,memory_percent,disk_percent,status',
    'web-1,2025-01-06T00:16:00Z,,30,,,healthy',
    'web-1,2025-01-06T00:00:00Z,1.5,10,40,,healthy',
    'web-1,2025-01-06T00:03:10Z,2.5,20,,,healthy',
    'web-1,2025-01-06T00:05:30,,,44,,healthy',
    'db-2,2025-01-06T00:03:10Z,,,,,offline',
    'db-2,2025-01-06T00:03:10Z,,55,,71,healthy',
    '',
  ].join('\r\n');

  it('groups rows per server, reads blank cells as null and bins onto the grid without inventing steps', async () => {
    const [web, db] = await loadSeries(fixture('fleet.csv', text), 300);
    expect(web.name).toBe('web-1');
    expect(web.series.t0).toBe(T0);
    expect(web.series.length).toBe(4); // buckets 0, 1, (2 missing), 3
    const row = (i: number) => Array.from(web.series.values.subarray(i * 4, i * 4 + 4));
    const mask = (i: number) => Array.from(web.series.mask.subarray(i * 4, i * 4 + 4));
    // bucket 0: cpu mean(10, 20) = 15, memory 40 (one sample), disk unmeasured, load mean(1.5, 2.5) = 2
    expect(row(0)).toEqual([15, 40, 0, 2]);
    expect(mask(0)).toEqual([1, 1, 0, 1]);
    expect(row(1)).toEqual([0, 44, 0, 0]);
    expect(mask(1)).toEqual([0, 1, 0, 0]);
    expect(mask(2)).toEqual([0, 0, 0, 0]);
    expect(row(3)).toEqual([30, 0, 0, 0]);
    expect(Array.from(web.series.samples)).toEqual([2, 1, 0, 1]);
    // the all-blank row adds nothing, the duplicate time with values does
    expect(db.series.length).toBe(1);
    expect(Array.from(db.series.values)).toEqual([55, 0, 71, 0]);
    expect(db.profile).toBeNull();
  });

  it('keeps a profile column', async () => {
    const servers = await readContractCsv(
      fixture('p.csv', 'timestamp,server_name,cpu_percent,profile\n2025-01-06T00:00:00Z,x,1,database\n'),
    );
    expect(servers.get('x')?.profile).toBe('database');
  });

  it('names the file and line of a bad timestamp or a non-numeric cell', async () => {
    const bad = fixture('bad.csv', 'timestamp,server_name,cpu_percent\n2025-01-06T00:00:00Z,a,1\nnot-a-time,a,2\n');
    await expect(readContractCsv(bad)).rejects.toThrow(/bad\.csv:3: bad timestamp "not-a-time"/);
    const nan = fixture('nan.csv', 'timestamp,server_name,cpu_percent\n2025-01-06T00:00:00Z,a,abc\n');
    await expect(readContractCsv(nan)).rejects.toThrow(CsvFormatError);
    await expect(readContractCsv(fixture('h.csv', 'time,host,cpu\n'))).rejects.toThrow(/timestamp and server_name/);
  });

  it('lists the CSV files of a directory in name order', () => {
    const file = fixture('b.csv', 'timestamp,server_name,cpu_percent\n');
    const dir = join(file, '..');
    writeFileSync(join(dir, 'a.CSV'), '');
    writeFileSync(join(dir, 'notes.txt'), '');
    expect(listCsvFiles(dir).map((f) => f.slice(dir.length + 1))).toEqual(['a.CSV', 'b.csv']);
    expect(listCsvFiles(file)).toEqual([file]);
  });
});
