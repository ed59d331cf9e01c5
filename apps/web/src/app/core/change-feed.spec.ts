import { Injector, runInInjectionContext, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { AlertEventDto, PassEventDto } from '@tft/api-client';
import { FakeEventSource } from '../../testing/fake-server';
import { passEvent } from '../../testing/fixtures';
import { API_BASE_URL } from './api';
import { PAGE_VISIBLE } from './browser';
import { changeFeed, EVENT_SOURCE, passTouches } from './change-feed';
import { POLL_INTERVAL_MS } from './poll';

describe('changeFeed', () => {
  const visible = signal(true);
  let sources: FakeEventSource[];
  let passes: PassEventDto[];
  let alerts: AlertEventDto[];
  let resyncs: number;

  beforeEach(() => {
    vi.useFakeTimers();
    visible.set(true);
    sources = [];
    passes = [];
    alerts = [];
    resyncs = 0;
    TestBed.configureTestingModule({
      providers: [
        { provide: API_BASE_URL, useValue: '/api' },
        { provide: POLL_INTERVAL_MS, useValue: 5_000 },
        { provide: PAGE_VISIBLE, useValue: visible },
        {
          provide: EVENT_SOURCE,
          useValue: (url: string) => {
            const source = new FakeEventSource(url);
            sources.push(source);
            return source;
          },
        },
      ],
    });
  });
  afterEach(() => vi.useRealTimers());

  function start() {
    const feed = runInInjectionContext(TestBed.inject(Injector), () =>
      changeFeed({
        pass: (e) => passes.push(e),
        alert: (e) => alerts.push(e),
        resync: () => resyncs++,
      }),
    );
    TestBed.tick();
    return feed;
  }
  const last = () => sources[sources.length - 1];

  it('opens /api/events and hands pass and alert events over, parsed', () => {
    const feed = start();
    expect(sources.map((s) => s.url)).toEqual(['/api/events']);
    expect(feed.state()).toBe('connecting');
    last().open();
    expect(feed.state()).toBe('live');
    last().emit('pass', passEvent({ changed: ['ppweb0004'] }));
    last().emit('alert', {
      state: 'firing',
      id: 'b2c3',
      server: 'ppweb0004',
      metric: 'memory_percent',
      severity: 'critical',
      minutes_ahead: 5,
    });
    expect(passes.map((p) => p.changed)).toEqual([['ppweb0004']]);
    expect(alerts.map((a) => `${a.state} ${a.server}`)).toEqual(['firing ppweb0004']);
    expect(resyncs).toBe(0); // the first open follows the views' own first fetch
  });

  it('asks for a resync on a reset event', () => {
    start();
    last().open();
    last().emit('reset', { reason: 'the events since x.1 are not kept; refetch' });
    expect(resyncs).toBe(1);
  });

  it('goes down on an error, resyncs once, and again when the browser reconnects by itself', () => {
    const feed = start();
    last().open();
    last().fail(true);
    expect(feed.state()).toBe('down');
    expect(resyncs).toBe(1);
    last().fail(true); // the browser's next attempt fails too: no second resync
    expect(resyncs).toBe(1);
    last().open();
    expect(feed.state()).toBe('live');
    expect(resyncs).toBe(2); // events may have been missed while down
    expect(sources).toHaveLength(1);
  });

  it('opens a new stream every retry period after a final failure (the proxy answered 502)', async () => {
    const feed = start();
    last().fail(false);
    expect(feed.state()).toBe('down');
    expect(sources[0].closed).toBe(true);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(sources).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sources).toHaveLength(2);
    last().fail(false);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sources).toHaveLength(3);
    last().open();
    expect(feed.state()).toBe('live');
  });

  it('closes while the tab is hidden and resyncs when it shows again', () => {
    const feed = start();
    last().open();
    visible.set(false);
    TestBed.tick();
    expect(feed.state()).toBe('paused');
    expect(sources[0].closed).toBe(true);
    visible.set(true);
    TestBed.tick();
    expect(sources).toHaveLength(2);
    last().open();
    expect(resyncs).toBe(1);
  });

  it('ignores an event whose data is not JSON', () => {
    start();
    last().open();
    last().emitText('pass', '{not json');
    expect(passes).toEqual([]);
  });

  it('closes the stream and stops retrying when destroyed', async () => {
    start();
    last().fail(false);
    TestBed.resetTestingModule();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sources).toHaveLength(1);
  });
});

describe('passTouches', () => {
  it('is true for a listed or removed server, and for every server when the pass lists fewer than it changed', () => {
    const shown = new Set(['ppdb0001', 'ppweb0002']);
    expect(passTouches(passEvent({ changed: ['ppdb0001'], changed_count: 1 }), shown)).toBe(true);
    expect(passTouches(passEvent({ removed: ['ppweb0002'] }), shown)).toBe(true);
    expect(passTouches(passEvent({ changed: ['ppml0003'], changed_count: 1 }), shown)).toBe(false);
    expect(passTouches(passEvent({ changed: ['ppml0003'], changed_count: 700 }), shown)).toBe(true);
  });
});
