import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { cleanEnv, makeValidator, str } from 'envalid';
import { listenHost, parseApiKeys } from '@tft/api-keys';
import {
  ConfigError,
  configErrorReporter,
  durationIn,
  givenVariables,
  integerIn,
  oneOf,
  ownMessage,
  parseBoolean,
  parseDuration,
  parseSize,
} from '@tft/contracts';
import { DEFAULT_ALERT_FOR_SECONDS, DEFAULT_ALERT_RESOLVE_AFTER_SECONDS } from '@tft/forecasting';
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
  /** How often the folder of model versions is checked for a newer one (s); 0 = never. */
  modelWatchIntervalSeconds: number;
  device: InferenceDevice;
  /** CPU threads for onnxruntime; `undefined` = all available cores. */
  inferenceThreads: number | undefined;
  forecastIntervalSeconds: number;
  /** Overrides the model's min encoder length as the warmup threshold. */
  warmupSteps: number | undefined;
  /** Step buckets kept per server; at least the model's context. `undefined` = max(2 x context, 288). */
  retentionSteps: number | undefined;
  /** Data time the archive of closed steps keeps (DATA_DIR/archive.sqlite); 0 = no archive. */
  archiveRetentionSeconds: number;
  /** The track record keeps a forecast to score every this many steps per server (its origins); see docs/OPERATIONS.md. */
  trackRecordOriginEvery: number;
  maxBodyBytes: number;
  maxRecordsPerRequest: number;
  /** Servers the api holds at most (stale ones included); a new server beyond it is refused. */
  maxServers: number;
  /** New servers one client (API key, else IP) may add per minute; 0 = unlimited. */
  maxNewServersPerMinute: number;
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
  /** Prometheus remote write: the label that names the server (a trailing `:port` is stripped). */
  remoteWriteServerLabel: string;
  /** Prometheus remote write: the filesystem whose usage is disk_percent. */
  remoteWriteMountpoint: string;
  /** OTLP: the resource attribute that names the server (a trailing `:port` is stripped). */
  otlpHostAttribute: string;
  /** OTLP: the filesystem whose usage is disk_percent. */
  otlpMountpoint: string;
  /** Alertmanager base URLs our alerts are pushed to (API v2); empty = none. */
  alertmanagerUrls: string[];
  /** Receivers of Alertmanager-format webhooks on fire and resolve; empty = none. */
  alertWebhookUrls: string[];
  /** Shared secret: webhook bodies are signed with HMAC-SHA256 in X-TFT-Signature; undefined = unsigned. */
  alertWebhookSecret: string | undefined;
  /** Firing alerts are re-sent to Alertmanager this often (seconds). */
  alertResendIntervalSeconds: number;
  /** Where operators open the console: alerts link to its server pages (Alertmanager's generatorURL). */
  consoleUrl: string;
  /** GET /metrics carries per-server forecast series (off for very large fleets). */
  metricsPerServer: boolean;
  /** Cluster mode (NATS JetStream) when set: the metrics log, partition leases and forecasts live there. */
  natsUrl: string | undefined;
  /** This replica's name in the cluster (leases, /status); unique per replica. */
  replicaId: string;
  /** Partitions servers are hashed onto; every replica of a cluster must agree. */
  partitions: number;
  /** A replica whose leases go unrenewed this long loses its partitions to the others. */
  leaseTtlSeconds: number;
}

export const API_CONFIG = Symbol('API_CONFIG');

/** The one config error of every daemon (@tft/contracts), re-exported for this app's config readers. */
export { ConfigError };

/** Writes per minute per client (WRITE_RATE_LIMIT) unless configured. */
export const DEFAULT_WRITE_RATE_LIMIT = 600;

export const DEFAULT_CORS_ORIGINS = ['http://localhost:8501'];

const int = (min: number, max: number) => makeValidator(integerIn(min, max));
const choice = <const T extends string>(allowed: readonly T[]) => makeValidator<T>(oneOf(allowed));
const duration = (bounds?: { min?: number; max?: number }) => makeValidator(durationIn(bounds));
const size = makeValidator(parseSize);
const flag = makeValidator(parseBoolean);
/** Rules whose messages name their variables themselves: @tft/api-keys' and the origin list's. */
const named = <T>(parse: (raw: string) => T) => makeValidator<T>(ownMessage(parse));

/**
 * Every variable the inference daemon reads, its rule and its default; .env.example documents each
 * (api-config.spec.ts checks that it does, with these defaults). Empty means unset.
 */
export const API_ENV = {
  API_PORT: int(1, 65535)({ default: 8000 }),
  API_HOST: str({ default: undefined }),
  DATA_DIR: str({ default: './data' }),
  MODEL_DIR: str({ default: undefined }),
  MODEL_WATCH_INTERVAL: duration()({ default: 30 }),
  INFERENCE_DEVICE: choice(['auto', 'cpu', 'cuda'])({ default: 'auto' }),
  INFERENCE_THREADS: int(1, 1024)({ default: undefined }),
  FORECAST_INTERVAL_S: int(1, 3600)({ default: 5 }),
  WARMUP_STEPS: int(1, 10000)({ default: undefined }),
  RETENTION_STEPS: int(1, 100000)({ default: undefined }),
  ARCHIVE_RETENTION: duration()({ default: parseDuration('14d') }),
  TRACK_RECORD_ORIGIN_EVERY: int(1, 10_000)({ default: 96 }),
  MAX_BODY_SIZE: size({ default: parseSize('16mb') }),
  MAX_RECORDS_PER_REQUEST: int(1, 1_000_000)({ default: 20000 }),
  MAX_SERVERS: int(1, 10_000_000)({ default: 20_000 }),
  MAX_NEW_SERVERS_PER_MINUTE: int(0, 10_000_000)({ default: 10_000 }),
  SQLITE_SYNCHRONOUS: choice(['FULL', 'NORMAL'])({ default: 'FULL' }),
  MAX_FUTURE_SKEW: duration()({ default: parseDuration('5m') }),
  ALERT_FOR: duration()({ default: DEFAULT_ALERT_FOR_SECONDS }),
  ALERT_RESOLVE_AFTER: duration()({ default: DEFAULT_ALERT_RESOLVE_AFTER_SECONDS }),
  STALE_AFTER: duration({ min: 1 })({ default: parseDuration('15m') }),
  RETIRE_AFTER: duration()({ default: parseDuration('24h') }),
  ALERT_THRESHOLDS_FILE: str({ default: undefined }),
  LOG_FORMAT: choice(['text', 'json'])({ default: 'text' }),
  API_KEY: named((raw) => parseApiKeys(raw, undefined))({ default: [] }),
  API_KEYS: named((raw) => parseApiKeys(undefined, raw))({ default: [] }),
  READS_REQUIRE_KEY: flag({ default: false }),
  CORS_ORIGINS: named((raw) => parseOrigins('CORS_ORIGINS', raw, DEFAULT_CORS_ORIGINS))({ default: DEFAULT_CORS_ORIGINS }),
  WRITE_RATE_LIMIT: int(0, 10_000_000)({ default: DEFAULT_WRITE_RATE_LIMIT }),
  REMOTE_WRITE_SERVER_LABEL: makeValidator(labelName)({ default: 'instance' }),
  REMOTE_WRITE_MOUNTPOINT: makeValidator(mountpoint)({ default: '/' }),
  OTLP_HOST_ATTRIBUTE: makeValidator(attributeKey)({ default: 'host.name' }),
  OTLP_MOUNTPOINT: makeValidator(mountpoint)({ default: '/' }),
  ALERTMANAGER_URL: named((raw) => parseHttpUrls('ALERTMANAGER_URL', raw))({ default: [] }),
  ALERT_WEBHOOK_URLS: named((raw) => parseHttpUrls('ALERT_WEBHOOK_URLS', raw))({ default: [] }),
  ALERT_WEBHOOK_SECRET: str({ default: undefined }),
  ALERT_RESEND_INTERVAL: duration({ min: 1, max: 3600 })({ default: parseDuration('1m') }),
  CONSOLE_URL: named((raw) => parseHttpUrls('CONSOLE_URL', raw, { single: true })[0])({ default: 'http://localhost:8501' }),
  METRICS_PER_SERVER: flag({ default: true }),
  NATS_URL: named((raw) => parseNatsUrls(raw))({ default: undefined }),
  REPLICA_ID: makeValidator(replicaId)({ default: undefined }),
  PARTITIONS: int(1, 1024)({ default: 16 }),
  LEASE_TTL: duration({ min: 2, max: 300 })({ default: parseDuration('10s') }),
};

/** A replica id: a NATS KV key part. */
function replicaId(raw: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(raw)) throw new Error(`must be 1-64 letters, digits, - or _ (got "${raw.slice(0, 80)}")`);
  return raw;
}

/** Comma-separated nats:// URLs of the cluster's NATS servers. */
function parseNatsUrls(raw: string): string {
  const urls = raw
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  for (const u of urls) {
    if (!/^(nats|tls):\/\/[^/\s]+$/.test(u))
      throw new Error(`NATS_URL entries must look like nats://127.0.0.1:4222 (got "${u.slice(0, 80)}")`);
  }
  if (!urls.length) throw new Error('NATS_URL is empty');
  return urls.join(',');
}

/** A Prometheus label name (what `relabel_configs` can write). */
function labelName(raw: string): string {
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(raw)) throw new Error(`must be a Prometheus label name such as instance or nodename (got "${raw}")`);
  return raw;
}

/** An OpenTelemetry attribute key (dotted lowercase names such as host.name or k8s.node.name). */
function attributeKey(raw: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_.-]{0,127}$/.test(raw))
    throw new Error(`must be a resource attribute key such as host.name or k8s.node.name (got "${raw.slice(0, 80)}")`);
  return raw;
}

function mountpoint(raw: string): string {
  if (!raw.startsWith('/')) throw new Error(`must be an absolute mountpoint such as / or /var (got "${raw}")`);
  return raw;
}

/** Comma-separated http(s) URLs, e.g. `http://127.0.0.1:9093,http://am2:9093`. */
export function parseHttpUrls(name: string, raw: string, { single = false } = {}): string[] {
  const entries = raw
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (single && entries.length > 1) throw new Error(`${name} takes one URL (got ${entries.length})`);
  return entries.map((entry) => {
    let url: URL | null = null;
    try {
      url = new URL(entry);
    } catch {
      /* reported below */
    }
    if (!url || !/^https?:$/.test(url.protocol))
      throw new Error(`${name} entries must be http(s) URLs such as http://127.0.0.1:9093 (got "${entry}")`);
    return entry.replace(/\/+$/, '');
  });
}

export function loadApiConfig(env: NodeJS.ProcessEnv): ApiConfig {
  const e = cleanEnv(givenVariables(env), API_ENV, {
    reporter: configErrorReporter(),
  });
  const apiKeys = [...new Set([...e.API_KEY, ...e.API_KEYS])];
  if (e.READS_REQUIRE_KEY && apiKeys.length === 0) throw new ConfigError('READS_REQUIRE_KEY=true needs API_KEY or API_KEYS');
  if (e.RETIRE_AFTER <= e.STALE_AFTER) throw new ConfigError('RETIRE_AFTER must be longer than STALE_AFTER');
  return {
    port: e.API_PORT,
    host: listenHost(apiKeys, e.API_HOST),
    dataDir: resolve(e.DATA_DIR),
    modelDir: e.MODEL_DIR === undefined ? undefined : resolve(e.MODEL_DIR),
    modelWatchIntervalSeconds: e.MODEL_WATCH_INTERVAL,
    device: e.INFERENCE_DEVICE,
    inferenceThreads: e.INFERENCE_THREADS,
    forecastIntervalSeconds: e.FORECAST_INTERVAL_S,
    warmupSteps: e.WARMUP_STEPS,
    retentionSteps: e.RETENTION_STEPS,
    archiveRetentionSeconds: e.ARCHIVE_RETENTION,
    trackRecordOriginEvery: e.TRACK_RECORD_ORIGIN_EVERY,
    maxBodyBytes: e.MAX_BODY_SIZE,
    maxRecordsPerRequest: e.MAX_RECORDS_PER_REQUEST,
    maxServers: e.MAX_SERVERS,
    maxNewServersPerMinute: e.MAX_NEW_SERVERS_PER_MINUTE,
    sqliteSynchronous: e.SQLITE_SYNCHRONOUS,
    logFormat: e.LOG_FORMAT,
    alertThresholdsFile: e.ALERT_THRESHOLDS_FILE === undefined ? undefined : resolve(e.ALERT_THRESHOLDS_FILE),
    apiKeys,
    readsRequireKey: e.READS_REQUIRE_KEY,
    corsOrigins: [...e.CORS_ORIGINS],
    writeRateLimit: e.WRITE_RATE_LIMIT,
    maxFutureSkewSeconds: e.MAX_FUTURE_SKEW,
    alertForSeconds: e.ALERT_FOR,
    alertResolveAfterSeconds: e.ALERT_RESOLVE_AFTER,
    staleAfterSeconds: e.STALE_AFTER,
    retireAfterSeconds: e.RETIRE_AFTER,
    remoteWriteServerLabel: e.REMOTE_WRITE_SERVER_LABEL,
    remoteWriteMountpoint: e.REMOTE_WRITE_MOUNTPOINT,
    otlpHostAttribute: e.OTLP_HOST_ATTRIBUTE,
    otlpMountpoint: e.OTLP_MOUNTPOINT,
    alertmanagerUrls: [...e.ALERTMANAGER_URL],
    alertWebhookUrls: [...e.ALERT_WEBHOOK_URLS],
    alertWebhookSecret: e.ALERT_WEBHOOK_SECRET,
    alertResendIntervalSeconds: e.ALERT_RESEND_INTERVAL,
    consoleUrl: e.CONSOLE_URL,
    metricsPerServer: e.METRICS_PER_SERVER,
    natsUrl: e.NATS_URL,
    replicaId:
      e.REPLICA_ID ??
      `${hostname()
        .replace(/[^A-Za-z0-9_-]/g, '_')
        .slice(0, 40)}-${e.API_PORT}`,
    partitions: e.PARTITIONS,
    leaseTtlSeconds: e.LEASE_TTL,
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
