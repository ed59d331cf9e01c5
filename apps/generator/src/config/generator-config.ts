import { parseArgs } from 'node:util';
import { cleanEnv, makeValidator, str } from 'envalid';
import { listenHost, parseApiKeys } from '@tft/api-keys';
import {
  ConfigError,
  configErrorReporter,
  durationIn,
  givenVariables,
  integerIn,
  numberIn,
  ownMessage,
  parseBoolean,
  parseInstant,
} from '@tft/contracts';

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
  /**
   * Simulated epoch seconds at which live streaming begins (the backfill ends there); null = the wall
   * clock at start-up. Pinning it makes a demo reproducible: the same seed and start give the same data.
   */
  startSeconds: number | null;
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
  startSeconds: null,
  backfillSeconds: 0,
  sampleSeconds: 5,
  backfillSampleSeconds: 60,
  tickSeconds: 1,
  batchSize: 2000,
  maxBufferedRecords: 100_000,
  stream: true,
  scenarioRampSeconds: 600,
};

/** The one config error of every daemon (@tft/contracts), re-exported for main.ts. */
export { ConfigError };

const int = (min: number, max: number) => makeValidator(integerIn(min, max));
const num = (min: number, max: number) => makeValidator(numberIn(min, max));
const duration = (bounds?: { min?: number; max?: number }) => makeValidator(durationIn(bounds));
const flag = makeValidator(parseBoolean);
const instant = makeValidator(parseInstant);
/** Rules whose messages name their variables themselves: @tft/api-keys'. */
const named = <T>(parse: (raw: string) => T) => makeValidator<T>(ownMessage(parse));
const httpUrl = makeValidator((raw) => {
  const url = raw.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(url)) throw new Error(`must be an http(s) URL (got "${url}")`);
  return url;
});

const d = GENERATOR_DEFAULTS;

/**
 * Every setting of the generator, its rule and its default: environment variables (documented in
 * .env.example, which generator-config.spec.ts checks) and, keyed by the flag itself, the settings
 * that only a flag sets. Empty means unset.
 */
export const GENERATOR_ENV = {
  GENERATOR_PORT: int(1, 65535)({ default: d.port }),
  GENERATOR_HOST: str({ default: undefined }),
  API_URL: httpUrl({ default: d.apiUrl }),
  API_KEY: named((raw) => parseApiKeys(raw, undefined))({ default: [] }),
  API_KEYS: named((raw) => parseApiKeys(undefined, raw))({ default: [] }),
  GENERATOR_SERVERS: int(1, 100000)({ default: d.servers }),
  GENERATOR_SEED: int(0, 2 ** 31 - 1)({ default: d.seed }),
  GENERATOR_SPEED: num(0.01, 100000)({ default: d.speed }),
  GENERATOR_START: instant({ default: undefined }),
  GENERATOR_BACKFILL: duration({ max: 90 * 86400 })({
    default: d.backfillSeconds,
  }),
  '--sample-seconds': int(1, 3600)({ default: d.sampleSeconds }),
  '--backfill-sample-seconds': int(
    1,
    3600,
  )({
    default: d.backfillSampleSeconds,
  }),
  '--tick-seconds': num(0.05, 3600)({ default: d.tickSeconds }),
  '--batch-size': int(1, 10000)({ default: d.batchSize }),
  '--max-buffered': int(1, 10_000_000)({ default: d.maxBufferedRecords }),
  '--no-stream': flag({ default: !d.stream }),
};

type SettingKey = keyof typeof GENERATOR_ENV;

/** Each command-line flag (README's table) and the setting it overrides. */
const FLAGS: Record<string, SettingKey> = {
  port: 'GENERATOR_PORT',
  host: 'GENERATOR_HOST',
  'api-url': 'API_URL',
  servers: 'GENERATOR_SERVERS',
  seed: 'GENERATOR_SEED',
  speed: 'GENERATOR_SPEED',
  start: 'GENERATOR_START',
  backfill: 'GENERATOR_BACKFILL',
  'sample-seconds': '--sample-seconds',
  'backfill-sample-seconds': '--backfill-sample-seconds',
  'tick-seconds': '--tick-seconds',
  'batch-size': '--batch-size',
  'max-buffered': '--max-buffered',
  'no-stream': '--no-stream',
};

/** The environment variables of the schema: every key but the flag-only settings. */
export const GENERATOR_ENV_VARIABLES = Object.keys(GENERATOR_ENV).filter((key) => !key.startsWith('--'));

/**
 * Builds the config from environment variables overridden by command-line flags: the flags are laid
 * over the environment and the result validated by the one schema, so an error names what was typed
 * (`--servers` when the flag set it, `GENERATOR_SERVERS` when the environment did).
 */
export function loadGeneratorConfig(argv: string[], env: NodeJS.ProcessEnv): GeneratorConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: flag === 'no-stream' ? 'boolean' : 'string' }])),
    }).values;
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const given = givenVariables(env);
  const input: Record<string, string> = {};
  for (const name of GENERATOR_ENV_VARIABLES) if (given[name] !== undefined) input[name] = given[name];
  const fromFlag = new Map<string, string>();
  for (const [flag, value] of Object.entries(values)) {
    if (value === undefined) continue;
    input[FLAGS[flag]] = String(value);
    fromFlag.set(FLAGS[flag], `--${flag}`);
  }
  const e = cleanEnv(input, GENERATOR_ENV, {
    reporter: configErrorReporter((key) => fromFlag.get(key) ?? key),
  });
  const apiKeys = [...new Set([...e.API_KEY, ...e.API_KEYS])];
  return {
    port: e.GENERATOR_PORT,
    host: listenHost(apiKeys, e.GENERATOR_HOST),
    apiUrl: e.API_URL,
    apiKey: apiKeys[0],
    apiKeys,
    servers: e.GENERATOR_SERVERS,
    seed: e.GENERATOR_SEED,
    speed: e.GENERATOR_SPEED,
    startSeconds: e.GENERATOR_START ?? null,
    backfillSeconds: e.GENERATOR_BACKFILL,
    sampleSeconds: e['--sample-seconds'],
    backfillSampleSeconds: e['--backfill-sample-seconds'],
    tickSeconds: e['--tick-seconds'],
    batchSize: e['--batch-size'],
    maxBufferedRecords: e['--max-buffered'],
    stream: !e['--no-stream'],
    scenarioRampSeconds: d.scenarioRampSeconds,
  };
}
