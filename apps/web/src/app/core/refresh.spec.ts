import { Injector, runInInjectionContext, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { ServiceError } from './api';
import { PAGE_VISIBLE, TRANSFER_SIZES } from './browser';
import { POLL_INTERVAL_MS } from './poll';
import { budgetGapMs, fleetGapMs, REFRESH_POLICY, refresher, type RefresherOptions, type RefreshPolicy } from './refresh';

const POLICY: RefreshPolicy = {
  minGapMs: 5_000,
  gapPer10kServersMs: 30_000,
  summaryBytesPerMinute: 3 * 2 ** 20,
  sideBytesPerMinute: 2 ** 19,
};

describe('fleetGapMs', () => {
  it('is the least gap for a small fleet and grows with a large one', () => {
    expect(fleetGapMs(POLICY, 20)).toBe(5_000);
    expect(fleetGapMs(POLICY, 1_000)).toBe(5_000);
    expect(fleetGapMs(POLICY, 5_000)).toBe(15_000);
    expect(fleetGapMs(POLICY, 10_000)).toBe(30_000);
    expect(fleetGapMs(POLICY, 20_000)).toBe(60_000);
  });
});

describe('budgetGapMs', () => {
  const perMinute = (bytes: number, gapMs: number) => (bytes * 60_000) / gapMs;
  const gap = fleetGapMs(POLICY, 10_000);

  it('keeps the gap for a compressed 10,000-server summary or a 304', () => {
    expect(budgetGapMs(gap, 400_000, POLICY.summaryBytesPerMinute)).toBe(30_000);
    expect(budgetGapMs(gap, 350, POLICY.summaryBytesPerMinute)).toBe(30_000);
    expect(budgetGapMs(gap, null, POLICY.summaryBytesPerMinute)).toBe(30_000);
  });

  it('stretches it for an uncompressed one, which the gap alone would let through at over 5 MiB a minute', () => {
    const plain = 10_000 * 300;
    expect(perMinute(plain, gap)).toBeGreaterThan(5 * 2 ** 20);
    const stretched = budgetGapMs(gap, plain, POLICY.summaryBytesPerMinute);
    expect(Math.round(stretched)).toBe(57_220);
    expect(perMinute(plain, stretched)).toBeCloseTo(POLICY.summaryBytesPerMinute, 0);
  });

  it('gives the overview at most 3 MiB a minute by default (summary, alerts, heatmap)', () => {
    const policy = TestBed.inject(REFRESH_POLICY);
    expect(policy.summaryBytesPerMinute + 2 * policy.sideBytesPerMinute).toBeLessThanOrEqual(3 * 2 ** 20);
    expect(fleetGapMs(policy, 10_000)).toBe(30_000);
  });
});

describe('refresher', () => {
  const visible = signal(true);
  const transfers = new Map<string, number>();

  beforeEach(() => {
    vi.useFakeTimers();
    visible.set(true);
    transfers.clear();
    TestBed.configureTestingModule({
      providers: [
        { provide: POLL_INTERVAL_MS, useValue: 10_000 },
        { provide: PAGE_VISIBLE, useValue: visible },
        { provide: TRANSFER_SIZES, useValue: (url: string) => transfers.get(url) ?? null },
      ],
    });
  });
  afterEach(() => vi.useRealTimers());

  function start<T>(load: () => Promise<T>, options: Partial<RefresherOptions> = {}) {
    const r = runInInjectionContext(TestBed.inject(Injector), () => refresher(load, { service: 'api', minGapMs: () => 5_000, ...options }));
    TestBed.tick(); // run the effects (key, visibility)
    return r;
  }

  it('fetches at once, then once per gap however many asks come in between', async () => {
    let n = 0;
    const r = start(async () => ++n);
    expect(r.loading()).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.value()).toBe(1);
    expect(r.loading()).toBe(false);

    await vi.advanceTimersByTimeAsync(1_000);
    r.request();
    r.request();
    r.request();
    await vi.advanceTimersByTimeAsync(3_999);
    expect(n).toBe(1); // 4,999 ms after the first answer
    await vi.advanceTimersByTimeAsync(1);
    expect(n).toBe(2); // one fetch for three asks
    await vi.advanceTimersByTimeAsync(60_000);
    expect(n).toBe(2); // nothing asked, nothing fetched

    r.request(); // asked long after the gap: at once
    await vi.advanceTimersByTimeAsync(0);
    expect(n).toBe(3);
  });

  it('reads the gap when it schedules, so a grown fleet waits longer', async () => {
    let n = 0;
    let servers = 20;
    const r = start(async () => ++n, { minGapMs: () => fleetGapMs(POLICY, servers) });
    await vi.advanceTimersByTimeAsync(0);
    servers = 10_000;
    r.request();
    await vi.advanceTimersByTimeAsync(29_999);
    expect(n).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(n).toBe(2);
  });

  it('waits out the byte budget of the last transfer when it is longer than the gap', async () => {
    let n = 0;
    const url = 'http://console.test/api/fleet/summary';
    const r = start(async () => ++n, { budget: { url, bytesPerMinute: 3 * 2 ** 20 } });
    await vi.advanceTimersByTimeAsync(0);
    transfers.set(url, 3 * 2 ** 20); // an uncompressed body: a minute's budget
    r.request();
    await vi.advanceTimersByTimeAsync(59_999);
    expect(n).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(n).toBe(2);

    transfers.set(url, 350); // a 304: the gap alone
    r.request();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(n).toBe(3);
  });

  it('never runs two calls at once: an ask during a call fetches after it, one gap later', async () => {
    let n = 0;
    let release: () => void = () => undefined;
    const r = start(
      () =>
        new Promise<number>((resolve) => {
          n++;
          release = () => resolve(n);
        }),
    );
    await vi.advanceTimersByTimeAsync(0);
    r.request();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(n).toBe(1); // still in flight
    release();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(n).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(n).toBe(2);
  });

  it('retries a failed call every retry period without being asked, keeping the last value', async () => {
    const answers: (() => Promise<number>)[] = [
      async () => 42,
      async () => {
        throw new ServiceError('api', 'unreachable', 502, 'api down');
      },
      async () => {
        throw new ServiceError('api', 'unreachable', 502, 'api down');
      },
      async () => 43,
    ];
    let calls = 0;
    const r = start(() => {
      calls++;
      return answers.shift()!();
    });
    await vi.advanceTimersByTimeAsync(0);
    r.request();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(r.value()).toBe(42);
    expect(r.error()?.message).toBe('api down');
    await vi.advanceTimersByTimeAsync(9_999);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(3);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.value()).toBe(43);
    expect(r.error()).toBeNull();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(4); // recovered: back to waiting for asks
  });

  it('holds asks while the tab is hidden and runs them once when it shows', async () => {
    let n = 0;
    const r = start(async () => ++n);
    await vi.advanceTimersByTimeAsync(0);
    visible.set(false);
    TestBed.tick();
    r.request();
    r.request();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(n).toBe(1);
    visible.set(true);
    TestBed.tick();
    await vi.advanceTimersByTimeAsync(0);
    expect(n).toBe(2);
  });

  it('polls one gap after each answer while pollWhile holds (the change feed is down)', async () => {
    let n = 0;
    let feedDown = true;
    start(async () => ++n, { pollWhile: () => feedDown });
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(n).toBe(4); // at 0, 5, 10 and 15 s
    feedDown = false;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(n).toBe(5); // the one already scheduled, then none
  });

  it('waits for the first ask when lazy', async () => {
    let n = 0;
    const r = start(async () => ++n, { lazy: true });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(n).toBe(0);
    expect(r.loading()).toBe(true);
    r.request();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.value()).toBe(1);
  });

  it('starts over at once when its key changes, clearing the old value', async () => {
    const name = signal('ppweb0004');
    const loaded: string[] = [];
    const r = start(
      async () => {
        loaded.push(name());
        return name();
      },
      { key: () => name() },
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(r.value()).toBe('ppweb0004');
    name.set('ppdb0001');
    TestBed.tick();
    expect(r.value()).toBeUndefined();
    expect(r.loading()).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.value()).toBe('ppdb0001');
    expect(loaded).toEqual(['ppweb0004', 'ppdb0001']); // no throttle wait for a new key, no double fetch
  });

  it('stops when its injector is destroyed', async () => {
    let n = 0;
    const r = start(async () => ++n, { pollWhile: () => true });
    await vi.advanceTimersByTimeAsync(0);
    TestBed.resetTestingModule();
    r.request();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(n).toBe(1);
  });
});
