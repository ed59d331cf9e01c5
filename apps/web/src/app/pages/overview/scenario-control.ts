import { ChangeDetectionStrategy, Component, computed, inject, output, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { SCENARIO_SPECS, SCENARIOS } from '@tft/contracts';
import { asServiceError, type ServiceError } from '../../core/api';
import { poll } from '../../core/poll';
import { ScenarioService, type ScenarioName } from '../../data/scenario.service';

/** Switches the generator's scenario and shows which one is active and which servers it affects. */
@Component({
  selector: 'app-scenario-control',
  imports: [RouterLink],
  templateUrl: './scenario-control.html',
  styles: `
    .buttons {
      display: flex;
      flex-wrap: wrap;
      gap: 8px;
      margin: 8px 0;
    }
    .affected a {
      margin-right: 8px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ScenarioControl {
  /** Emits after the generator accepted a new scenario. */
  readonly changed = output<ScenarioName>();

  private readonly scenarios = inject(ScenarioService);
  protected readonly status = poll((s) => this.scenarios.status(s), {
    service: 'generator',
  });
  protected readonly pending = signal<ScenarioName | null>(null);
  protected readonly lastMessage = signal<string | null>(null);
  protected readonly setError = signal<ServiceError | null>(null);
  protected readonly options = SCENARIOS.map((name) => ({
    name,
    description: SCENARIO_SPECS[name].description,
  }));
  protected readonly active = computed(() => this.status.value()?.scenario ?? null);

  protected async choose(name: ScenarioName): Promise<void> {
    this.pending.set(name);
    this.setError.set(null);
    try {
      const result = await this.scenarios.set(name);
      this.lastMessage.set(result.message);
      this.status.refresh();
      this.changed.emit(name);
    } catch (e) {
      this.setError.set(asServiceError('generator', e));
    } finally {
      this.pending.set(null);
    }
  }
}
