import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PassEvent } from '../snapshot/fleet-published';
import { ChangeFeed, DEFAULT_CHANGE_FEED_OPTIONS } from './change-feed';

/** A response that records what is written, with a settable backlog of unsent bytes. */
class FakeResponse extends EventEmitter {
  written = '';
  writableLength = 0;
  destroyed = false;
  headers: Record<string, string> = {};
  status = () => this;
  setHeader = (name: string, value: string) => ((this.headers[name.toLowerCase()] = value), this);
  flushHeaders = () => undefined;
  write = (chunk: string) => ((this.written += chunk), true);
  end = () => this;
  destroy = () => {
    this.destroyed = true;
    this.emit('close');
    return this;
  };
  /** Event ids and types written, in order. */
  events(): string[] {
    return [...this.written.matchAll(/id: (\S+)\nevent: (\w+)/g)].map((m) => `${m[2]}@${m[1].split('.')[1]}`);
  }
}

const pass = (n: number): PassEvent => ({
  pass: n,
  prediction_time: '2026-01-05T12:00:00Z',
  published_at: '2026-01-05T12:00:01.000Z',
  changed: [`pp${n}`],
  changed_count: 1,
  removed: [],
  live_updates: 0,
  total_servers: 1,
});

describe('ChangeFeed (GET /events)', () => {
  let feed: ChangeFeed;
  afterEach(() => {
    feed.close();
    vi.useRealTimers();
  });
  const subscribe = (lastEventId?: string) => {
    const res = new FakeResponse();
    expect(feed.subscribe(res as unknown as Response, lastEventId)).toBe(true);
    return res;
  };

  it('streams events with ids as text/event-stream, after a retry hint', () => {
    feed = new ChangeFeed();
    const res = subscribe();
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    feed.announce('pass', pass(1));
    expect(res.written).toBe(`retry: 2000\n\nid: ${feed.lastEventId}\nevent: pass\ndata: ${JSON.stringify(pass(1))}\n\n`);
  });

  it('replays what a client missed after its Last-Event-ID, and nothing twice', () => {
    feed = new ChangeFeed();
    for (let n = 1; n <= 5; n++) feed.announce('pass', pass(n));
    const boot = feed.lastEventId.split('.')[0];
    expect(subscribe(`${boot}.2`).events()).toEqual(['pass@3', 'pass@4', 'pass@5']);
    expect(subscribe(`${boot}.5`).events()).toEqual([]);
  });

  it('says reset when the missed events are not kept, are from another run, or the id is not one of ours', () => {
    feed = new ChangeFeed({ ...DEFAULT_CHANGE_FEED_OPTIONS, replayEvents: 3 });
    for (let n = 1; n <= 6; n++) feed.announce('pass', pass(n));
    const boot = feed.lastEventId.split('.')[0];
    expect(subscribe(`${boot}.3`).events()).toEqual(['pass@4', 'pass@5', 'pass@6']); // 4..6 kept
    for (const id of [`${boot}.2`, `older.5`, `${boot}.99`, 'garbage']) {
      const res = subscribe(id);
      expect(res.events(), id).toEqual(['reset@6']);
    }
  });

  it('keeps no more bytes of events than it is allowed', () => {
    const frameBytes = (n: number) => `id: x.${n}\nevent: pass\ndata: ${JSON.stringify(pass(n))}\n\n`.length;
    feed = new ChangeFeed({ ...DEFAULT_CHANGE_FEED_OPTIONS, replayBytes: 2.5 * frameBytes(1) });
    for (let n = 1; n <= 6; n++) feed.announce('pass', pass(n));
    const boot = feed.lastEventId.split('.')[0];
    expect(subscribe(`${boot}.4`).events()).toEqual(['pass@5', 'pass@6']);
    expect(subscribe(`${boot}.3`).events()).toEqual(['reset@6']);
  });

  it('disconnects a client that stops reading once its backlog passes the bound; the others go on', () => {
    feed = new ChangeFeed({ ...DEFAULT_CHANGE_FEED_OPTIONS, maxBufferedBytes: 1000 });
    const slow = subscribe();
    const fast = subscribe();
    feed.announce('pass', pass(1));
    slow.writableLength = 1001;
    feed.announce('pass', pass(2));
    expect(slow.destroyed).toBe(true);
    expect(slow.events()).toEqual(['pass@1']);
    feed.announce('pass', pass(3));
    expect(fast.events()).toEqual(['pass@1', 'pass@2', 'pass@3']);
    expect(feed.clientCount).toBe(1);
    expect(feed.disconnectedSlow).toBe(1);
  });

  it('sends heartbeat comments so idle streams survive proxies, and refuses clients past the limit', () => {
    vi.useFakeTimers();
    feed = new ChangeFeed({ ...DEFAULT_CHANGE_FEED_OPTIONS, heartbeatMs: 1000, maxClients: 1 });
    const res = subscribe();
    vi.advanceTimersByTime(2500);
    expect(res.written.match(/^: heartbeat$/gm)).toHaveLength(2);
    expect(feed.subscribe(new FakeResponse() as unknown as Response, undefined)).toBe(false);
    res.emit('close');
    expect(feed.clientCount).toBe(0);
  });
});
