import { CdkFixedSizeVirtualScroll, CdkVirtualForOf, CdkVirtualScrollViewport } from '@angular/cdk/scrolling';
import { ChangeDetectionStrategy, Component, computed, effect, input, signal, viewChild } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { FleetServerDto } from '@tft/api-client';
import { PROFILES } from '@tft/contracts';
import { formatCount, formatMetricValue, formatMinutesAhead, formatProbability, METRIC_INFO } from '../../core/format';
import { METRICS, type MetricName } from '../../core/thresholds';

/** The orders of GET /fleet/summary's `sort`, with the same meaning and ties broken by name. */
export type FleetSort = 'risk' | 'alert' | 'name' | MetricName;
export type SortDirection = 'asc' | 'desc';
export type SeverityFilter = 'critical' | 'warning' | 'none';

export interface FleetFilter {
  /** Part of the name, any case. */
  q: string;
  /** A profile, `unknown` for servers without one, or null for all. */
  profile: string | null;
  /** Worst active alert, or null for all. */
  severity: SeverityFilter | null;
  model: FleetServerDto['model'] | null;
}

export const NO_FILTER: FleetFilter = { q: '', profile: null, severity: null, model: null };

const SEVERITY_RANK: Record<SeverityFilter, number> = { critical: 0, warning: 1, none: 2 };

/** The servers that pass `filter`, in the order given. */
export function filterServers(servers: readonly FleetServerDto[], filter: FleetFilter): readonly FleetServerDto[] {
  const q = filter.q.trim().toLowerCase();
  if (!q && filter.profile === null && filter.severity === null && filter.model === null) return servers;
  return servers.filter(
    (s) =>
      (!q || s.name.toLowerCase().includes(q)) &&
      (filter.profile === null || (s.profile ?? 'unknown') === filter.profile) &&
      (filter.severity === null || (s.alert?.severity ?? 'none') === filter.severity) &&
      (filter.model === null || s.model === filter.model),
  );
}

/** Ascending order of this key is the sort's natural order (as the api lists it); missing values last. */
function sortKey(s: FleetServerDto, sort: FleetSort): number[] {
  switch (sort) {
    case 'risk':
      return [-s.risk.probability_8h, -s.risk.probability_30m];
    case 'alert':
      return [SEVERITY_RANK[s.alert?.severity ?? 'none'], s.alert?.minutes_ahead ?? 0];
    case 'name':
      return [];
    default: {
      const v = s.current[sort];
      return [v === null ? Number.POSITIVE_INFINITY : -v];
    }
  }
}

/**
 * Servers in the api's order for `sort` (risk and metrics highest first, alerts critical and
 * soonest first, names A–Z; ties by name), or its reverse for `desc`. Keys are computed once per
 * server, so a 10,000-row fleet sorts in a few milliseconds.
 */
export function sortServers(servers: readonly FleetServerDto[], sort: FleetSort, direction: SortDirection = 'asc'): FleetServerDto[] {
  const keyed = servers.map((s) => ({ s, key: sortKey(s, sort) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) {
      if (a.key[i] !== b.key[i]) return a.key[i] < b.key[i] ? -1 : 1;
    }
    return a.s.name < b.s.name ? -1 : a.s.name > b.s.name ? 1 : 0;
  });
  const sorted = keyed.map((k) => k.s);
  return direction === 'asc' ? sorted : sorted.reverse();
}

/** Row height in px: fixed, so the virtual scroll places any row without measuring. */
export const ROW_HEIGHT = 32;
/** Rows the viewport shows at once before it scrolls. */
const VISIBLE_ROWS = 15;

/**
 * The fleet as a virtual-scrolled table (only the rows in view exist in the DOM), searchable,
 * sortable and filtered by profile, worst alert and model; each name links to the server's page.
 * Search, sort and filters run here over the summary the overview already holds rather than as
 * summary query parameters: the listing has to hold every server anyway (the api's keyset cursors
 * give no jump to row 9,000), so each keystroke costs a few milliseconds and no request, and the
 * one unparameterised summary URL keeps its ETag across refreshes.
 */
@Component({
  selector: 'app-server-table',
  imports: [RouterLink, CdkVirtualScrollViewport, CdkFixedSizeVirtualScroll, CdkVirtualForOf],
  templateUrl: './server-table.html',
  styleUrl: './server-table.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ServerTable {
  /** Every server of the summary. */
  readonly servers = input.required<readonly FleetServerDto[]>();
  /** Servers per profile (the summary's fleet counts): the profile filter offers those present. */
  readonly profiles = input.required<Readonly<Record<string, number>>>();

  protected readonly filter = signal<FleetFilter>(NO_FILTER);
  protected readonly sort = signal<FleetSort>('risk');
  protected readonly direction = signal<SortDirection>('asc');
  protected readonly rows = computed(() => {
    const matching = filterServers(this.servers(), this.filter());
    const sort = this.sort();
    // the summary comes in risk order already
    return sort === 'risk' && this.direction() === 'asc' ? matching : sortServers(matching, sort, this.direction());
  });
  protected readonly profileOptions = computed(() => {
    const counts = this.profiles();
    return [...PROFILES, 'unknown'].filter((p) => (counts[p] ?? 0) > 0).map((p) => ({ name: p, count: counts[p] }));
  });
  protected readonly viewportHeight = computed(() => Math.max(1, Math.min(this.rows().length, VISIBLE_ROWS)) * ROW_HEIGHT);

  protected readonly rowHeight = ROW_HEIGHT;
  protected readonly metrics = METRICS;
  protected readonly info = METRIC_INFO;
  protected readonly formatValue = formatMetricValue;
  protected readonly probability = formatProbability;
  protected readonly formatAhead = formatMinutesAhead;
  protected readonly count = formatCount;
  protected readonly byName = (_: number, s: FleetServerDto) => s.name;
  private readonly viewport = viewChild(CdkVirtualScrollViewport);

  constructor() {
    // the viewport measures itself once; its height follows the number of rows
    effect(() => {
      this.viewportHeight();
      const viewport = this.viewport();
      if (viewport) queueMicrotask(() => viewport.checkViewportSize());
    });
  }

  protected setFilter(patch: Partial<FleetFilter>): void {
    this.filter.update((f) => ({ ...f, ...patch }));
    this.viewport()?.scrollToIndex(0);
  }

  /** A filter select's value; the empty option is "all". */
  protected choice(event: Event): string | null {
    const value = (event.target as HTMLSelectElement).value;
    return value === '' ? null : value;
  }

  protected severityChoice(event: Event): SeverityFilter | null {
    return this.choice(event) as SeverityFilter | null;
  }

  protected modelChoice(event: Event): FleetFilter['model'] {
    return this.choice(event) as FleetFilter['model'];
  }

  protected text(event: Event): string {
    return (event.target as HTMLInputElement).value;
  }

  protected sortBy(key: FleetSort): void {
    if (this.sort() === key) {
      this.direction.update((d) => (d === 'asc' ? 'desc' : 'asc'));
    } else {
      this.sort.set(key);
      this.direction.set('asc');
    }
    this.viewport()?.scrollToIndex(0);
  }

  protected arrow(key: FleetSort): string {
    if (this.sort() !== key) return '';
    return this.direction() === 'asc' ? '▲' : '▼';
  }

  /** aria-sort of a header: names rise in the natural order, figures and risk fall. */
  protected ariaSort(key: FleetSort): string {
    if (this.sort() !== key) return 'none';
    const rising = key === 'name' || key === 'alert';
    return (this.direction() === 'asc') === rising ? 'ascending' : 'descending';
  }
}
