import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeferredCollection, v8GarbageCollector } from './garbage-collector';

describe('v8GarbageCollector', () => {
  it('frees a dropped Buffer at once', async () => {
    // a WeakRef, not process-wide memory figures: other test files allocate in the same process meanwhile
    let big: Buffer | null = Buffer.alloc(64 * 1024 ** 2, 1);
    const ref = new WeakRef(big);
    expect(big[123]).toBe(1);
    big = null;
    // a WeakRef keeps its target alive until the job that made it ends
    await new Promise((resolve) => setImmediate(resolve));
    const ms = v8GarbageCollector.collect();
    expect(ref.deref()).toBeUndefined();
    expect(ms).toBeGreaterThan(0);
  });
});

describe('DeferredCollection', () => {
  afterEach(() => vi.useRealTimers());

  it('runs one collection for the requests within its delay, then a new one for later requests', () => {
    vi.useFakeTimers();
    let collected = 0;
    const c = new DeferredCollection({ collect: () => ++collected }, 1000);
    c.request();
    vi.advanceTimersByTime(600);
    c.request(); // joins the pending one
    vi.advanceTimersByTime(400);
    expect(c.runs).toBe(1);
    expect(collected).toBe(1);
    expect(c.lastMs).toBe(1);
    vi.advanceTimersByTime(5000);
    expect(c.runs).toBe(1);
    c.request();
    c.cancel();
    vi.advanceTimersByTime(5000);
    expect(c.runs).toBe(1);
    c.request();
    vi.advanceTimersByTime(1000);
    expect(c.runs).toBe(2);
  });
});
