import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { AccuracyDto } from '@tft/api-client';
import { formatCount } from '../../core/format';
import { describePrecision, describeSkill, formatShare, wholeHorizon } from '../../core/track-record';

/** One column of the card: a window's headline figures. */
interface WindowColumn {
  window: string;
  skill: string | null;
  loses: boolean;
  coverage: string;
  precision: string | null;
  scored: string;
}

/**
 * "How good are the forecasts here": the fleet's live track record (GET /accuracy) over 24 h and 7 d,
 * the TFT against the better of persistence and seasonal naive over the whole horizon, the p10-p90
 * coverage and the alerts' precision, and the profiles whose forecasts lose to a baseline.
 */
@Component({
  selector: 'app-accuracy-card',
  templateUrl: './accuracy-card.html',
  styleUrl: './accuracy-card.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AccuracyCard {
  readonly day = input<AccuracyDto | null>(null);
  readonly week = input<AccuracyDto | null>(null);
  readonly error = input<string | null>(null);

  protected readonly columns = computed<WindowColumn[]>(() =>
    [
      { label: '24 h', a: this.day() },
      { label: '7 d', a: this.week() },
    ].map(({ label, a }) => {
      const all = a ? wholeHorizon(a.fleet) : null;
      return {
        window: label,
        skill: describeSkill(all),
        loses: a?.fleet.loses_to_baseline ?? false,
        coverage: formatShare(all?.coverage_p10_p90),
        precision: a ? describePrecision(a.fleet) : null,
        scored: formatCount(all?.n ?? 0),
      };
    }),
  );
  /** Nothing scored in the longer window yet. */
  protected readonly empty = computed(() => {
    const week = this.week();
    return week !== null && (wholeHorizon(week.fleet)?.n ?? 0) === 0 && week.fleet.alerts.fired === 0;
  });
  /** Profiles whose forecasts lose to a baseline over 7 d. */
  protected readonly losing = computed(() => (this.week()?.profiles ?? []).filter((p) => p.loses_to_baseline).map((p) => p.profile));
  protected readonly originEvery = computed(() => this.week()?.origin_every_steps ?? this.day()?.origin_every_steps ?? null);
}
