import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import type { AlertEvent, PassEvent } from '../snapshot/fleet-published';

export interface ChangeFeedOptions {
  /** Events kept for clients that reconnect with Last-Event-ID, at most this many and this many bytes. */
  replayEvents: number;
  replayBytes: number;
  /** A client with more than this many bytes not yet taken off its socket is disconnected (it reconnects and replays). */
  maxBufferedBytes: number;
  heartbeatMs: number;
  maxClients: number;
}

export const DEFAULT_CHANGE_FEED_OPTIONS: ChangeFeedOptions = {
  replayEvents: 512,
  replayBytes: 4 * 1024 ** 2,
  maxBufferedBytes: 4 * 1024 ** 2,
  heartbeatMs: 15_000,
  maxClients: 1000,
};

interface FeedEvent {
  seq: number;
  frame: string;
}

/**
 * The server-sent event stream of GET /events. Ids are `<boot>.<seq>`: a client reconnecting with
 * Last-Event-ID gets the events it missed, or a `reset` event (refetch everything) when they are no
 * longer kept or came from an earlier run of the api.
 */
export class ChangeFeed {
  private readonly boot = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly kept: FeedEvent[] = [];
  private keptBytes = 0;
  private readonly clients = new Set<Response>();
  private readonly heartbeat: NodeJS.Timeout;
  disconnectedSlow = 0;

  constructor(private readonly options: ChangeFeedOptions = DEFAULT_CHANGE_FEED_OPTIONS) {
    // a comment line every so often, so proxies and load balancers keep an idle stream open
    this.heartbeat = setInterval(() => this.broadcast(': heartbeat\n\n'), options.heartbeatMs);
    this.heartbeat.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  get lastEventId(): string {
    return `${this.boot}.${this.seq}`;
  }

  announce(type: 'pass', data: PassEvent): void;
  announce(type: 'alert', data: AlertEvent): void;
  announce(type: string, data: object): void {
    const seq = ++this.seq;
    const frame = `id: ${this.boot}.${seq}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
    this.kept.push({ seq, frame });
    this.keptBytes += frame.length;
    while (this.kept.length > this.options.replayEvents || (this.keptBytes > this.options.replayBytes && this.kept.length > 1)) {
      this.keptBytes -= (this.kept.shift() as FeedEvent).frame.length;
    }
    this.broadcast(frame);
  }

  /** Starts streaming to `res`; false (nothing sent) when the feed has as many clients as it takes. */
  subscribe(res: Response, lastEventId: string | undefined): boolean {
    if (this.clients.size >= this.options.maxClients) return false;
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    // nginx buffers proxied responses unless told not to
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
    this.send(res, `retry: 2000\n\n${this.replay(lastEventId)}`);
    return true;
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  /** What a client that saw `lastEventId` missed; a `reset` when that cannot be told. */
  private replay(lastEventId: string | undefined): string {
    if (lastEventId === undefined) return '';
    const [boot, seqText] = lastEventId.split('.');
    const seq = Number(seqText);
    const oldestKept = this.kept.length ? this.kept[0].seq : this.seq + 1;
    if (boot !== this.boot || !Number.isInteger(seq) || seq > this.seq || seq < oldestKept - 1) {
      return `id: ${this.lastEventId}\nevent: reset\ndata: {"reason":"the events since ${JSON.stringify(lastEventId).slice(1, -1)} are not kept; refetch"}\n\n`;
    }
    return this.kept
      .filter((e) => e.seq > seq)
      .map((e) => e.frame)
      .join('');
  }

  private broadcast(frame: string): void {
    for (const res of this.clients) this.send(res, frame);
  }

  /** Writes to one client, dropping it once it holds more than its share of unsent bytes. */
  private send(res: Response, frame: string): void {
    if (!frame) return;
    if (res.writableLength > this.options.maxBufferedBytes) {
      this.disconnectedSlow++;
      this.clients.delete(res);
      res.destroy();
      return;
    }
    res.write(frame);
  }
}
