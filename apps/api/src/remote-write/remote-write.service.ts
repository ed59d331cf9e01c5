import { BadRequestException, Inject, Injectable, Logger, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
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
import { NodeExporterMapping, type SeriesRejection } from './node-exporter-mapping';
import { decodeWriteRequest, UndecodableWriteError } from '@tft/remote-write';

/**
 * Remote-write requests decoded and mapped at once; beyond it the receiver answers 503 with
 * Retry-After (Prometheus retries 5xx and backs off, but drops data on a 429).
 */
export const MAX_CONCURRENT_WRITES = 32;

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
  private readonly mapping: NodeExporterMapping;
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
  ) {
    this.mapping = new NodeExporterMapping({
      serverLabel: config.remoteWriteServerLabel,
      mountpoint: config.remoteWriteMountpoint,
      storedSeries: (server) => windows.takeStoredSeries(server),
    });
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
    const route = '/api/v1/write';
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
    const mapped = this.mapping.map(request.timeseries);
    const rejected: SeriesRejection[] = [...mapped.rejected];
    let rejectedSamples = mapped.rejectedSamples;
    const latest = this.clock.now() / 1000 + offset + this.config.maxFutureSkewSeconds;
    const accepted: AcceptedSample[] = [];
    // one entry per kind of time problem (the first one's wording), not one per refused instant
    const timeProblems = new Map<string, SeriesRejection>();
    mapped.samples.forEach((s, index) => {
      const time = s.timeMs / 1000;
      const problem = sampleTimeProblem(time, latest, this.config.maxFutureSkewSeconds);
      if (problem) {
        const reason = `sample time ${problem}`;
        const kind = reasonKind(reason);
        const seen = timeProblems.get(kind);
        if (seen) seen.series++;
        else timeProblems.set(kind, { reason, series: 1 });
        rejectedSamples += s.weights.reduce((a, b) => a + b, 0);
        return;
      }
      accepted.push({ index, server: s.server, profile: null, time, values: s.values, weights: s.weights });
    });
    rejected.push(...timeProblems.values());

    // Servers beyond a cardinality limit: their samples are dropped and counted, their counter state forgotten.
    const admission = this.limits.admit(accepted, client);
    const refusedServers = new Set<string>();
    const byLimit = new Map<string, { reason: string; hosts: Set<string>; series: number }>();
    for (const r of admission.refused) {
      const weight = mapped.samples[r.index].weights.reduce((a, b) => a + b, 0);
      this.metrics.countSamples(route, r.limit, weight);
      refusedServers.add(r.server);
      let group = byLimit.get(r.limit);
      if (!group) byLimit.set(r.limit, (group = { reason: r.reason, hosts: new Set(), series: 0 }));
      group.hosts.add(r.server);
      group.series += weight;
    }
    for (const { reason, hosts, series } of byLimit.values()) {
      rejected.push({ reason: `${hosts.size} hosts (${[...hosts][0]}, ...): ${reason}`, series });
    }
    this.mapping.forget([...refusedServers]);
    const stored = admission.admitted;

    let applied;
    try {
      applied = await this.sink.apply(
        stored,
        mapped.changed.filter((c) => !refusedServers.has(c.server)),
      );
    } catch (err) {
      mapped.rollback();
      if (err instanceof StoreWriteError) throw new RetryLaterException(err.message);
      throw err;
    }
    const tooOld = new Set(applied.tooOld);
    let added = 0;
    let tooOldSamples = 0;
    for (const s of stored) {
      const weight = (s.weights as Uint32Array).reduce((a, b) => a + b, 0);
      if (tooOld.has(s.index)) tooOldSamples += weight;
      else added += weight;
    }
    if (tooOldSamples) {
      rejected.push({ reason: `older than the ${this.windows.retentionSteps}-step window kept per server`, series: applied.tooOld.length });
    }
    this.metrics.countSamples(route, 'stored', added);
    this.metrics.countSamples(route, 'duplicate', mapped.duplicates);
    this.metrics.countSamples(route, 'rejected', rejectedSamples);
    this.metrics.countSamples(route, 'too_old', tooOldSamples);
    this.metrics.countSamples(route, 'stale_marker', mapped.staleMarkers);
    this.metrics.countSamples(route, 'unusable', mapped.unusable);
    if (mapped.ignoredSeries) this.metrics.ignoredSeries.inc(mapped.ignoredSeries);
    this.logNewReasons(rejected);

    if (rejected.length && added === 0 && mapped.duplicates === 0) {
      throw new BadRequestException(`nothing stored: ${rejected.map((r) => `${r.reason} (${r.series})`).join('; ')}`);
    }
    return {
      status: rejected.length ? 'partial' : 'success',
      samples_added: added,
      duplicates: mapped.duplicates,
      ignored_series: mapped.ignoredSeries,
      stale_markers: mapped.staleMarkers,
      skipped: mapped.unusable,
      rejected,
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
