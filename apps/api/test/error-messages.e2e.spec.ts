import { ConsoleLogger, Logger, type ArgumentsHost } from '@nestjs/common';
import { PROFILES } from '@tft/contracts';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorBodyFilter } from '../src/common/http/error-body.filter';
import { WindowService } from '../src/window/window.service';
import { END, history, startTestApp, type TestApp } from './test-app';

/** The exact words of the 400 and 413 answers: each names the field or limit, the rule and what was sent. */

const valid = history('ppmsg0001', 1, () => 40)[0];
const PROFILE_LIST = [...PROFILES, 'unknown'].join(', ');
const NAME_RULE = 'server_name must be 1-128 letters, digits and . _ : - starting with a letter or digit';

const reasons: [string, Record<string, unknown>, string, string][] = [
  ['cpu as text', { cpu_percent: 'abc' }, 'cpu_percent', 'cpu_percent must be a number in 0..100 (got "abc")'],
  ['cpu over 100', { cpu_percent: 100.5 }, 'cpu_percent', 'cpu_percent must be a number in 0..100 (got 100.5)'],
  ['negative memory', { memory_percent: -1 }, 'memory_percent', 'memory_percent must be a number in 0..100 (got -1)'],
  ['disk as null', { disk_percent: null }, 'disk_percent', 'disk_percent must be a number in 0..100 (got null)'],
  ['disk as an array', { disk_percent: [35] }, 'disk_percent', 'disk_percent must be a number in 0..100 (got [35])'],
  ['negative load', { load_average: -0.1 }, 'load_average', 'load_average must be a number in 0..100000 (got -0.1)'],
  ['load as a boolean', { load_average: true }, 'load_average', 'load_average must be a number in 0..100000 (got true)'],
  ['missing load', { load_average: undefined }, 'load_average', 'load_average is required'],
  [
    'prose timestamp',
    { timestamp: 'yesterday noon' },
    'timestamp',
    'timestamp must be an ISO 8601 date-time such as 2026-11-28T12:00:00Z (got "yesterday noon")',
  ],
  ['numeric timestamp', { timestamp: 42 }, 'timestamp', 'timestamp must be an ISO 8601 date-time such as 2026-11-28T12:00:00Z (got 42)'],
  [
    'absurd timestamp',
    { timestamp: '1970-01-01T00:00:00Z' },
    'timestamp',
    'timestamp must be a real date between 2000 and 2100 (got "1970-01-01T00:00:00Z")',
  ],
  ['newline in server_name', { server_name: 'web\n01' }, 'server_name', `${NAME_RULE} (got "web\\n01")`],
  ['leading dash in server_name', { server_name: '-lead' }, 'server_name', `${NAME_RULE} (got "-lead")`],
  ['overlong server_name', { server_name: 'x'.repeat(200) }, 'server_name', `${NAME_RULE} (got "${'x'.repeat(40)}"... (200 characters))`],
  ['server_name as an object', { server_name: { $gt: '' } }, 'server_name', `${NAME_RULE} (got {"$gt":""})`],
  [
    'upper-case status',
    { status: 'DROP TABLE' },
    'status',
    'status must be a lower-case word of 1-32 letters and underscores, such as healthy or heavy_load (got "DROP TABLE")',
  ],
  ['unknown profile', { profile: 'mainframe' }, 'profile', `profile must be one of: ${PROFILE_LIST} (got "mainframe")`],
];

describe('400 and 413 messages (real app)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      WRITE_RATE_LIMIT: '0',
      STALE_AFTER: '1d',
      RETIRE_AFTER: '2d',
    });
  }, 60_000);
  afterAll(() => t.app.close());

  async function refused(body: string): Promise<{
    statusCode: number;
    error: string;
    message: string;
    rejected?: unknown[];
  }> {
    const res = await t.post('/feed/data', body);
    expect(res.status).toBe(400);
    return res.json();
  }

  it.each(reasons)('names the field, the rule and what was sent: %s', async (_, patch, field, reason) => {
    const body = await refused(JSON.stringify({ records: [{ ...valid, ...patch }] }));
    expect(body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: `records[0].${field}: ${reason}`,
      rejected: [{ index: 0, field, reason }],
    });
  });

  it('shows Infinity as sent (JSON 1e999), not as null', async () => {
    const json = JSON.stringify({
      records: [{ ...valid, load_average: 0 }],
    }).replace('"load_average":0', '"load_average":1e999');
    expect((await refused(json)).message).toBe('records[0].load_average: load_average must be a number in 0..100000 (got Infinity)');
  });

  it('names a record that is not an object', async () => {
    expect((await refused('{"records": [7]}')).message).toBe('records[0].record: record must be a JSON object (got 7)');
  });

  it('quotes the timestamp of a sample older than the server window', async () => {
    const retention = t.app.get(WindowService).retentionSteps;
    const server = 'ppmsgold01';
    expect(
      (
        await t.post('/feed/data', {
          records: [{ ...valid, server_name: server }],
        })
      ).status,
    ).toBe(200);
    const old = new Date((END - (retention + 10) * 300) * 1000).toISOString();
    const body = await refused(
      JSON.stringify({
        records: [{ ...valid, server_name: server, timestamp: old }],
      }),
    );
    expect(body.message).toBe(
      `records[0].timestamp: timestamp is older than the ${retention}-step window kept for this server (got "${old}")`,
    );
  });

  it('spells out the first ten rejections and counts the rest', async () => {
    const records = Array.from({ length: 12 }, () => ({
      ...valid,
      cpu_percent: 101,
    }));
    const body = await refused(JSON.stringify({ records }));
    const line = (i: number) => `records[${i}].cpu_percent: cpu_percent must be a number in 0..100 (got 101)`;
    expect(body.message).toBe([...Array.from({ length: 10 }, (_, i) => line(i)), 'and 2 more in rejected'].join('; '));
    expect(body.rejected).toHaveLength(12);
  });

  it('words envelope problems and malformed JSON as one string', async () => {
    expect((await refused('[]')).message).toBe('body must be a JSON object with a records array');
    expect((await refused('{"records": []}')).message).toBe('records must contain at least one record');
    expect((await refused('{"records": [], "data": 1}')).message).toBe(
      'property data should not exist; records must contain at least one record',
    );
    expect(await refused('{"records": [')).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'request body is not valid JSON: Unexpected end of JSON input',
    });
  });

  it('names MAX_BODY_SIZE and the size sent for a 50 MB body', async () => {
    const size = 50 * 1024 ** 2;
    const body = `{"records":[],"pad":"${'x'.repeat(size - 23)}"}`;
    expect(body.length).toBe(size);
    const res = await t.post('/feed/data', body);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'request body is 50 MB, over the MAX_BODY_SIZE limit of 16 MB: split the records over several requests',
    });
  });

  it('names MAX_BODY_SIZE when a chunked body has no length', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(1024 ** 2));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 20) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(`${t.base}/feed/data`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await res.json()).message).toBe(
      'request body is over the MAX_BODY_SIZE limit of 16 MB: split the records over several requests',
    );
  });

  it('names MAX_RECORDS_PER_REQUEST for too many records', async () => {
    const res = await t.post('/feed/data', {
      records: Array.from({ length: 20_001 }, () => valid),
    });
    expect(res.status).toBe(413);
    expect((await res.json()).message).toBe('a request may carry at most 20000 records (got 20001); split the batch');
  });
});

describe('logging of error answers (the real ConsoleLogger)', () => {
  let t: TestApp;
  let output = '';

  function capture(): void {
    output = '';
    const write = (chunk: string | Uint8Array) => {
      output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(write);
    vi.spyOn(process.stderr, 'write').mockImplementation(write);
  }

  beforeAll(async () => {
    t = await startTestApp({ WRITE_RATE_LIMIT: '0', MAX_BODY_SIZE: '1kb' });
    t.app.useLogger(new ConsoleLogger({ colors: false }));
  }, 60_000);
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => {
    Logger.overrideLogger(false);
    await t.app.close();
  });

  it('logs a server fault with its stack and answers it as an ErrorDto', () => {
    const res = { headersSent: false, code: 0, body: undefined as unknown };
    const reply = {
      ...res,
      status: (c: number) => ((res.code = c), reply),
      json: (b: unknown) => ((res.body = b), reply),
    };
    const host = {
      switchToHttp: () => ({ getResponse: () => reply }),
    } as unknown as ArgumentsHost;
    capture();
    new ErrorBodyFilter().catch(new Error('disk on fire'), host);
    vi.restoreAllMocks();
    expect(output).toMatch(/ERROR \[ExceptionsHandler\] Error: disk on fire\n\s+at /);
    expect(res).toMatchObject({
      code: 500,
      body: {
        statusCode: 500,
        error: 'Internal Server Error',
        message: 'internal error; the api log has the details',
      },
    });
  });

  it('logs nothing for client errors: bodies too large, malformed, compressed wrongly, invalid, unknown routes', async () => {
    capture();
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${t.base}/feed/data`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    const statuses = [
      (await post('x'.repeat(4096))).status,
      (await post('{"records": [')).status,
      (await post('{"records": []}', { 'content-encoding': 'gzip' })).status,
      (await post('{"records": []}', { 'content-encoding': 'snappy' })).status,
      (await post('{"records": [{}]}')).status,
      (await fetch(`${t.base}/servers/nope`)).status,
      (await fetch(`${t.base}/no/such/route`)).status,
    ];
    vi.restoreAllMocks();
    expect(statuses).toEqual([413, 400, 400, 415, 400, 404, 404]);
    expect(output).not.toMatch(/\n\s+at /);
    expect(output).not.toMatch(/ERROR|WARN/);
  });
});
