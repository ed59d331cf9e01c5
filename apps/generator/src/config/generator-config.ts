import { parseArgs } from 'node:util';
import { listenHost, parseApiKeys } from '@tft/api-keys';
import { DurationError, parseDuration as parseSharedDuration } from '@tft/contracts';

/** Everything the generator daemon can be told, validated once at startup. */
export interface GeneratorConfig {
  port: number;
  /** Interface to listen on: GENERATOR_HOST, else all interfaces with a key and loopback without one. */
  host: string;
  /** Base URL of the inference api that receives `/feed/data`. */
  apiUrl: string;
  /** Key sent to the api as X-API-Key: API_KEY, else the first of API_KEYS. */
  apiKey: string | undefined;
  /** Keys accepted on this daemon's writes (POST /scenario/set); empty = open. */
  apiKeys: string[];
  servers: number;
  seed: number;
  /** Simulated seconds per wall-clock second. */
  speed: number;
  /** Simulated history posted first, in seconds, so the api is warm at once. */
  backfillSeconds: number;
  /** Cadence of live samples (simulated seconds). */
  sampleSeconds: number;
  /** Cadence of backfill samples: coarser than live to keep the initial load modest. */
  backfillSampleSeconds: number;
  /** Wall-clock seconds between stream ticks. */
  tickSeconds: number;
  /** Records per POST. */
  batchSize: number;
  /** Records held while the api is unreachable; the oldest are dropped beyond this. */
  maxBufferedRecords: number;
  stream: boolean;
  scenarioRampSeconds: number;
}

export const GENERATOR_CONFIG = Symbol('GENERATOR_CONFIG');

export const GENERATOR_DEFAULTS: GeneratorConfig = {
  port: 8001,
  host: '127.0.0.1',
  apiUrl: 'http://127.0.0.1:8000',
  apiKey: undefined,
  apiKeys: [],
  servers: 20,
  seed: 42,
  speed: 1,
  backfillSeconds: 0,
  sampleSeconds: 5,
  backfillSampleSeconds: 60,
  tickSeconds: 1,
  batchSize: 2000,
  maxBufferedRecords: 100_000,
  stream: true,
  scenarioRampSeconds: 600,
};

export class ConfigError extends Error {}

/** Parses a duration flag, reporting a bad one as a config error. */
export function parseDuration(text: string): number {
  try {
    return parseSharedDuration(text);
  } catch (err) {
    if (err instanceof DurationError) throw new ConfigError(err.message);
    throw err;
  }
}

function numberFrom(
  name: string,
  raw: string,
  { min, max, integer }: { min: number; max: number; integer?: boolean },
) {
  const value = Number(raw);
  if (
    raw.trim() === '' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw new ConfigError(
      `${name} must be ${integer ? 'an integer' : 'a number'} in ${min}..${max} (got "${raw}")`,
    );
  }
  return value;
}

/**
 * Builds the config from environment variables overridden by command-line flags.
 * Env: GENERATOR_PORT, GENERATOR_HOST, API_URL, API_KEY, API_KEYS, GENERATOR_SERVERS, GENERATOR_SEED, GENERATOR_SPEED, GENERATOR_BACKFILL.
 */
export function loadGeneratorConfig(
  argv: string[],
  env: NodeJS.ProcessEnv,
): GeneratorConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'api-url': { type: 'string' },
      servers: { type: 'string' },
      seed: { type: 'string' },
      speed: { type: 'string' },
      backfill: { type: 'string' },
      'sample-seconds': { type: 'string' },
      'backfill-sample-seconds': { type: 'string' },
      'tick-seconds': { type: 'string' },
      'batch-size': { type: 'string' },
      'max-buffered': { type: 'string' },
      'no-stream': { type: 'boolean' },
    },
  });
  const pick = (
    flag: string | undefined,
    envName: string,
  ): string | undefined => flag ?? env[envName] ?? undefined;
  const d = GENERATOR_DEFAULTS;
  const num = (
    raw: string | undefined,
    name: string,
    fallback: number,
    range: { min: number; max: number; integer?: boolean },
  ) => (raw === undefined ? fallback : numberFrom(name, raw, range));

  const apiUrl = (pick(values['api-url'], 'API_URL') ?? d.apiUrl).replace(
    /\/+$/,
    '',
  );
  if (!/^https?:\/\/[^/]+/.test(apiUrl))
    throw new ConfigError(`API_URL must be an http(s) URL (got "${apiUrl}")`);
  const backfillRaw = pick(values.backfill, 'GENERATOR_BACKFILL');
  let apiKeys: string[];
  try {
    apiKeys = parseApiKeys(env['API_KEY'], env['API_KEYS']);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }

  const config: GeneratorConfig = {
    port: num(pick(values.port, 'GENERATOR_PORT'), 'GENERATOR_PORT', d.port, {
      min: 1,
      max: 65535,
      integer: true,
    }),
    host: listenHost(apiKeys, pick(values.host, 'GENERATOR_HOST')),
    apiUrl,
    apiKey: apiKeys[0],
    apiKeys,
    servers: num(
      pick(values.servers, 'GENERATOR_SERVERS'),
      '--servers',
      d.servers,
      { min: 1, max: 100000, integer: true },
    ),
    seed: num(pick(values.seed, 'GENERATOR_SEED'), '--seed', d.seed, {
      min: 0,
      max: 2 ** 31 - 1,
      integer: true,
    }),
    speed: num(pick(values.speed, 'GENERATOR_SPEED'), '--speed', d.speed, {
      min: 0.01,
      max: 100000,
    }),
    backfillSeconds:
      backfillRaw === undefined
        ? d.backfillSeconds
        : parseDuration(backfillRaw),
    sampleSeconds: num(
      values['sample-seconds'],
      '--sample-seconds',
      d.sampleSeconds,
      { min: 1, max: 3600, integer: true },
    ),
    backfillSampleSeconds: num(
      values['backfill-sample-seconds'],
      '--backfill-sample-seconds',
      d.backfillSampleSeconds,
      {
        min: 1,
        max: 3600,
        integer: true,
      },
    ),
    tickSeconds: num(values['tick-seconds'], '--tick-seconds', d.tickSeconds, {
      min: 0.05,
      max: 3600,
    }),
    batchSize: num(values['batch-size'], '--batch-size', d.batchSize, {
      min: 1,
      max: 10000,
      integer: true,
    }),
    maxBufferedRecords: num(
      values['max-buffered'],
      '--max-buffered',
      d.maxBufferedRecords,
      {
        min: 1,
        max: 10_000_000,
        integer: true,
      },
    ),
    stream: !values['no-stream'],
    scenarioRampSeconds: d.scenarioRampSeconds,
  };
  if (config.backfillSeconds > 90 * 86400)
    throw new ConfigError('--backfill must be at most 90d');
  return config;
}
