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

/** The loud line a daemon logs at startup when it runs without keys; null when keys are set. */
export function openAccessWarning(service: string, keys: readonly string[], writes: string): string | null {
  if (keys.length) return null;
  return (
    `NO API KEY CONFIGURED: ${service} accepts ${writes} from anyone who can reach it. ` +
    'Set API_KEY or API_KEYS to require a key (see docs/OPERATIONS.md).'
  );
}
