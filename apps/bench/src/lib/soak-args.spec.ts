import { UsageError } from './args';
import { parseDuration, parseSoakArgs } from './soak-args';

describe('parseSoakArgs', () => {
  it('soaks for 5 minutes at half the measured maximum by default', () => {
    expect(parseSoakArgs([])).toEqual({
      durationS: 300,
      measureS: 10,
      load: 0.5,
      batch: 1000,
      servers: 200,
      writers: 4,
      readers: 4,
      readPauseMs: 100,
      reportS: 10,
      cluster: null,
      help: false,
    });
  });

  it('adds the faults and a larger fleet in cluster mode, and keeps cluster options to it', () => {
    expect(parseSoakArgs(['--cluster', '--duration', '20m'])).toMatchObject({
      durationS: 1200,
      servers: 2000,
      cluster: { replicas: 3, killEveryS: 300, natsRestartAtS: 720, replicaLogs: null },
    });
    expect(parseSoakArgs(['--cluster', '--replicas', '2', '--kill-every', '90s', '--nats-restart-at', '2m']).cluster).toEqual({
      replicas: 2,
      killEveryS: 90,
      natsRestartAtS: 120,
      replicaLogs: null,
    });
    expect(parseSoakArgs(['--cluster', '--replica-logs', '/tmp/soak-logs']).cluster?.replicaLogs).toBe('/tmp/soak-logs');
    expect(() => parseSoakArgs(['--replica-logs', '/tmp/x'])).toThrow('--replica-logs is an option of --cluster');
    expect(() => parseSoakArgs(['--kill-every', '1m'])).toThrow('--kill-every is an option of --cluster');
  });

  it('reads durations in ms, s, m, h or bare seconds', () => {
    const a = parseSoakArgs([
      '--duration',
      '60s',
      '--measure=2.5',
      '--read-pause',
      '250ms',
      '--report-every',
      '1m',
      '--load',
      '0.8',
      '--readers',
      '2',
    ]);
    expect([a.durationS, a.measureS, a.readPauseMs, a.reportS, a.load, a.readers]).toEqual([60, 2.5, 250, 60, 0.8, 2]);
    expect(parseDuration('1h', '--duration')).toBe(3600);
  });

  it('answers --help even beside a bad value', () => {
    expect(parseSoakArgs(['--help', '--duration', 'soon']).help).toBe(true);
  });

  it('names the option and the value it refuses', () => {
    expect(() => parseSoakArgs(['--duration', 'soon'])).toThrow('--duration must be a duration such as 90s, 5m or 300 (got "soon")');
    expect(() => parseSoakArgs(['--load', '1.5'])).toThrow('--load must be a positive number up to 1 (got "1.5")');
    expect(() => parseSoakArgs(['--writers', '2.5'])).toThrow('--writers must be a positive integer up to 256 (got "2.5")');
    expect(() => parseSoakArgs(['--readers', '0'])).toThrow(/--readers must be a positive integer/);
    expect(() => parseSoakArgs(['--batch', '20001'])).toThrow(UsageError);
    expect(() => parseSoakArgs(['--fast'])).toThrow(/Unknown option '--fast'/);
    expect(() => parseSoakArgs(['60s'])).toThrow(UsageError);
  });
});
