import { parseBenchArgs, parseRenderArgs, PARTS, UsageError } from './args';

describe('parseBenchArgs', () => {
  it('runs every part but the opt-in ones, slowly, without JSON by default', () => {
    expect(parseBenchArgs([])).toEqual({
      json: null,
      parts: PARTS.filter((p) => p !== 'archive' && p !== 'track-record'),
      quick: false,
      help: false,
      archiveServers: 10_000,
      archiveDays: 14,
    });
  });

  it('reads --json, --quick and --only (kept in the canonical order)', () => {
    expect(parseBenchArgs(['--json', 'out.json', '--quick', '--only', 'tick, inference'])).toEqual({
      json: 'out.json',
      parts: ['inference', 'tick'],
      quick: true,
      help: false,
      archiveServers: 500,
      archiveDays: 1,
    });
    expect(parseBenchArgs(['--json=x.json']).json).toBe('x.json');
    expect(parseBenchArgs(['-h']).help).toBe(true);
  });

  it('names the unknown part', () => {
    expect(() => parseBenchArgs(['--only', 'inference,gpu'])).toThrow(UsageError);
    expect(() => parseBenchArgs(['--only', 'inference,gpu'])).toThrow(
      /--only takes a comma list of inference, drivers, ingest, remote-write, otlp, predictions, memory, tick, fleet-reads, cluster, archive, track-record \(got "inference,gpu"\)/,
    );
    expect(() => parseBenchArgs(['--only', ','])).toThrow(/--only/);
  });

  it('sizes the archive part, naming a bad size', () => {
    expect(parseBenchArgs(['--only', 'archive', '--archive-servers', '50', '--archive-days', '1'])).toMatchObject({
      parts: ['archive'],
      archiveServers: 50,
      archiveDays: 1,
    });
    expect(parseBenchArgs(['--quick', '--archive-days', '3'])).toMatchObject({ archiveServers: 500, archiveDays: 3 });
    expect(() => parseBenchArgs(['--archive-servers', '0'])).toThrow('--archive-servers takes an integer in 1..1000000 (got "0")');
    expect(() => parseBenchArgs(['--archive-days', '1.5'])).toThrow('--archive-days takes an integer in 1..366 (got "1.5")');
  });

  it('rejects unknown options, positionals and a missing --json file', () => {
    expect(() => parseBenchArgs(['--fast'])).toThrow(/Unknown option '--fast'/);
    expect(() => parseBenchArgs(['inference'])).toThrow(UsageError);
    expect(() => parseBenchArgs(['--json'])).toThrow(UsageError);
    expect(() => parseBenchArgs(['--json', '--quick'])).toThrow(/--json/);
    expect(() => parseBenchArgs(['--json', ' '])).toThrow(/--json needs a file name/);
  });
});

describe('parseRenderArgs', () => {
  it('takes the JSON file to render', () => {
    expect(parseRenderArgs(['--json', 'bench.json'])).toEqual({
      json: 'bench.json',
      help: false,
    });
    expect(parseRenderArgs(['--help'])).toEqual({ json: null, help: true });
  });

  it('says how to call it without a file', () => {
    expect(() => parseRenderArgs([])).toThrow("render needs the bench's JSON: npm run bench -- render --json <file>");
    expect(() => parseRenderArgs(['--json', '--help'])).toThrow(UsageError);
    expect(() => parseRenderArgs(['bench.json'])).toThrow(UsageError);
  });
});
