import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { RecordBlockDto, ServerTrackRecordDto } from '@tft/api-client';
import { formatCount } from '../../core/format';
import {
  BASELINE_LABEL,
  BUCKET_LABEL,
  describePrecision,
  describeSkill,
  formatShare,
  formatWql,
  wholeHorizon,
} from '../../core/track-record';

/** The baseline a record's forecasts lose to over the whole horizon, as people read it; null when they do not. */
export function losesTo(block: RecordBlockDto | null | undefined): string | null {
  if (!block?.loses_to_baseline) return null;
  const best = wholeHorizon(block)?.best_baseline;
  return best ? BASELINE_LABEL[best] : null;
}

/**
 * One server's track record (the `track_record` of GET /servers/{name}): its forecasts scored against
 * what happened, beside persistence and seasonal naive at the same origins, per horizon bucket over
 * 7 d, the headline over 24 h and 7 d, and how its alerts turned out.
 */
@Component({
  selector: 'app-track-record',
  templateUrl: './track-record.html',
  styleUrl: './track-record.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TrackRecord {
  readonly record = input<ServerTrackRecordDto | null>(null);

  protected readonly windows = computed(() => {
    const r = this.record();
    if (!r) return [];
    return [
      { label: '24 h', block: r.last_24h },
      { label: '7 d', block: r.last_7d },
    ].map(({ label, block }) => {
      const all = wholeHorizon(block);
      return {
        label,
        skill: describeSkill(all),
        loses: block.loses_to_baseline,
        coverage: formatShare(all?.coverage_p10_p90),
        precision: describePrecision(block),
        alerts: block.alerts,
      };
    });
  });
  protected readonly rows = computed(() =>
    (this.record()?.last_7d.buckets ?? []).map((b) => ({
      bucket: BUCKET_LABEL[b.bucket],
      tft: formatWql(b.tft_wql),
      persistence: formatWql(b.persistence_wql),
      seasonal: formatWql(b.seasonal_naive_wql),
      best: b.best_baseline,
      losing: b.skill !== null && b.skill < 0,
      coverage: formatShare(b.coverage_p10_p90),
      n: formatCount(b.n),
    })),
  );
  protected readonly scored = computed(() => (this.record()?.last_7d.buckets ?? []).some((b) => b.n > 0));
  protected readonly losesTo = computed(() => losesTo(this.record()?.last_7d));
}
