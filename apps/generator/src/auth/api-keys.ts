import { createHash, timingSafeEqual } from 'node:crypto';

/** Names of the security schemes in the OpenAPI document (the same as the api's). */
export const API_KEY_SCHEME = 'api_key';
export const BEARER_SCHEME = 'bearer';

/** 8-256 visible ASCII characters; no spaces, and no commas (they separate API_KEYS). */
const KEY_PATTERN = /^[\x21-\x2b\x2d-\x7e]{8,256}$/;

/**
 * The keys from API_KEY (one) and API_KEYS (comma-separated), deduplicated, with the api's rules so one
 * environment configures both daemons. Errors never echo a key.
 */
export function parseApiKeys(
  single: string | undefined,
  list: string | undefined,
): string[] {
  const keys = [single ?? '', ...(list ?? '').split(',')]
    .map((k) => k.trim())
    .filter((k) => k !== '');
  keys.forEach((k, i) => {
    if (!KEY_PATTERN.test(k)) {
      throw new Error(
        `API_KEY/API_KEYS: key ${i + 1} must be 8-256 visible ASCII characters without spaces or commas (it has ${k.length} characters)`,
      );
    }
  });
  return [...new Set(keys)];
}

const sha256 = (text: string): Buffer =>
  createHash('sha256').update(text, 'utf8').digest();

/**
 * Constant-time check: both sides hashed to 32 bytes for timingSafeEqual, every key compared, no early
 * exit.
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
    for (const digest of this.digests)
      ok = timingSafeEqual(presented, digest) || ok;
    return ok;
  }
}

/** The key sent as `X-API-Key: <key>` or `Authorization: Bearer <key>`, if any. */
export function presentedKey(
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header.trim();
  const auth = headers['authorization'];
  if (typeof auth === 'string') return /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1];
  return undefined;
}
