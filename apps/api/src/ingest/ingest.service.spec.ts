import { validateSync } from 'class-validator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FeedRecordDto, RECORD_FIELDS } from './dto/feed-data.dto';
import { isPlainValidRecord } from './ingest.service';

const valid = {
  timestamp: '2026-11-28T12:00:00Z',
  server_name: 'ppweb-0001',
  cpu_percent: 45.2,
  memory_percent: 62.1,
  disk_percent: 35.8,
  load_average: 2.3,
};

function dtoAccepts(record: Record<string, unknown>): boolean {
  const dto = new FeedRecordDto();
  for (const f of RECORD_FIELDS)
    if (Object.prototype.hasOwnProperty.call(record, f)) (dto as unknown as Record<string, unknown>)[f] = record[f];
  return validateSync(dto).length === 0;
}

// near-miss values for every field: the fast path must refuse each one class-validator refuses
const fieldValue = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    100,
    100.0000001,
    -1e-9,
    1e5,
    100001,
    Number.NaN,
    Infinity,
    -Infinity,
    '45',
    null,
    true,
    [],
    {},
    '2026-11-28T12:00:00Z',
    '2026-11-28 12:00',
    '2026-11-28T12:00:00.123456789+01:00',
    '2026-11-28T12:00:00.1234567890Z',
    '2026-13-45T99:99Z',
    'ppweb-0001',
    '-ppweb',
    'a'.repeat(128),
    'a'.repeat(129),
    'host name',
    'host\u0000',
    'ml_compute',
    'unknown',
    'healthy',
    'heavy_load',
    'Healthy',
    'a'.repeat(33),
    '',
  ),
  fc.double(),
  fc.string({ maxLength: 40 }),
);
const record = fc
  .record({
    base: fc.constant(valid),
    overrides: fc.dictionary(fc.constantFrom(...RECORD_FIELDS, 'extra', '__proto__'), fieldValue, { maxKeys: 3 }),
    drop: fc.subarray([...RECORD_FIELDS]),
  })
  .map(({ base, overrides, drop }) => {
    const r: Record<string, unknown> = JSON.parse(JSON.stringify({ ...base, ...overrides }));
    for (const f of drop) delete r[f];
    return r;
  });

describe('isPlainValidRecord (the ingest fast path)', () => {
  it('accepts a contract record, with or without status and profile', () => {
    expect(isPlainValidRecord({ ...valid })).toBe(true);
    expect(isPlainValidRecord({ ...valid, status: null, profile: null })).toBe(true);
    expect(
      isPlainValidRecord({
        ...valid,
        status: 'heavy_load',
        profile: 'database',
      }),
    ).toBe(true);
  });

  it('sends anything unusual to class-validator: NaN, strings for numbers, extra keys, bad names', () => {
    expect(isPlainValidRecord({ ...valid, cpu_percent: Number.NaN })).toBe(false);
    expect(isPlainValidRecord({ ...valid, cpu_percent: '45' })).toBe(false);
    expect(isPlainValidRecord({ ...valid, load_average: 100_001 })).toBe(false);
    expect(isPlainValidRecord({ ...valid, extra: 1 })).toBe(false);
    expect(isPlainValidRecord(JSON.parse('{"__proto__":{"x":1},"timestamp":"2026-11-28T12:00:00Z"}'))).toBe(false);
    expect(isPlainValidRecord({ ...valid, server_name: 'a'.repeat(129) })).toBe(false);
    expect(isPlainValidRecord({ ...valid, profile: 'mainframe' })).toBe(false);
  });

  it('is never more lenient than the FeedRecordDto rules', () => {
    fc.assert(
      fc.property(record, (r) => {
        if (isPlainValidRecord(r)) expect(dtoAccepts(r)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the fast path for most valid records (else it would save nothing)', () => {
    let fast = 0;
    let validCount = 0;
    fc.assert(
      fc.property(record, (r) => {
        if (!dtoAccepts(r) || 'extra' in r || Object.prototype.hasOwnProperty.call(r, '__proto__')) return;
        validCount++;
        if (isPlainValidRecord(r)) fast++;
      }),
      { numRuns: 5000 },
    );
    expect(validCount).toBeGreaterThan(100);
    expect(fast).toBe(validCount);
  });
});
