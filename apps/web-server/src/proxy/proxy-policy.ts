/** The daemons behind the console server, by the path prefix the browser uses. */
export type Service = 'api' | 'generator';

/** A write the console itself makes; `path` as the daemon sees it (without the /api or /generator prefix). */
export interface ConsoleWrite {
  service: Service;
  method: string;
  path: string;
}

/**
 * The writes the console itself makes (apps/web/src/app/data/scenario.service.ts: the scenario
 * buttons). Matched exactly: anything else is refused, not guessed at.
 */
export const CONSOLE_WRITES: readonly ConsoleWrite[] = [{ service: 'generator', method: 'POST', path: '/scenario/set' }];

const READ_METHODS = new Set(['GET', 'HEAD']);
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Why a request is not proxied: the answer the console server gives instead. */
export interface Refusal {
  status: 403 | 405;
  body: { error: 'write_not_proxied' | 'method_not_allowed'; message: string };
  headers: Record<string, string>;
}

/**
 * Why the console server will not proxy `method` to `path` of `service`, or null when it will:
 * reads (GET, HEAD) and CONSOLE_WRITES pass; any other write is 403, any other method 405.
 * Because the server adds the key to what it passes, the decision looks at method and path only, so
 * headers a client adds (its own X-API-Key, Authorization) change nothing. `shownPath` is the path as
 * the browser sent it, for the message.
 */
export function proxyRefusal(service: Service, method: string, path: string, shownPath: string): Refusal | null {
  if (READ_METHODS.has(method)) return null;
  if (CONSOLE_WRITES.some((w) => w.service === service && w.method === method && w.path === path)) return null;
  if (WRITE_METHODS.has(method)) {
    return {
      status: 403,
      body: {
        error: 'write_not_proxied',
        message: `The console proxies reads and its own scenario writes only; ${method} ${shownPath} must go to the ${service} directly (with its key).`,
      },
      headers: {},
    };
  }
  const allow = ['GET', 'HEAD', ...CONSOLE_WRITES.filter((w) => w.service === service && w.path === path).map((w) => w.method)].join(', ');
  return {
    status: 405,
    body: {
      error: 'method_not_allowed',
      message: `The console proxies ${allow} on ${shownPath}; ${method} is not proxied.`,
    },
    headers: { allow },
  };
}
