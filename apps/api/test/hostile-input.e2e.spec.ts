import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { END, startTestApp, type RecordShape, type TestApp } from './test-app';

/**
 * Property-based hostile input against the real app: whatever arrives, the answer is 200, 400 or 413
 * within a deadline, never a 5xx; mixed batches keep their valid records; the window holds exactly the
 * valid samples sent and nothing leaks onto Object.prototype.
 */

const KNOWN = 'ppknown0001';
const MAX_RECORDS = 500;
const REQUEST_TIMEOUT_MS = 10_000;
const RUNS = 60;

interface Answer {
  status: number;
  body: {
    records_added?: number;
    duplicates?: number;
    rejected?: { index: number; field: string; reason: string }[];
    message?: unknown;
  };
}

const FIELDS = ['timestamp', 'server_name', 'cpu_percent', 'memory_percent', 'disk_percent', 'load_average', 'status', 'profile'] as const;
type Field = (typeof FIELDS)[number];

/** Values that fail the field's own validation (so the field is named in `rejected`). */
const INVALID: Record<Field, unknown[]> = {
  timestamp: ['yesterday noon', '', 42, null, true, {}, [], '2025-13-45', '12:00', '2025-10-12T21:40:00Z; DROP TABLE', '1e309', 'NaN'],
  server_name: [
    'x'.repeat(10_000),
    'web\n01',
    'web\u000001',
    '\u001b[31mred',
    '',
    ' ',
    '../../etc/passwd',
    'sérvér',
    7,
    null,
    ['a'],
    { $gt: '' },
    '-lead',
  ],
  cpu_percent: [
    'NaN',
    'Infinity',
    '-Infinity',
    '45',
    '',
    null,
    true,
    [],
    {},
    -0.0001,
    100.0001,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
  ],
  memory_percent: ['NaN', '62.1', null, 101, -1, 1e21, [62], { valueOf: 1 }],
  disk_percent: ['Infinity', '35', null, 1000, -50, '0x10'],
  load_average: ['NaN', '2.3', null, -0.1, 100001, 1e300, -1e-300],
  status: ['DROP TABLE', 'HEALTHY', '', 5, 'a'.repeat(40), 'ok\n'],
  profile: ['mainframe', '', 3, '__proto__', 'constructor'], // null means absent for an optional field
};
/** Well-formed timestamps that are still not real monitoring times: rejected after the format check. */
const ABSURD_TIMES = [
  '1970-01-01T00:00:00Z',
  '2100-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '2025-02-30T25:61:61Z',
  '0000-01-01T00:00:00Z',
  '2025-10-12T21:40:00+99:99',
];
const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'extra', 'cpu_percent ', 'CPU_PERCENT'];

let knownSeq = 0;
/** A valid sample of the tracked server, each at its own second (so none is a duplicate). */
function knownRecord(): RecordShape {
  const t = END - 40_000 + knownSeq++;
  return {
    timestamp: new Date(t * 1000).toISOString(),
    server_name: KNOWN,
    cpu_percent: 40 + (knownSeq % 7),
    memory_percent: 55,
    disk_percent: 40,
    load_average: 1.5,
    profile: 'generic',
  };
}

const baseHostile = (i: number): Record<string, unknown> => ({
  timestamp: new Date((END - 3600 + i) * 1000).toISOString(),
  server_name: `pphostile${i % 5}`,
  cpu_percent: 10,
  memory_percent: 20,
  disk_percent: 30,
  load_average: 0.5,
});

interface Hostile {
  kind: 'field' | 'missing' | 'absurd-time';
  field: Field;
  json: string;
}

/** A record that is certainly invalid, as raw JSON text (so `__proto__` keys and 1e999 survive). */
const hostileRecord: fc.Arbitrary<Hostile> = fc
  .record({
    i: fc.nat(10_000),
    kind: fc.constantFrom<'field' | 'missing' | 'absurd-time'>('field', 'field', 'missing', 'absurd-time'),
    field: fc.constantFrom(...FIELDS),
    pick: fc.nat(),
    extras: fc.subarray(EXTRA_KEYS, { maxLength: 3 }),
    extraValue: fc.oneof(fc.constant({ polluted: true }), fc.jsonValue({ maxDepth: 3 }), fc.string({ maxLength: 20 })),
    literal: fc.option(fc.constantFrom('1e999', '-1e999', '-0', '1e-400'), {
      nil: undefined,
    }),
  })
  .map(({ i, kind, field, pick, extras, extraValue, literal }) => {
    const r = baseHostile(i);
    let f: Field = field;
    if (kind === 'missing') {
      if (f === 'status' || f === 'profile') f = 'load_average'; // optional fields may be missing
      delete r[f];
    } else if (kind === 'absurd-time') {
      f = 'timestamp';
      r['timestamp'] = ABSURD_TIMES[pick % ABSURD_TIMES.length];
    } else {
      const values = INVALID[f];
      r[f] = values[pick % values.length];
    }
    // JSON has no NaN, but 1e999 parses to Infinity: put such a literal where a number goes.
    const numeric = ['cpu_percent', 'memory_percent', 'disk_percent', 'load_average'].includes(f);
    if (literal && kind === 'field' && numeric) r[f] = '@literal@';
    let json = JSON.stringify(r).slice(0, -1);
    if (literal && kind === 'field' && numeric)
      json = json.replace('"@literal@"', literal === '1e999' || literal === '-1e999' ? literal : '1e999');
    for (const key of extras) json += `,${JSON.stringify(key)}:${JSON.stringify(extraValue)}`;
    return { kind, field: f, json: json + '}' };
  });

describe('hostile input over HTTP (property-based, real app)', () => {
  let t: TestApp;
  let knownSent = 0;
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  async function send(body: string): Promise<Answer> {
    const res = await fetch(`${t.base}/feed/data`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let parsed: Answer['body'] = {};
    try {
      parsed = JSON.parse(text);
    } catch {
      /* status is what matters then */
    }
    expect([200, 400, 413], `status ${res.status}: ${text.slice(0, 300)}`).toContain(res.status);
    return { status: res.status, body: parsed };
  }

  beforeAll(async () => {
    t = await startTestApp({
      WRITE_RATE_LIMIT: '0',
      MAX_BODY_SIZE: '1mb',
      MAX_RECORDS_PER_REQUEST: String(MAX_RECORDS),
    });
  }, 60_000);
  afterAll(() => t.app.close());

  it('keeps the valid records of a mixed batch and names every invalid one (400 only when none is valid)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(hostileRecord, { freq: 3, nil: null }), {
          maxLength: 25,
        }),
        async (slots) => {
          // null slots become valid records of the tracked server
          const parts = slots.map((s) => (s ? s.json : JSON.stringify(knownRecord())));
          const res = await send(`{"records":[${parts.join(',')}]}`);
          const valid = slots.filter((s) => s === null).length;
          if (slots.length === 0) {
            expect(res.status).toBe(400);
            return;
          }
          expect(res.status).toBe(valid > 0 ? 200 : 400);
          const rejected = res.body.rejected ?? [];
          const rejectedIdx = new Set(rejected.map((r) => r.index));
          slots.forEach((s, index) => {
            if (s === null) {
              expect(rejectedIdx.has(index), `valid record ${index} rejected`).toBe(false);
              return;
            }
            expect(rejectedIdx.has(index), `hostile record ${index} accepted: ${s.json.slice(0, 200)}`).toBe(true);
            if (s.kind !== 'absurd-time' || !rejected.some((r) => r.index === index && r.field !== 'timestamp')) {
              expect(rejected.filter((r) => r.index === index).map((r) => r.field)).toContain(s.field);
            }
          });
          for (const r of rejected) {
            expect(Number.isInteger(r.index) && r.index >= 0 && r.index < slots.length).toBe(true);
            expect(typeof r.reason).toBe('string');
            expect(r.reason.length).toBeLessThan(300);
          }
          if (res.status === 200) {
            expect(res.body.records_added).toBe(valid);
            expect(res.body.duplicates).toBe(0);
            knownSent += valid;
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('answers arbitrary JSON bodies with 200, 400 or 413, never storing for the tracked server', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (value) => {
        const res = await send(JSON.stringify(value));
        expect(res.status).not.toBe(413);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses hostile envelopes: wrong types, extra and prototype keys, deep nesting, truncation', async () => {
    const good = JSON.stringify({
      records: [{ ...baseHostile(1), server_name: 'ppenvelope01' }],
    });
    const envelope = fc.oneof(
      fc.constantFrom(
        '',
        'null',
        '[]',
        '"records"',
        '{"records": null}',
        '{"records": "[]"}',
        '{"records": {}}',
        '{"records": {"length": 1, "0": {}}}',
        '{"records": []}',
        '{"records": [null, 1, "x", [], true]}',
        '{"records": [{}]}',
        '{"__proto__": {"records": [1]}}',
        '{"records": [1], "__proto__": {"polluted": true}}',
        '{"constructor": {"prototype": {"polluted": true}}, "records": [{}]}',
        '{"records": [{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}]}',
        '{"records": [NaN]}',
        '{"records": [Infinity]}',
        "{'records': []}",
        '{"records": [] /* comment */}',
        '\u0000',
        '{"records": [1e999, -1e999]}',
      ),
      fc.integer({ min: 1, max: 20_000 }).map((d) => `{"records":${'['.repeat(d)}${']'.repeat(d)}}`),
      fc.integer({ min: 1, max: 20_000 }).map((d) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`),
      fc.nat(good.length - 1).map((n) => good.slice(0, n)),
      fc.string({ maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(envelope, async (body) => {
        const res = await send(body);
        expect(res.status).toBe(400);
      }),
      { numRuns: RUNS },
    );
  });

  it('answers very large batches and bodies with 413 and stores nothing from them', async () => {
    const many = Array.from({ length: MAX_RECORDS + 1 }, () => knownRecord());
    expect((await send(JSON.stringify({ records: many }))).status).toBe(413);
    const big = {
      records: [{ ...knownRecord(), status: 'healthy', pad: 'x'.repeat(1024 * 1024) }],
    };
    expect((await send(JSON.stringify(big))).status).toBe(413);
    const full = Array.from({ length: MAX_RECORDS }, () => knownRecord());
    const res = await send(JSON.stringify({ records: full }));
    expect(res.status).toBe(200);
    expect(res.body.records_added).toBe(MAX_RECORDS);
    knownSent += MAX_RECORDS;
  });

  it('leaves the window exact and Object.prototype clean afterwards', async () => {
    expect(knownSent).toBeGreaterThan(MAX_RECORDS);
    const detail = (await (await fetch(`${t.base}/servers/${KNOWN}`)).json()) as {
      history: { samples: number; cpu_percent: number | null }[];
      open_step: { samples: number } | null;
    };
    const stored = detail.history.reduce((a, h) => a + h.samples, 0) + (detail.open_step?.samples ?? 0);
    expect(stored).toBe(knownSent);
    for (const h of detail.history) if (h.cpu_percent !== null) expect(h.cpu_percent >= 40 && h.cpu_percent <= 46).toBe(true);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    // the forecast job still runs over everything stored, and nothing non-finite got in
    await t.inference.pass();
    const predictions = await (await fetch(`${t.base}/predictions/current`)).text();
    expect(predictions).not.toMatch(/NaN|Infinity/);
    const names = (
      (await (await fetch(`${t.base}/servers`)).json()) as {
        server_name: string;
      }[]
    ).map((s) => s.server_name);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);
  });
});
