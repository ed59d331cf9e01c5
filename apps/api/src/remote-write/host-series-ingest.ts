import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { CLOCK, type Clock } from '@tft/contracts';
import { RetryLaterException } from '../common/retry-later.exception';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { sampleTimeProblem } from '../ingest/ingest.service';
import { ServerLimits } from '../ingest/server-limits';
import { ApiMetrics, type SeriesRoutePath } from '../metrics/api-metrics';
import { StoreWriteError, WindowService, type AcceptedSample } from '../window/window.service';
import { ApiEvents } from '../snapshot/api-events';
import { HOST_SERIES_LOG, type HostSeriesLog } from './host-series-log';
import { HOST_SERIES_STORE, type HostSeriesStore } from './host-series-store';
import {
  NodeExporterMapping,
  type Classification,
  type ClassifiedSeries,
  type Derivation,
  type SeriesRejection,
} from './node-exporter-mapping';

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

/** What storing a request's host series came to, as the receivers answer it. */
export interface StoredSeries {
  /** Observations stored (a core's idle rate, a memory ratio, ...). */
  added: number;
  duplicates: number;
  staleMarkers: number;
  unusable: number;
  /** Refusals grouped by reason: the classification's, the clock policy's, the limits', the window's. */
  rejected: SeriesRejection[];
  /** Samples (data points) those refusals cover. */
  rejectedSamples: number;
}

/** A refusal's reason without the instant and the seconds it names: refusals of one kind group and log as one. */
const reasonKind = (reason: string): string => reason.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z|\d+ s/g, '…');

/**
 * The half both host-metric receivers share (Prometheus remote write, OTLP): classified series go
 * through the clock policy and the cardinality limits, then are derived against the hosts' series
 * state and stored durably with it (or, in cluster mode, logged for their partition's owner to derive).
 * The host series state lives in one NodeExporterMapping, whichever receiver a host uses.
 */
@Injectable()
export class HostSeriesIngest {
  private readonly logger = new Logger('HostSeries');
  /** Rejection reasons already logged: a misconfigured label is logged once, not on every request. */
  private readonly loggedReasons = new Set<string>();

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly windows: WindowService,
    @Inject(HOST_SERIES_STORE) private readonly seriesStore: HostSeriesStore,
    private readonly metrics: ApiMetrics,
    private readonly limits: ServerLimits,
    private readonly mapping: NodeExporterMapping,
    events: ApiEvents,
    @Optional() @Inject(HOST_SERIES_LOG) private readonly log?: HostSeriesLog,
  ) {
    events.on('window.retired', (servers) => this.mapping.forget(servers));
  }

  /** One request's classified series, with the sender's clock offset (X-Clock-Offset) and its client (ServerLimits). */
  async store(route: SeriesRoutePath, classified: Classification, offset: number, client: string): Promise<StoredSeries> {
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
    // the limits and the window count under their own outcomes
    const refusedByPolicy = rejectedSamples;

    // hosts beyond a cardinality limit: their series are dropped and counted, their counter state forgotten
    const admission = this.limits.admit(
      inTime.map((series, index) => ({ index, server: series.server })),
      client,
    );
    const byLimit = new Map<string, { reason: string; hosts: Set<string>; series: number }>();
    for (const r of admission.refused) {
      const n = inTime[r.index].samples.length;
      this.metrics.countSamples(route, r.limit, n);
      rejectedSamples += n;
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

    const outcome = this.log ? await this.toOwners(this.log, route, admitted) : await this.derive(route, admitted);
    if (outcome.tooOldSamples) {
      rejected.push({ reason: `older than the ${this.windows.retentionSteps}-step window kept per server`, series: outcome.tooOldSeries });
      rejectedSamples += outcome.tooOldSamples;
    }
    this.metrics.countSamples(route, 'rejected', refusedByPolicy);
    this.logNewReasons(route, rejected);
    return {
      added: outcome.added,
      duplicates: outcome.duplicates,
      staleMarkers: outcome.staleMarkers,
      unusable: outcome.unusable,
      rejected,
      rejectedSamples,
    };
  }

  /** A single process: the series are derived here against the hosts' state and stored with it, durably. */
  private async derive(route: SeriesRoutePath, series: readonly ClassifiedSeries[]): Promise<Outcome> {
    const derived = this.mapping.derive(series);
    const accepted = acceptedSamples(derived);
    let applied;
    try {
      applied = await this.seriesStore.apply(accepted, derived.changed);
    } catch (err) {
      derived.rollback();
      if (err instanceof StoreWriteError) throw new RetryLaterException(err.message);
      throw err;
    }
    return this.count(route, derived, accepted, applied.tooOld);
  }

  /**
   * Cluster mode: the classified series go to the metrics log, and each partition's owner derives them
   * (deriveLogged) against the state it holds. The answer counts raw samples appended; what the owners
   * make of them (stale markers, unusable values) is counted in their /metrics.
   */
  private async toOwners(log: HostSeriesLog, route: SeriesRoutePath, series: readonly ClassifiedSeries[]): Promise<Outcome> {
    let appended;
    try {
      appended = await log.appendSeries(series, route);
    } catch (err) {
      if (err instanceof StoreWriteError) throw new RetryLaterException(err.message);
      throw err;
    }
    this.metrics.countSamples(route, 'stored', appended.added);
    this.metrics.countSamples(route, 'duplicate', appended.duplicates);
    return { ...appended, staleMarkers: 0, unusable: 0, tooOldSamples: 0, tooOldSeries: 0 };
  }

  /** The owner's half in cluster mode: one logged batch of classified series, derived and applied to its windows. */
  async deriveLogged(route: SeriesRoutePath, series: readonly ClassifiedSeries[]): Promise<void> {
    const derived = this.mapping.derive(series);
    const accepted = acceptedSamples(derived);
    this.metrics.countSamples(route, 'stale_marker', derived.staleMarkers);
    this.metrics.countSamples(route, 'unusable', derived.unusable);
    await this.seriesStore.apply(accepted, derived.changed);
  }

  /** Servers another replica owns now (cluster mode): their series state is that owner's. */
  release(servers: readonly string[]): void {
    this.mapping.forget(servers);
  }

  private count(
    route: SeriesRoutePath,
    derived: Derivation,
    accepted: readonly AcceptedSample[],
    tooOldIndexes: readonly number[],
  ): Outcome {
    const tooOld = new Set(tooOldIndexes);
    let added = 0;
    let tooOldSamples = 0;
    for (const s of accepted) {
      const weight = (s.weights as Uint32Array).reduce((a, b) => a + b, 0);
      if (tooOld.has(s.index)) tooOldSamples += weight;
      else added += weight;
    }
    this.metrics.countSamples(route, 'stored', added);
    this.metrics.countSamples(route, 'duplicate', derived.duplicates);
    this.metrics.countSamples(route, 'too_old', tooOldSamples);
    this.metrics.countSamples(route, 'stale_marker', derived.staleMarkers);
    this.metrics.countSamples(route, 'unusable', derived.unusable);
    return {
      added,
      duplicates: derived.duplicates,
      staleMarkers: derived.staleMarkers,
      unusable: derived.unusable,
      tooOldSamples,
      tooOldSeries: tooOldIndexes.length,
    };
  }

  private logNewReasons(route: SeriesRoutePath, rejected: readonly SeriesRejection[]): void {
    for (const { reason } of rejected) {
      const kind = reasonKind(`${route} ${reason}`);
      if (this.loggedReasons.has(kind) || this.loggedReasons.size > 100) continue;
      this.loggedReasons.add(kind);
      this.logger.warn(`refused ${route} series: ${reason} (further ones of this kind are counted in /metrics, not logged)`);
    }
  }
}

/** What storing the admitted series came to. */
interface Outcome {
  added: number;
  duplicates: number;
  staleMarkers: number;
  unusable: number;
  tooOldSamples: number;
  /** Host-instants refused as older than the window. */
  tooOldSeries: number;
}
