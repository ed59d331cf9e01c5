import { healthControllerStatus } from '@tft/api-client';
import { fakeServer, json, unreachable } from '../../testing/fake-server';
import { createServiceClient, ServiceError } from './api';

async function statusError(handler: () => Response | Promise<Response>): Promise<ServiceError> {
  const server = fakeServer({ 'GET /api/status': handler });
  const client = createServiceClient('api', 'http://console.test/api', server.fetch);
  try {
    await healthControllerStatus({ client, throwOnError: true });
  } catch (e) {
    expect(e).toBeInstanceOf(ServiceError);
    return e as ServiceError;
  }
  throw new Error('expected the call to fail');
}

describe('createServiceClient', () => {
  it('calls the api under its runtime base URL', async () => {
    const server = fakeServer({
      'GET /api/status': () => json({ running: true }),
    });
    const client = createServiceClient('api', 'http://console.test/api', server.fetch);
    const { data } = await healthControllerStatus({
      client,
      throwOnError: true,
    });
    expect(data).toEqual({ running: true });
    expect(server.requests).toEqual([{ method: 'GET', path: '/api/status', search: '', body: '' }]);
  });

  it('reports the proxy 502 as the api being unreachable, with its message', async () => {
    const error = await statusError(() => unreachable('api'));
    expect(error.reason).toBe('unreachable');
    expect(error.status).toBe(502);
    expect(error.message).toBe('The api at http://127.0.0.1:8000 is unreachable (ECONNREFUSED).');
  });

  it('reports a network failure as unreachable', async () => {
    const error = await statusError(() => {
      throw new TypeError('Failed to fetch');
    });
    expect(error.reason).toBe('unreachable');
    expect(error.status).toBeNull();
    expect(error.message).toBe('The inference api cannot be reached (Failed to fetch).');
  });

  it('reports other statuses as http errors with the api message', async () => {
    const error = await statusError(() =>
      json(
        {
          statusCode: 404,
          message: 'Unknown server ppxx0001',
          error: 'Not Found',
        },
        404,
      ),
    );
    expect(error.reason).toBe('http');
    expect(error.status).toBe(404);
    expect(error.message).toBe('The inference api answered 404: Unknown server ppxx0001');
  });
});
