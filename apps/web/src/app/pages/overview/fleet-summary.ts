import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { FleetSummaryDto, HealthDto, PredictionMetadataDto } from '@tft/api-client';
import { formatCount, formatExpected, formatProbability } from '../../core/format';

/**
 * Headline tiles: fleet health, servers by model and readiness, the expected number of servers
 * reaching critical (the incident probabilities only as a hint: on a large fleet they sit at 100 %),
 * alerts, warmup and model.
 */
@Component({
  selector: 'app-fleet-summary',
  templateUrl: './fleet-summary.html',
  styleUrl: './fleet-summary.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class FleetSummary {
  readonly summary = input.required<FleetSummaryDto>();
  /** Servers with a firing alert. */
  readonly serversAlerting = input.required<number>();
  /** Mean readiness over the fleet, %. */
  readonly warmupPercent = input.required<number>();
  readonly health = input<HealthDto | undefined>(undefined);
  /** Model metadata of the last forecast body read (the heatmap's), for the version. */
  readonly metadata = input<PredictionMetadataDto | undefined>(undefined);

  protected readonly env = computed(() => this.summary().environment);
  protected readonly fleet = computed(() => this.summary().fleet);
  protected readonly model = computed(() => this.health()?.details.model ?? this.metadata()?.model_type ?? null);
  protected readonly device = computed(() => this.health()?.details.device ?? this.metadata()?.device ?? null);
  protected readonly probability = formatProbability;
  protected readonly expected = formatExpected;
  protected readonly count = formatCount;
}
