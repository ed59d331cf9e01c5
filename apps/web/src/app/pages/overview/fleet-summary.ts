import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { AlertDto, PredictionsDto, StatusDto } from '@tft/api-client';
import { formatProbability } from '../../core/format';
import { DecimalPipe } from '@angular/common';

/** Headline tiles: fleet health, servers, risk, incident probabilities, alerts, warmup, model. */
@Component({
  selector: 'app-fleet-summary',
  imports: [DecimalPipe],
  templateUrl: './fleet-summary.html',
  styleUrl: './fleet-summary.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class FleetSummary {
  readonly status = input.required<StatusDto>();
  readonly predictions = input.required<PredictionsDto>();
  readonly alerts = input.required<readonly AlertDto[]>();

  protected readonly env = computed(() => this.predictions().environment);
  protected readonly meta = computed(() => this.predictions().metadata);
  protected readonly critical = computed(() => this.alerts().filter((a) => a.severity === 'critical').length);
  protected readonly warning = computed(() => this.alerts().filter((a) => a.severity === 'warning').length);
  protected readonly serversAlerting = computed(() => new Set(this.alerts().map((a) => a.server)).size);
  protected readonly probability = formatProbability;
}
