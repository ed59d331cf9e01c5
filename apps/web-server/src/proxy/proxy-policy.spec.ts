import { describe, expect, it } from 'vitest';
import { CONSOLE_WRITES, proxyRefusal } from './proxy-policy';

describe('proxyRefusal', () => {
  it('passes reads on either daemon, any path', () => {
    for (const method of ['GET', 'HEAD']) {
      expect(proxyRefusal('api', method, '/fleet/summary', '/api/fleet/summary')).toBeNull();
      expect(proxyRefusal('generator', method, '/scenario/set', '/generator/scenario/set')).toBeNull();
    }
  });

  it("passes the console's own writes and nothing that only looks like them", () => {
    expect(CONSOLE_WRITES).toEqual([{ service: 'generator', method: 'POST', path: '/scenario/set' }]);
    expect(proxyRefusal('generator', 'POST', '/scenario/set', '/generator/scenario/set')).toBeNull();
    const lookalikes: [service: 'api' | 'generator', method: string, path: string][] = [
      ['api', 'POST', '/scenario/set'],
      ['generator', 'POST', '/scenario/set/'],
      ['generator', 'POST', '/Scenario/set'],
      ['generator', 'POST', '/scenario/reset'],
      ['generator', 'PUT', '/scenario/set'],
      ['generator', 'post', '/scenario/set'],
    ];
    expect(lookalikes.filter(([service, method, path]) => proxyRefusal(service, method, path, path) === null)).toEqual([]);
  });

  it('refuses any other write with 403, naming the daemon to send it to', () => {
    expect(proxyRefusal('api', 'DELETE', '/servers/ppdb0001', '/api/servers/ppdb0001')).toEqual({
      status: 403,
      body: {
        error: 'write_not_proxied',
        message:
          'The console proxies reads and its own scenario writes only; DELETE /api/servers/ppdb0001 must go to the api directly (with its key).',
      },
      headers: {},
    });
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].map((m) => proxyRefusal('api', m, '/feed/data', '/api/feed/data')?.status)).toEqual([
      403, 403, 403, 403,
    ]);
  });

  it('answers other methods 405 with what the path allows', () => {
    expect(proxyRefusal('api', 'OPTIONS', '/status', '/api/status')).toEqual({
      status: 405,
      body: { error: 'method_not_allowed', message: 'The console proxies GET, HEAD on /api/status; OPTIONS is not proxied.' },
      headers: { allow: 'GET, HEAD' },
    });
    expect(proxyRefusal('generator', 'TRACE', '/scenario/set', '/generator/scenario/set')?.headers).toEqual({ allow: 'GET, HEAD, POST' });
    expect(proxyRefusal('generator', 'post', '/scenario/set', '/generator/scenario/set')?.status).toBe(405);
  });
});
