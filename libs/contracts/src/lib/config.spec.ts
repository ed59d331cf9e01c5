import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  configErrorReporter,
  durationIn,
  formatDuration,
  givenVariables,
  integerIn,
  numberIn,
  oneOf,
  ownMessage,
  parseBoolean,
  parseEnvExample,
  parseInstant,
  parseSize,
} from '../index';

describe('config rules', () => {
  it('parses integers and numbers in a range, naming the bound and the raw value', () => {
    expect(integerIn(1, 65535)('8000')).toBe(8000);
    expect(() => integerIn(1, 65535)('0')).toThrow('must be an integer in 1..65535 (got "0")');
    expect(() => integerIn(0, 10)('2.5')).toThrow('must be an integer in 0..10 (got "2.5")');
    expect(() => integerIn(0, 10)(' ')).toThrow('must be an integer in 0..10 (got " ")');
    expect(numberIn(0.01, 100)('0.5')).toBe(0.5);
    expect(() => numberIn(0.01, 100)('fast')).toThrow('must be a number in 0.01..100 (got "fast")');
  });

  it('parses enums, booleans and sizes', () => {
    expect(oneOf(['auto', 'cpu'])(' cpu ')).toBe('cpu');
    expect(() => oneOf(['auto', 'cpu'])('gpu')).toThrow('must be one of auto, cpu (got "gpu")');
    expect([parseBoolean('TRUE'), parseBoolean('1'), parseBoolean('false'), parseBoolean(' 0 ')]).toEqual([true, true, false, false]);
    expect(() => parseBoolean('yes')).toThrow('must be true or false (got "yes")');
    expect([parseSize('512kb'), parseSize('16MB'), parseSize('100')]).toEqual([524288, 16777216, 100]);
    expect(() => parseSize('1gb')).toThrow('must be a size like 512kb or 10mb (got "1gb")');
  });

  it('parses bounded durations and formats the bounds', () => {
    expect(durationIn()('24h')).toBe(86400);
    expect(() => durationIn()('soon')).toThrow('invalid duration "soon" (use e.g. 30s, 90m, 24h, 2d)');
    expect(() => durationIn({ min: 1 })('0')).toThrow('must be at least 1s (got "0")');
    expect(() => durationIn({ max: 90 * 86400 })('91d')).toThrow('must be at most 90d (got "91d")');
    expect([formatDuration(0), formatDuration(90), formatDuration(5400), formatDuration(7200)]).toEqual(['0s', '90s', '90m', '2h']);
  });

  it('parses instants only with a zone', () => {
    expect(parseInstant('2026-01-05T06:00:00Z')).toBe(Date.UTC(2026, 0, 5, 6) / 1000);
    expect(parseInstant(' 2026-01-05T07:30+01:00 ')).toBe(Date.UTC(2026, 0, 5, 6, 30) / 1000);
    for (const bad of ['2026-01-05T06:00:00', '2026-01-05', 'tomorrow', '2026-13-45T00:00:00Z']) {
      expect(() => parseInstant(bad), bad).toThrow(`must be an ISO 8601 date-time with a zone, like 2026-01-05T06:00:00Z (got "${bad}")`);
    }
  });

  it('treats empty and blank variables as unset', () => {
    expect(givenVariables({ A: '1', B: '', C: '  ', D: undefined })).toEqual({ A: '1' });
  });
});

describe('configErrorReporter', () => {
  it('throws nothing without errors, one ConfigError naming each variable otherwise', () => {
    expect(() => configErrorReporter()({ errors: {} })).not.toThrow();
    const report = () =>
      configErrorReporter((key) => (key === 'GENERATOR_SERVERS' ? '--servers' : key))({
        errors: {
          GENERATOR_SERVERS: new Error('must be an integer in 1..100000 (got "0")'),
          ALERT_FOR: new Error('invalid duration "soon"'),
          API_KEY: new ConfigError('API_KEY/API_KEYS: key 1 must be 8-256 visible ASCII characters'),
        },
      });
    expect(report).toThrow(ConfigError);
    expect(report).toThrow(
      '--servers must be an integer in 1..100000 (got "0"); ALERT_FOR: invalid duration "soon"; API_KEY/API_KEYS: key 1 must be 8-256 visible ASCII characters',
    );
  });

  it('keeps the message of a rule that names its variable itself', () => {
    const rule = ownMessage((raw: string) => {
      throw new Error(`API_KEY/API_KEYS: key 1 is bad (${raw.length} characters)`);
    });
    expect(() => rule('abc')).toThrow(new ConfigError('API_KEY/API_KEYS: key 1 is bad (3 characters)'));
  });
});

describe('parseEnvExample', () => {
  it('reads assignments with the section each sits in', () => {
    const text = [
      '# top comment',
      'TOP=1',
      '# --- inference api (apps/api) ---',
      '# API_PORT=9 is a comment',
      'API_PORT=8000',
      'API_HOST=',
      '',
      '# --- ops console (apps/web-server) ---',
      'WEB_PORT=8501',
    ].join('\n');
    expect(parseEnvExample(text)).toEqual([
      { section: '', name: 'TOP', value: '1' },
      { section: 'apps/api', name: 'API_PORT', value: '8000' },
      { section: 'apps/api', name: 'API_HOST', value: '' },
      { section: 'apps/web-server', name: 'WEB_PORT', value: '8501' },
    ]);
  });
});
