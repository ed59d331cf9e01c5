import { describe, expect, it } from 'vitest';
import { AlertLifecycle } from './alert-lifecycle';

describe('AlertLifecycle', () => {
  it('fires after the hold, stays one alert with its first time, resolves after the clear period', () => {
    const lc = new AlertLifecycle({ forSeconds: 600, resolveAfterSeconds: 900 });
    const seen = (holds: boolean, now: number) => lc.observe('web-1|cpu', holds, now);
    expect(seen(true, 0)).toEqual({ transition: 'pending', since: 0 });
    expect(seen(true, 300)).toEqual({ transition: 'pending', since: 0 });
    expect(seen(true, 600)).toEqual({ transition: 'fired', since: 0 });
    expect(seen(false, 900)).toEqual({ transition: 'firing', since: 0 }); // clear, but not for 15 min yet
    expect(seen(true, 1200)).toEqual({ transition: 'firing', since: 0 }); // back: the clear period starts over
    expect(seen(false, 1500)).toEqual({ transition: 'firing', since: 0 });
    expect(seen(false, 2400)).toEqual({ transition: 'resolved', since: 0 });
    expect(lc.isFiring('web-1|cpu')).toBe(false);
    expect(seen(true, 2700)).toEqual({ transition: 'pending', since: 2700 });
  });

  it('forgets a pending condition that clears before the hold, and fires at once without a hold', () => {
    const lc = new AlertLifecycle({ forSeconds: 600, resolveAfterSeconds: 0 });
    lc.observe('a', true, 0);
    expect(lc.observe('a', false, 300)).toEqual({ transition: 'clear', since: null });
    expect(lc.observe('a', true, 600)).toEqual({ transition: 'pending', since: 600 });
    const now = new AlertLifecycle({ forSeconds: 0, resolveAfterSeconds: 0 });
    expect(now.observe('b', true, 5)).toEqual({ transition: 'fired', since: 5 });
    expect(now.observe('b', false, 10)).toEqual({ transition: 'resolved', since: 5 });
    expect(now.drop('b')).toBe(false);
  });

  it('goes on from a state another process had: the same first time, no new hold, the clear period already running', () => {
    const timing = { forSeconds: 600, resolveAfterSeconds: 900 };
    const before = new AlertLifecycle(timing);
    before.observe('a|cpu', true, 0);
    before.observe('a|cpu', true, 600);
    before.observe('a|cpu', false, 900);
    const state = before.state('a|cpu')!;
    expect(state).toEqual({ since: 0, firing: true, clearSince: 900 });
    expect(before.state('b|cpu')).toBeUndefined();
    const after = new AlertLifecycle(timing);
    after.restore('a|cpu', state);
    state.firing = false; // a copy: the restored state is its own
    expect(after.observe('a|cpu', false, 1500)).toEqual({ transition: 'firing', since: 0 });
    expect(after.observe('a|cpu', false, 1800)).toEqual({ transition: 'resolved', since: 0 });
  });
});
