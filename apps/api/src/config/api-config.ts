import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { listenHost, parseApiKeys } from '@tft/api-keys';
import { parseDuration } from '@tft/contracts';
import { parseOrigins } from './cors-origins';

export type InferenceDevice = 'auto' | 'cpu' | 'cuda';
export type SqliteSynchronous = 'FULL' | 'NORMAL';

/** Every setting of the inference daemon, validated once at startup (documented in .env.example). */
export interface ApiConfig {
  port: number;
  /** Interface to listen on: API_HOST, else all interfaces with a key configured and loopback without one. */
  host: string;
  /** Directory of the SQLite window store. */
  dataDir: string;
  /** Model directory (model.onnx + metadata.json); `undefined` = newest under models/tft. */
  modelDir: string | undefined;
  device: InferenceDevice;
  /** CPU threads for onnxruntime; `undefined` = all available cores. */
  inferenceThreads: number | undefined;
  forecastIntervalSeconds: number;
  /** Overrides the model's min encoder length as the warmup threshold. */
  warmupSteps: number | undefined;
  /** Step buckets kept per server; at least the model's context. `undefined` = max(2 x context, 288). */
  retentionSteps: number | undefined;
  maxBodyBytes: number;
  maxRecordsPerRequest: number;
  sqliteSynchronous: SqliteSynchronous;
  logFormat: 'text' | 'json';
  /** JSON file with alert threshold overrides (see alert-thresholds.ts). */
  alertThresholdsFile: string | undefined;
  /** Keys accepted on writes (API_KEY and API_KEYS together); empty = the api runs open. */
  apiKeys: string[];
  /** Reads need a key too (READS_REQUIRE_KEY=true), /health included. */
  readsRequireKey: boolean;
  /** Browser origins allowed by CORS; empty = no cross-origin access. */
  corsOrigins: string[];
  /** Write requests per minute per client; 0 = unlimited. */
  writeRateLimit: number;
  /** Samples timed further ahead of the api's clock (plus a sender's declared offset) are refused. */
  maxFutureSkewSeconds: number;
  /** Data time an alert's condition must hold before it fires (Prometheus' `for:`). */
  alertForSeconds: number;
  /** Data time an alert's condition must stay clear before it resolves. */
  alertResolveAfterSeconds: number;
  /** Data time without samples after which a server is stale (out of counts, warmup and alerts). */
  staleAfterSeconds: number;
  /** Data time without samples after which a server is retired with its data (at least the retention span). */
  retireAfterSeconds: number;
}

export const API_CONFIG = Symbol('API_CONFIG');

export class ConfigError extends Error {}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2 };

function parseSize(name: string, raw: string): number {
  const m = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw.trim());
  if (!m) throw new ConfigError(`${name} must be a size like 512kb or 10mb (got "${raw}")`);
  return Number(m[1]) * SIZE_UNITS[(m[2] ?? 'b').toLowerCase()];
}

function int(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new ConfigError(`${name} must be an integer in ${min}..${max} (got "${raw}")`);
  return v;
}

function oneOf<T extends string>(name: string, raw: string | undefined, allowed: readonly T[], fallback: T): T {
  if (raw === undefined || raw === '') return fallback;
  const v = raw.trim();
  if (!(allowed as readonly string[]).includes(v)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
  return v as T;
}

function duration(name: string, raw: string | undefined, fallback: string): number {
  try {
    return parseDuration(raw === undefined || raw.trim() === '' ? fallback : raw);
  } catch (err) {
    throw new ConfigError(`${name}: ${(err as Error).message}`);
  }
}

function bool(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ConfigError(`${name} must be true or false (got "${raw}")`);
}

export const DEFAULT_CORS_ORIGINS = ['http://localhost:8501'];

export function loadApiConfig(env: NodeJS.ProcessEnv): ApiConfig {
  let apiKeys: string[];
  let corsOrigins: string[];
  try {
    apiKeys = parseApiKeys(env['API_KEY'], env['API_KEYS']);
    corsOrigins = parseOrigins('CORS_ORIGINS', env['CORS_ORIGINS'], DEFAULT_CORS_ORIGINS);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const readsRequireKey = bool('READS_REQUIRE_KEY', env['READS_REQUIRE_KEY'], false);
  if (readsRequireKey && apiKeys.length === 0) throw new ConfigError('READS_REQUIRE_KEY=true needs API_KEY or API_KEYS');
  const staleAfterSeconds = duration('STALE_AFTER', env['STALE_AFTER'], '15m');
  const retireAfterSeconds = duration('RETIRE_AFTER', env['RETIRE_AFTER'], '24h');
  if (staleAfterSeconds < 1) throw new ConfigError('STALE_AFTER must be at least 1s');
  if (retireAfterSeconds <= staleAfterSeconds) throw new ConfigError('RETIRE_AFTER must be longer than STALE_AFTER');
  return {
    port: int('API_PORT', env['API_PORT'], 1, 65535) ?? 8000,
    host: listenHost(apiKeys, env['API_HOST']),
    dataDir: resolve(env['DATA_DIR'] || './data'),
    modelDir: env['MODEL_DIR'] ? resolve(env['MODEL_DIR']) : undefined,
    device: oneOf('INFERENCE_DEVICE', env['INFERENCE_DEVICE'], ['auto', 'cpu', 'cuda'], 'auto'),
    inferenceThreads: int('INFERENCE_THREADS', env['INFERENCE_THREADS'], 1, 1024) ?? undefined,
    forecastIntervalSeconds: int('FORECAST_INTERVAL_S', env['FORECAST_INTERVAL_S'], 1, 3600) ?? 5,
    warmupSteps: int('WARMUP_STEPS', env['WARMUP_STEPS'], 1, 10000),
    retentionSteps: int('RETENTION_STEPS', env['RETENTION_STEPS'], 1, 100000),
    maxBodyBytes: env['MAX_BODY_SIZE'] ? parseSize('MAX_BODY_SIZE', env['MAX_BODY_SIZE']) : 16 * 1024 ** 2,
    maxRecordsPerRequest: int('MAX_RECORDS_PER_REQUEST', env['MAX_RECORDS_PER_REQUEST'], 1, 1_000_000) ?? 20000,
    sqliteSynchronous: oneOf('SQLITE_SYNCHRONOUS', env['SQLITE_SYNCHRONOUS'], ['FULL', 'NORMAL'], 'FULL'),
    logFormat: oneOf('LOG_FORMAT', env['LOG_FORMAT'], ['text', 'json'], 'text'),
    alertThresholdsFile: env['ALERT_THRESHOLDS_FILE'] ? resolve(env['ALERT_THRESHOLDS_FILE']) : undefined,
    apiKeys,
    readsRequireKey,
    corsOrigins,
    writeRateLimit: int('WRITE_RATE_LIMIT', env['WRITE_RATE_LIMIT'], 0, 10_000_000) ?? 600,
    maxFutureSkewSeconds: duration('MAX_FUTURE_SKEW', env['MAX_FUTURE_SKEW'], '5m'),
    alertForSeconds: duration('ALERT_FOR', env['ALERT_FOR'], '10m'),
    alertResolveAfterSeconds: duration('ALERT_RESOLVE_AFTER', env['ALERT_RESOLVE_AFTER'], '15m'),
    staleAfterSeconds,
    retireAfterSeconds,
  };
}

/**
 * Creates DATA_DIR if needed and proves it takes a file, so an unusable directory is one clear line at
 * startup rather than a stack trace from deep inside the store (permission bits alone mislead as root).
 */
export function assertWritableDataDir(dir: string): void {
  const probe = resolve(dir, `.write-probe-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    writeFileSync(probe, 'ok');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const code = e.code === 'EEXIST' ? 'ENOTDIR' : e.code; // mkdir -p over a file
    throw new ConfigError(`DATA_DIR ${dir} is not a writable directory (${code ?? e.message})`);
  } finally {
    try {
      rmSync(probe, { force: true });
    } catch {
      /* never created */
    }
  }
}

export const defaultThreads = (): number => availableParallelism();
