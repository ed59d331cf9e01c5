import { describe, expect, it } from 'vitest';
import { InFlightGate } from './in-flight-gate';
import { RetryLaterException } from './retry-later.exception';

describe('InFlightGate', () => {
  it('refuses the request past its limit with a 503 to retry after 1 s, and takes requests again once one ends', async () => {
    const gate = new InFlightGate(2, 'OTLP');
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = gate.run(() => held.then(() => 'first'));
    const second = gate.run(() => held.then(() => 'second'));
    const refused = gate.run(async () => 'third');
    await expect(refused).rejects.toBeInstanceOf(RetryLaterException);
    await expect(refused).rejects.toMatchObject({
      retryAfterSeconds: 1,
      message: 'the receiver is busy with 2 OTLP requests; retry after 1 s',
    });
    release();
    expect(await Promise.all([first, second])).toEqual(['first', 'second']);
    expect(await gate.run(async () => 'again')).toBe('again');
  });

  it('frees its place when the work fails', async () => {
    const gate = new InFlightGate(1, 'remote-write');
    await expect(gate.run(() => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    expect(await gate.run(async () => 'next')).toBe('next');
  });
});
