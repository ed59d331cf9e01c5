import { Injector, runInInjectionContext } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { ServiceError } from './api';
import { poll, POLL_INTERVAL_MS } from './poll';

describe('poll', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    TestBed.configureTestingModule({
      providers: [{ provide: POLL_INTERVAL_MS, useValue: 5000 }],
    });
  });
  afterEach(() => vi.useRealTimers());

  function start<T>(load: () => Promise<T>) {
    return runInInjectionContext(TestBed.inject(Injector), () => poll(load, { service: 'api' }));
  }

  it('loads now, then every interval after the previous call settles', async () => {
    let n = 0;
    const p = start(async () => ++n);
    expect(p.loading()).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(p.value()).toBe(1);
    expect(p.loading()).toBe(false);
    await vi.advanceTimersByTimeAsync(4999);
    expect(p.value()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(p.value()).toBe(2);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(p.value()).toBe(4);
  });

  it('keeps the last value while calls fail, and clears the error on recovery', async () => {
    const answers: (() => Promise<number>)[] = [
      async () => 42,
      async () => {
        throw new ServiceError('api', 'unreachable', 502, 'api down');
      },
      async () => 43,
    ];
    const p = start(() => answers.shift()!());
    await vi.advanceTimersByTimeAsync(0);
    expect(p.value()).toBe(42);
    await vi.advanceTimersByTimeAsync(5000);
    expect(p.value()).toBe(42);
    expect(p.error()?.message).toBe('api down');
    await vi.advanceTimersByTimeAsync(5000);
    expect(p.value()).toBe(43);
    expect(p.error()).toBeNull();
  });

  it('refresh() fetches at once without starting a second timer', async () => {
    let n = 0;
    const p = start(async () => ++n);
    await vi.advanceTimersByTimeAsync(0);
    p.refresh();
    await vi.advanceTimersByTimeAsync(0);
    expect(p.value()).toBe(2);
    await vi.advanceTimersByTimeAsync(5000);
    expect(n).toBe(3); // one timer, not two
  });

  it('stops when its injector is destroyed', async () => {
    let n = 0;
    start(async () => ++n);
    await vi.advanceTimersByTimeAsync(0);
    TestBed.resetTestingModule();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(n).toBe(1);
  });
});
