import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { DriversDto } from '@tft/api-client';

interface DriverGroup {
  key: 'encoder' | 'decoder' | 'static';
  title: string;
  hint: string;
  items: { name: string; weight: number; percent: number }[];
}

const GROUPS: readonly Omit<DriverGroup, 'items'>[] = [
  {
    key: 'encoder',
    title: 'Observed inputs',
    hint: 'past values the encoder weighs',
  },
  {
    key: 'decoder',
    title: 'Known future',
    hint: 'the same time yesterday and calendar features of the horizon',
  },
  { key: 'static', title: 'Static', hint: 'profile and scale of the server' },
];

/** Variable-selection weights of the TFT, per input group, largest first. */
export function driverGroups(drivers: DriversDto): DriverGroup[] {
  return GROUPS.map((g) => ({
    ...g,
    items: [...drivers[g.key]]
      .sort((a, b) => b.weight - a.weight)
      .map((d) => ({
        name: d.name,
        weight: d.weight,
        percent: Math.round(d.weight * 1000) / 10,
      })),
  }));
}

/** What drives the forecast (TFT only): horizontal bars of selection weights. */
@Component({
  selector: 'app-drivers',
  templateUrl: './drivers.html',
  styleUrl: './drivers.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Drivers {
  readonly drivers = input.required<DriversDto | null | undefined>();
  readonly model = input<'TFT' | 'heuristic' | null>(null);

  protected readonly groups = computed(() => {
    const d = this.drivers();
    return d ? driverGroups(d) : [];
  });
}
