/** Reading the fleet's history failed; the message names the source and what went wrong. */
export class HistoryError extends Error {}

/** A URL as it may be printed: without a password. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/+$/, '');
  } catch {
    return raw;
  }
}

/** Why fetch() threw, in a few words: the system error's code (ECONNREFUSED, ENOTFOUND, ...) when there is one. */
export function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message && !cause.message.includes(cause.code) ? ` (${cause.message})` : ''}`;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
