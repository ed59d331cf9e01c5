import { describe, expect, it } from 'vitest';
import { parseFineTuneArgs, parseHoldout, UsageError } from './args';

describe('parseFineTuneArgs', () => {
  it('reads the source, the budget, the held-out part and the range', () => {
    const a = parseFineTuneArgs([
      '--from',
      'http://127.0.0.1:8000/',
      '--budget',
      '90s',
      '--holdout',
      '3d',
      '--since',
      '7d',
      '--until',
      '2026-01-05T06:00:00Z',
    ]);
    expect(a).toMatchObject({
      source: { kind: 'api', url: 'http://127.0.0.1:8000' },
      budgetSeconds: 90,
      holdout: { seconds: 3 * 86_400 },
      since: { before: 7 * 86_400 },
      until: Date.UTC(2026, 0, 5, 6) / 1000,
      stride: 12,
      mountpoint: '/',
      serverLabel: 'instance',
    });
    const p = parseFineTuneArgs([
      '--from-prometheus',
      'http://prom:9090',
      '--since',
      '2026-01-01',
      '--mountpoint',
      '/data',
      '--stride',
      '6',
    ]);
    expect(p).toMatchObject({ source: { kind: 'prometheus', url: 'http://prom:9090' }, budgetSeconds: 600, holdout: { share: 0.2 } });
    expect(p).toMatchObject({ since: { at: Date.UTC(2026, 0, 1) / 1000 }, mountpoint: '/data', stride: 6 });
  });

  it('refuses what it cannot use, naming the flag', () => {
    expect(() => parseFineTuneArgs(['--budget', '10m'])).toThrow('give one of --from <api URL> or --from-prometheus <URL>');
    expect(() => parseFineTuneArgs(['--from', 'a', '--from-prometheus', 'b'])).toThrow(UsageError);
    expect(() => parseFineTuneArgs(['--from', 'ftp://x'])).toThrow('--from: "ftp://x" is not an http(s) URL');
    expect(() => parseFineTuneArgs(['--from', 'http://x', '--budget', 'soon'])).toThrow('--budget: invalid duration "soon"');
    expect(() => parseFineTuneArgs(['--from', 'http://x', '--until', '2026-01-05T06:00:00'])).toThrow(
      '--until: "2026-01-05T06:00:00" is not an ISO 8601 time with a zone',
    );
    expect(() => parseFineTuneArgs(['--from-prometheus', 'http://x', '--servers', 'a'])).toThrow('--servers goes with --from');
    expect(() => parseFineTuneArgs(['--from', 'http://x', '--stride', '0'])).toThrow('--stride must be a positive integer');
    expect(() => parseFineTuneArgs(['--from', 'http://x', '--bogus'])).toThrow(UsageError);
    expect(parseFineTuneArgs(['--help'])).toBe('help');
  });
});

describe('parseHoldout', () => {
  it('reads a share as a percentage or a fraction, else a duration', () => {
    expect(parseHoldout('20%')).toEqual({ share: 0.2 });
    expect(parseHoldout('0.25')).toEqual({ share: 0.25 });
    expect(parseHoldout('.1')).toEqual({ share: 0.1 });
    expect(parseHoldout('36h')).toEqual({ seconds: 36 * 3600 });
    expect(() => parseHoldout('100%')).toThrow('--holdout: a share must lie between 0 and 100 %, got 100%');
    expect(() => parseHoldout('0')).toThrow('--holdout: 0 is not a positive duration');
  });
});
