import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FeedDataResponseDto } from '@tft/api-client';
import { cleanup, rssMb, sleep } from './proc';

const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Settings the bench resets to the api's defaults, so that its figures compare from run to run. */
const TUNABLE = [
  'FORECAST_INTERVAL_S',
  'INFERENCE_THREADS',
  'INFERENCE_DEVICE',
  'RETENTION_STEPS',
  'WARMUP_STEPS',
  'MAX_RECORDS_PER_REQUEST',
  'MAX_BODY_SIZE',
  'READS_REQUIRE_KEY',
];

export interface ApiStartOptions {
  /** MODEL_DIR for the api; without it the caller's environment (or the api's own default) decides. */
  modelDir?: string;
  /**
   * Keep the caller's api settings (SQLITE_SYNCHRONOUS, FORECAST_INTERVAL_S, ...) instead of resetting
   * them: the soak runs against whatever configuration the operator wants to try.
   */
  inheritSettings?: boolean;
  /** Start of the temporary DATA_DIR's name. */
  dataDirPrefix?: string;
  /** Settings on top (cluster mode: NATS_URL, REPLICA_ID). */
  env?: Record<string, string>;
  /** The API key, shared by the replicas of a cluster; a fresh random one by default. */
  key?: string;
  /** Append the api's whole output to this file too (the soak's --replica-logs). */
  logFile?: string;
}

/** How the api process ended. */
export interface ApiExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * The built api (dist/apps/api/main.js) on a free port with a temporary DATA_DIR, its own API key and no
 * write rate limit. Unless `inheritSettings`, every other setting is at its default: SQLITE_SYNCHRONOUS=FULL
 * (durable writes), FORECAST_INTERVAL_S=5, INFERENCE_THREADS = all cores.
 */
export class ApiProcess {
  private log = '';
  /** Spawn to the first healthy /health, ms. */
  startupMs = 0;

  private constructor(
    readonly base: string,
    readonly key: string,
    private readonly child: ChildProcess,
    readonly dataDir: string,
  ) {
    const keep = (chunk: Buffer) => (this.log = (this.log + chunk.toString()).slice(-20000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(root: string, o: ApiStartOptions = {}): Promise<ApiProcess> {
    const main = join(root, 'dist', 'apps', 'api', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npx nx build api\` (npm run bench and npm run soak build it)`);
    const port = await freePort();
    const dataDir = cleanup.dir(mkdtempSync(join(tmpdir(), o.dataDirPrefix ?? 'tft-bench-api-')));
    const key = o.key ?? randomBytes(24).toString('hex');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      API_PORT: String(port),
      DATA_DIR: dataDir,
      API_KEY: key,
      API_KEYS: '',
      WRITE_RATE_LIMIT: '0',
      LOG_FORMAT: 'text',
    };
    if (o.modelDir) env['MODEL_DIR'] = o.modelDir;
    if (!o.inheritSettings) {
      env['SQLITE_SYNCHRONOUS'] = 'FULL';
      for (const k of TUNABLE) delete env[k];
    }
    Object.assign(env, o.env);
    const started = Date.now();
    const child = cleanup.child(
      spawn(process.execPath, [main], {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const api = new ApiProcess(`http://127.0.0.1:${port}`, key, child, dataDir);
    if (o.logFile) {
      const file = o.logFile;
      for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => appendFileSync(file, chunk));
    }
    const until = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await fetch(`${api.base}/health`)).ok) break;
      } catch {
        /* not up yet */
      }
      if (child.exitCode !== null || Date.now() > until) {
        await api.stop();
        throw new Error(`the api did not start:\n${api.log.slice(-3000)}`);
      }
      await sleep(100);
    }
    api.startupMs = Date.now() - started;
    return api;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  rssMb(): number | null {
    return rssMb(this.child.pid);
  }

  peakRssMb(): number | null {
    return rssMb(this.child.pid, 'VmHWM');
  }

  logTail(chars = 3000): string {
    return this.log.replace(ANSI_COLOUR, '').slice(-chars);
  }

  /** "running", or how the process ended (for error messages). */
  state(): string {
    const { exitCode, signalCode } = this.child;
    if (exitCode === null && signalCode === null) return 'running';
    return signalCode ? `killed by ${signalCode}` : `exited with code ${exitCode}`;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { 'x-api-key': this.key, ...extra };
  }

  /**
   * fetch, retried (twice, after 200 ms) when the connection is reset: the api closes idle keep-alive
   * connections after 5 s, and a long synchronous stretch in it (a big tick) can close one under a request.
   * Retrying a POST is safe here: a re-sent sample is a duplicate and changes nothing.
   */
  private async fetchRetrying(path: string, init: RequestInit): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fetch(`${this.base}${path}`, {
          ...init,
          signal: AbortSignal.timeout(120_000),
        });
      } catch (err) {
        const code = (err as { cause?: { code?: string } }).cause?.code ?? '';
        if (attempt >= 3 || !/ECONNRESET|EPIPE|UND_ERR_SOCKET|ECONNREFUSED/.test(code) || this.state() !== 'running') throw err;
        await sleep(200);
      }
    }
  }

  /** The body as received (bytes on the wire unless the api compresses) and its content-encoding. */
  async getText(path: string, acceptEncoding = 'identity'): Promise<{ text: string; bytes: number; encoding: string | null }> {
    const res = await this.fetchRetrying(path, {
      headers: this.headers({ 'accept-encoding': acceptEncoding }),
    });
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
    const encoding = res.headers.get('content-encoding');
    const length = Number(res.headers.get('content-length'));
    const text = await res.text();
    return {
      text,
      bytes: encoding && length ? length : Buffer.byteLength(text),
      encoding,
    };
  }

  async getJson<T>(path: string): Promise<T> {
    const res = await this.fetchRetrying(path, { headers: this.headers() });
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    return (await res.json()) as T;
  }

  /** POST /feed/data: the answer when it is a 200, else null; `text` (the body as sent) is for error messages. */
  async postFeed(body: string): Promise<{
    status: number;
    json: FeedDataResponseDto | null;
    text: string;
  }> {
    const res = await this.fetchRetrying('/feed/data', {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body,
    });
    const text = await res.text();
    return {
      status: res.status,
      json: res.status === 200 ? (JSON.parse(text) as FeedDataResponseDto) : null,
      text,
    };
  }

  /** kill -9: no chance to release leases or flush anything, as a machine lost. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGKILL');
    await exited;
    cleanup.release(this.child);
    cleanup.removeDir(this.dataDir);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; removes the data directory; how the process ended. */
  async stop(graceMs = 30_000): Promise<ApiExit> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    cleanup.release(this.child);
    cleanup.removeDir(this.dataDir);
    return { code: this.child.exitCode, signal: this.child.signalCode };
  }
}
