import { Injectable } from '@nestjs/common';
import { SCENARIO_SPECS, type ScenarioName, type ScenarioSetResponse, type ScenarioStatusResponse } from '@tft/contracts';
import { FleetService } from '../fleet/fleet.service';

@Injectable()
export class ScenariosService {
  constructor(private readonly fleet: FleetService) {}

  set(scenario: ScenarioName): ScenarioSetResponse {
    const old = this.fleet.setScenario(scenario);
    const affected = this.affectedServers().length;
    return {
      status: 'success',
      old_scenario: old,
      new_scenario: scenario,
      affected_servers: affected,
      message: `Scenario changed to ${scenario}. ${affected} servers affected.`,
    };
  }

  status(): ScenarioStatusResponse {
    const scenario = this.fleet.model.scenarioName;
    return {
      scenario,
      multiplier: SCENARIO_SPECS[scenario].multiplier,
      affected_servers: this.affectedServers(),
      uptime_seconds: Math.round(this.fleet.uptimeSeconds()),
    };
  }

  /** `healthy` affects nobody; every other scenario acts on the fleet's stable affected set. */
  private affectedServers(): string[] {
    return this.fleet.model.scenarioName === 'healthy' ? [] : [...this.fleet.model.affected];
  }
}
