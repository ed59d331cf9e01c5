import {
  BadRequestException,
  Inject,
  Injectable,
  Logger,
  Optional,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { CLOCK, CLOCK_OFFSET_HEADER, type Clock } from '@tft/contracts';
import { RetryLaterException } from '../common/retry-later.exception';
import { bodyReadError, type BodyParserError } from '../configure-app';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { IngestService, sampleTimeProblem } from '../ingest/ingest.service';
import { ServerLimits } from '../ingest/server-limits';
import { ApiMetrics } from '../metrics/api-metrics';
import { SAMPLE_SINK, type SampleSink } from '../window/sample-sink';
import { StoreWriteError, WindowService, type AcceptedSample } from '../window/window.service';
import type { RemoteWriteResponseDto } from './dto/remote-write.dto';
import { LogIngest } from '../cluster/log-ingest';
import { NodeExporterMapping, type ClassifiedSeries, type Derivation, type SeriesRejection } from './node-exporter-mapping';
import { decodeWriteRequest, UndecodableWriteError } from '@tft/remote-write';

/**
 * Remote-write requests decoded and mapped at once; beyond it the receiver answers 503 with
 * Retry-After (Prometheus retries 5xx and backs off, but drops data on a 429).
 */
export const MAX_CONCURRENT_WRITES = 32;

const ROUTE = '/api/v1/write';

/** Derived samples as the windows take them (partial: each metric weighted by its observations). */
const acceptedSamples = (derived: Derivation): AcceptedSample[] =>
  derived.samples.map((s, index) => ({
    index,
    server: s.server,
    profile: null,
    time: s.timeMs / 1000,
    values: s.values,
    weights: s.weights,
  }));

/** What storing a request's series came to, as the answer counts it. */
interface Stored {
  added: number;
  duplicates: number;
  staleMarkers: number;
  unusable: number;
  tooOldSamples: number;
  /** Host-instants refused as older than the window. */
  tooOldSeries: number;
}

/** A refusal's reason without the instant and the seconds it names: refusals of one kind group and log as one. */
const reasonKind = (reason: string): string => reason.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z|\d+ s/g, '…');

/**
 * POST /api/v1/write: Prometheus remote write 1.0 into the same windows as POST /feed/data, with
 * the same guarantees (stored durably before the answer, duplicates harmless, the clock policy, the
 * size limits) and status codes Prometheus acts on: 2xx stored, 400 never retried, 503 retried.
 */
@Injectable()
export class RemoteWriteService {
  private readonly logger = new Logger('RemoteWrite');
  private inFlight = 0;
  /** Rejection reasons already logged: a misconfigured label is logged once, not on every request. */
  private readonly loggedReasons = new Set<string>();

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly windows: WindowService,
    @Inject(SAMPLE_SINK) private readonly sink: SampleSink,
    private readonly metrics: ApiMetrics,
    private readonly limits: ServerLimits,
    private readonly mapping: NodeExporterMapping,
    @Optional() private readonly log?: LogIngest,
  ) {
    windows.onRetired((servers) => this.mapping.forget(servers));
  }

  /** Only snappy is remote write's encoding; anything else is a client to fix (415, not retried). */
  static checkEncoding(contentEncoding: string | undefined): void {
    if (contentEncoding?.trim().toLowerCase() === 'snappy') return;
    throw new UnsupportedMediaTypeException(
      `remote write bodies are snappy-compressed protobuf: send Content-Encoding: snappy (got ${contentEncoding ? `"${contentEncoding.slice(0, 40)}"` : 'none'})`,
    );
  }

  /** One request: its encoding, its body (MAX_BODY_SIZE, like JSON writes), then the samples. `client`: see ServerLimits. */
  async receive(req: IncomingMessage, client: string): Promise<RemoteWriteResponseDto> {
    RemoteWriteService.checkEncoding(req.headers['content-encoding']);
    if (this.inFlight >= MAX_CONCURRENT_WRITES) {
      throw new RetryLaterException(`the receiver is busy with ${this.inFlight} remote-write requests; retry after 1 s`, 1);
    }
    this.inFlight++;
    try {
      return await this.store(await this.readBody(req), req.headers[CLOCK_OFFSET_HEADER], client);
    } finally {
      this.inFlight--;
    }
  }

  /** The raw body: Express' parsers refuse Content-Encoding: snappy (415), which Prometheus never retries. */
  private async readBody(req: IncomingMessage): Promise<Buffer> {
    try {
      return await getRawBody(req, { limit: this.config.maxBodyBytes, length: req.headers['content-length'] });
    } catch (err) {
      throw bodyReadError(err as BodyParserError, this.config.maxBodyBytes, 'lower queue_config.max_samples_per_send') ?? err;
    }
  }

  private async store(body: Uint8Array, clockOffsetHeader: string | string[] | undefined, client: string): Promise<RemoteWriteResponseDto> {
    const route = ROUTE;
    const offset = IngestService.clockOffset(clockOffsetHeader);
    let request;
    try {
      request = decodeWriteRequest(body);
    } catch (err) {
      if (err instanceof UndecodableWriteError) throw new BadRequestException(err.message);
      throw err;
    }
    const sampleCount = request.timeseries.reduce((n, ts) => n + ts.samples.length, 0);
    if (sampleCount > this.config.maxRecordsPerRequest) {
      throw new PayloadTooLargeException(
        `a request may carry at most ${this.config.maxRecordsPerRequest} samples (MAX_RECORDS_PER_REQUEST; got ${sampleCount}): ` +
          'lower queue_config.max_samples_per_send',
      );
    }
    const classified = this.mapping.classify(request.timeseries);
    const rejected: SeriesRejection[] = [...classified.rejected];
    let rejectedSamples = classified.rejectedSamples;

    // the clock policy per sample; one entry per kind of problem (the first one's wording), counting the series it hit
    const latest = this.clock.now() / 1000 + offset + this.config.maxFutureSkewSeconds;
    const timeProblems = new Map<string, SeriesRejection>();
    const inTime: ClassifiedSeries[] = [];
    for (const series of classified.series) {
      const kinds = new Set<string>();
      const samples = series.samples.filter(({ timestamp }) => {
        const problem = sampleTimeProblem(timestamp / 1000, latest, this.config.maxFutureSkewSeconds);
        if (!problem) return true;
        rejectedSamples++;
        const reason = `sample time ${problem}`;
        const kind = reasonKind(reason);
        if (!kinds.has(kind)) {
          kinds.add(kind);
          const seen = timeProblems.get(kind);
          if (seen) seen.series++;
          else timeProblems.set(kind, { reason, series: 1 });
        }
        return false;
      });
      if (samples.length) inTime.push(samples.length === series.samples.length ? series : { ...series, samples });
    }
    rejected.push(...timeProblems.values());

    // hosts beyond a cardinality limit: their series are dropped and counted, their counter state forgotten
    const admission = this.limits.admit(
      inTime.map((series, index) => ({ index, server: series.server })),
      client,
    );
    const byLimit = new Map<string, { reason: string; hosts: Set<string>; series: number }>();
    for (const r of admission.refused) {
      this.metrics.countSamples(route, r.limit, inTime[r.index].samples.length);
      let group = byLimit.get(r.limit);
      if (!group) byLimit.set(r.limit, (group = { reason: r.reason, hosts: new Set(), series: 0 }));
      group.hosts.add(r.server);
      group.series++;
    }
    for (const { reason, hosts, series } of byLimit.values()) {
      rejected.push({ reason: `${hosts.size} hosts (${[...hosts][0]}, ...): ${reason}`, series });
      this.mapping.forget([...hosts]);
    }
    const admitted = admission.admitted.map(({ index }) => inTime[index]);

    const outcome = this.log ? await this.toOwners(this.log, admitted) : await this.derive(admitted);
    if (outcome.tooOldSamples) {
      rejected.push({ reason: `older than the ${this.windows.retentionSteps}-step window kept per server`, series: outcome.tooOldSeries });
    }
    this.metrics.countSamples(route, 'rejected', rejectedSamples);
    if (classified.ignoredSeries) this.metrics.ignoredSeries.inc(classified.ignoredSeries);
    this.logNewReasons(rejected);

    if (rejected.length && outcome.added === 0 && outcome.duplicates === 0) {
      throw new BadRequestException(`nothing stored: ${rejected.map((r) => `${r.reason} (${r.series})`).join('; ')}`);
    }
    return {
      status: rejected.length ? 'partial' : 'success',
      samples_added: outcome.added,
      duplicates: outcome.duplicates,
      ignored_series: classified.ignoredSeries,
      stale_markers: outcome.staleMarkers,
      skipped: outcome.unusable,
      rejected,
    };
  }

  /** A single process: the series are derived here against the hosts' state and stored with it, durably. */
  private async derive(series: readonly ClassifiedSeries[]): Promise<Stored> {
    const derived = this.mapping.derive(series);
    const accepted = acceptedSamples(derived);
    let applied;
    try {
      applied = await this.sink.apply(accepted, derived.changed);
    } catch (err) {
      derived.rollback();
      if (err instanceof StoreWriteError) throw new RetryLaterException(err.message);
      throw err;
    }
    return this.count(derived, accepted, applied.tooOld);
  }

  /**
   * Cluster mode: the classified series go to the metrics log, and each partition's owner derives them
   * (deriveLogged) against the state it holds. The answer counts raw samples appended; what the owners
   * make of them (stale markers, unusable values) is counted in their /metrics.
   */
  private async toOwners(log: LogIngest, series: readonly ClassifiedSeries[]): Promise<Stored> {
    let appended;
    try {
      appended = await log.appendSeries(series);
    } catch (err) {
      if (err instanceof StoreWriteError) throw new RetryLaterException(err.message);
      throw err;
    }
    this.metrics.countSamples(ROUTE, 'stored', appended.added);
    this.metrics.countSamples(ROUTE, 'duplicate', appended.duplicates);
    return { ...appended, staleMarkers: 0, unusable: 0, tooOldSamples: 0, tooOldSeries: 0 };
  }

  /** The owner's half in cluster mode: one logged batch of classified series, derived and applied to its windows. */
  async deriveLogged(series: readonly ClassifiedSeries[]): Promise<void> {
    const derived = this.mapping.derive(series);
    const accepted = acceptedSamples(derived);
    this.metrics.countSamples(ROUTE, 'stale_marker', derived.staleMarkers);
    this.metrics.countSamples(ROUTE, 'unusable', derived.unusable);
    await this.windows.apply(accepted, derived.changed);
  }

  /** Servers another replica owns now (cluster mode): their series state is that owner's. */
  release(servers: readonly string[]): void {
    this.mapping.forget(servers);
  }

  private count(derived: Derivation, accepted: readonly AcceptedSample[], tooOldIndexes: readonly number[]): Stored {
    const tooOld = new Set(tooOldIndexes);
    let added = 0;
    let tooOldSamples = 0;
    for (const s of accepted) {
      const weight = (s.weights as Uint32Array).reduce((a, b) => a + b, 0);
      if (tooOld.has(s.index)) tooOldSamples += weight;
      else added += weight;
    }
    this.metrics.countSamples(ROUTE, 'stored', added);
    this.metrics.countSamples(ROUTE, 'duplicate', derived.duplicates);
    this.metrics.countSamples(ROUTE, 'too_old', tooOldSamples);
    this.metrics.countSamples(ROUTE, 'stale_marker', derived.staleMarkers);
    this.metrics.countSamples(ROUTE, 'unusable', derived.unusable);
    return {
      added,
      duplicates: derived.duplicates,
      staleMarkers: derived.staleMarkers,
      unusable: derived.unusable,
      tooOldSamples,
      tooOldSeries: tooOldIndexes.length,
    };
  }

  private logNewReasons(rejected: readonly SeriesRejection[]): void {
    for (const { reason } of rejected) {
      const kind = reasonKind(reason);
      if (this.loggedReasons.has(kind) || this.loggedReasons.size > 100) continue;
      this.loggedReasons.add(kind);
      this.logger.warn(`refused remote-write series: ${reason} (further ones of this kind are counted in /metrics, not logged)`);
    }
  }
}
