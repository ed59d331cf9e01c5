/** Comma-separated browser origins (`scheme://host[:port]`); `none` allows no cross-origin caller. */
export function parseOrigins(name: string, raw: string | undefined, fallback: readonly string[]): string[] {
  if (raw === undefined || raw.trim() === '') return [...fallback];
  if (raw.trim().toLowerCase() === 'none') return [];
  return raw
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '')
    .map((o) => {
      let url: URL | null = null;
      try {
        url = new URL(o);
      } catch {
        /* reported below */
      }
      if (!url || !/^https?:$/.test(url.protocol) || url.origin !== o.replace(/\/$/, '')) {
        throw new Error(`${name} entries must be origins such as https://ops.example.com:8501 (no path, no wildcard; got "${o}")`);
      }
      return url.origin;
    });
}
