import { createHash, timingSafeEqual } from 'node:crypto';

/** Names of the security schemes in the daemons' OpenAPI documents. */
export const API_KEY_SCHEME = 'api_key';
export const BEARER_SCHEME = 'bearer';

/** 8-256 visible ASCII characters; no spaces, and no commas (they separate API_KEYS). */
const KEY_PATTERN = /^[\x21-\x2b\x2d-\x7e]{8,256}$/;

/**
 * The accepted keys from API_KEY (one) and API_KEYS (comma-separated), deduplicated; the api and the
 * generator share these rules, so one environment configures both. Errors never echo a key: config
 * errors end up in logs.
 */
export function parseApiKeys(single: string | undefined, list: string | undefined): string[] {
  const keys = [single ?? '', ...(list ?? '').split(',')].map((k) => k.trim()).filter((k) => k !== '');
  keys.forEach((k, i) => {
    if (!KEY_PATTERN.test(k)) {
      throw new Error(
        `API_KEY/API_KEYS: key ${i + 1} must be 8-256 visible ASCII characters without spaces or commas (it has ${k.length} characters)`,
      );
    }
  });
  return [...new Set(keys)];
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Checks a presented key in constant time: both sides are hashed to 32 bytes (so timingSafeEqual
 * always compares equal lengths and the key length does not leak) and every configured key is compared,
 * without an early exit.
 */
export class ApiKeyVerifier {
  private readonly digests: readonly Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(sha256);
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  verify(candidate: string | undefined): boolean {
    if (candidate === undefined || candidate === '') return false;
    const presented = sha256(candidate);
    let ok = false;
    for (const digest of this.digests) ok = timingSafeEqual(presented, digest) || ok;
    return ok;
  }
}

/** The key sent as `X-API-Key: <key>` or `Authorization: Bearer <key>`, if any. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header.trim();
  const auth = headers['authorization'];
  if (typeof auth === 'string') return /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1];
  return undefined;
}

export const LOOPBACK_HOST = '127.0.0.1';
export const ALL_INTERFACES = '0.0.0.0';

/**
 * Where a daemon listens: the host it was told (API_HOST, GENERATOR_HOST, WEB_HOST), else every
 * interface when keys guard its writes and loopback only when nothing does, as Redis' protected mode.
 */
export function listenHost(keys: readonly string[], configured: string | undefined): string {
  const host = configured?.trim();
  if (host) return host;
  return keys.length ? ALL_INTERFACES : LOOPBACK_HOST;
}

const isLoopback = (host: string): boolean => host === LOOPBACK_HOST || host === '::1' || host === 'localhost';

/**
 * What a daemon says at startup about who can reach it: `info` always (the interface and why), and
 * `warning` when it runs without keys. `hostVariable` names the setting that changes the interface.
 */
export function accessLines(
  service: string,
  keys: readonly string[],
  host: string,
  writes: string,
  hostVariable: string,
): { info: string; warning: string | null } {
  const loopback = isLoopback(host);
  const info = loopback
    ? `${service} listens on ${host} only` +
      (keys.length ? '' : ` (no API key configured; set ${hostVariable}=0.0.0.0 to listen on every interface)`)
    : `${service} listens on ${host === ALL_INTERFACES ? 'every interface' : host}`;
  if (keys.length) return { info, warning: null };
  const warning = loopback
    ? `NO API KEY CONFIGURED: ${service} accepts ${writes} from any local process. Set API_KEY or API_KEYS to require a key (see docs/OPERATIONS.md).`
    : `NO API KEY CONFIGURED: ${service} accepts ${writes} from anyone who can reach ${host}. ` +
      'Set API_KEY or API_KEYS to require a key (see docs/OPERATIONS.md).';
  return { info, warning };
}
