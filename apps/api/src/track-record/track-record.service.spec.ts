import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isoSeconds } from '@tft/forecasting';
import { AlertsService } from '../alerts/alerts.service';
import { loadApiConfig } from '../config/api-config';
import type { ModelRuntime } from '../model/model-provider';
import type { Alert, AlertTransitions } from '../snapshot/alert';
import { EVERY_SERVER } from '../common/ownership';
import { ApiEvents } from '../snapshot/api-events';
import type { ClosedStep } from '../snapshot/closed-step';
import type { ForecastSnapshot, NewForecast } from '../snapshot/forecast-snapshot';
import { DEFAULT_GRID } from '../step-grid';
import type { WindowService } from '../window/window.service';
import { TrackRecordService } from './track-record.service';
import { SqliteTrackRecordStore } from './track-record.store';

const S = 300;
const T0 = Math.floor(Date.UTC(2026, 0, 5) / 1000 / S) * S;
const at = (i: number) => T0 + i * S;

/** The windows as the record reads them: the closed steps handed in so far, by server. */
class FakeWindows {
  readonly steps = new Map<string, ClosedStep[]>();
  add(step: ClosedStep): void {
    this.steps.set(step.server, [...(this.steps.get(step.server) ?? []), step]);
  }
  dataTime(): number | null {
    const newest = Math.max(...[...this.steps.values()].map((s) => s[s.length - 1].start));
    return Number.isFinite(newest) ? newest + S : null;
  }
  get(): undefined {
    return undefined;
  }
  all() {
    return [...this.steps.keys()].map((name) => ({ name, profile: 'web_api' }))[Symbol.iterator]();
  }
  closedStepsAfter(entry: { name: string }, after: number): ClosedStep[] {
    return (this.steps.get(entry.name) ?? []).filter((s) => s.start > after);
  }
}

function alert(server: string, origin: number, minutesAhead: number, lastSeen: number): Alert {
  return {
    id: `${server}-cpu`,
    server,
    metric: 'cpu_percent',
    severity: 'warning',
    predicted_value: 82,
    threshold: 80,
    minutes_ahead: minutesAhead,
    trigger: 'p50',
    expected_at: isoSeconds(origin + minutesAhead * 60),
    model: 'TFT',
    state: 'firing',
    first_seen: isoSeconds(at(23)),
    last_seen: isoSeconds(lastSeen),
    resolved_at: null,
  };
}

const heuristic = (server: string, origin: number) => ({ server, profile: 'web_api', model: 'heuristic', origin }) as NewForecast;

function snapshot(forecasts: NewForecast[], alerts: Partial<AlertTransitions>): ForecastSnapshot {
  return {
    dataTime: forecasts[0].origin + S,
    forecasts,
    removed: [],
    latest: new Map(),
    staleServers: 0,
    alerts: { firing: [], raised: [], updated: [], resolved: [], handedOver: [], dropped: [], ...alerts },
    pass: { count: 1, lastMs: 1, newestForecastAt: null, lastCollectionMs: null },
  };
}

describe('TrackRecordService: alert outcomes', () => {
  const services: TrackRecordService[] = [];
  afterEach(() => services.forEach((s) => s.onApplicationShutdown()));

  function start(dataDir: string, windows: FakeWindows) {
    const config = loadApiConfig({ DATA_DIR: dataDir });
    const events = new ApiEvents();
    const runtime = { tft: null, grid: DEFAULT_GRID } as unknown as ModelRuntime;
    const store = new SqliteTrackRecordStore(dataDir, 'track-record.sqlite', S);
    const service = new TrackRecordService(
      config,
      DEFAULT_GRID,
      runtime,
      store,
      windows as unknown as WindowService,
      new AlertsService(config),
      events,
      EVERY_SERVER,
    );
    service.onApplicationBootstrap();
    services.push(service);
    return { service, events };
  }

  it('scores each alert that ends as alert-quality does (hit, late, false) and keeps waiting ones across a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tft-record-'));
    const windows = new FakeWindows();
    let { service, events } = start(dir, windows);
    // ppweb0001 breaches within its alert's window, ppweb0002 after it, ppweb0003 never
    const cpu: Record<string, (i: number) => number> = {
      ppweb0001: (i) => (i >= 34 ? 85 : 30),
      ppweb0002: (i) => (i >= 60 ? 85 : 30),
      ppweb0003: () => 30,
    };
    const servers = Object.keys(cpu);
    for (let i = 0; i <= 140; i++) {
      const steps = servers.map((server) => ({
        server,
        profile: 'web_api',
        start: at(i),
        means: Float64Array.of(cpu[server](i), 50, 40, 1),
      }));
      steps.forEach((s) => windows.add(s));
      events.emit('window.closed-steps-stored', steps);
      // each fires after step 24, predicts the breach 30 then 25 then 20 minutes ahead, stops predicting it, resolves after step 28
      const forecasts = servers.map((s) => heuristic(s, at(i)));
      if (i === 24) {
        const firing = servers.map((s) => alert(s, at(i), 30, at(25)));
        events.emit('forecast.snapshot', snapshot(forecasts, { firing, raised: firing }));
      } else if (i === 25 || i === 26) {
        const firing = servers.map((s) => alert(s, at(i), i === 25 ? 25 : 20, at(i + 1)));
        events.emit('forecast.snapshot', snapshot(forecasts, { firing, updated: firing }));
      } else if (i === 27) {
        events.emit('forecast.snapshot', snapshot(forecasts, { firing: servers.map((s) => alert(s, at(26), 20, at(27))) }));
      } else if (i === 28) {
        events.emit(
          'forecast.snapshot',
          snapshot(forecasts, { resolved: servers.map((s) => ({ ...alert(s, at(26), 20, at(27)), state: 'resolved' as const })) }),
        );
      } else if (i === 30) {
        // a restart while all three wait for what follows
        service.onApplicationShutdown();
        ({ service, events } = start(dir, windows));
        expect(service.fleet('7d').alerts.fired).toBe(0);
      } else {
        events.emit('forecast.snapshot', snapshot(forecasts, {}));
      }
      // the window [step 19, step 37] (firing from step 25, reaching 31, ending 28, 30 min grace): a hit once step 35 confirms the onset at 34
      if (i === 34) expect(service.fleet('24h').alerts.fired).toBe(0);
      if (i === 35) expect(service.fleet('24h').alerts).toMatchObject({ fired: 1, hit: 1 });
      if (i === 61) expect(service.fleet('24h').alerts).toMatchObject({ fired: 2, hit: 1, late: 1 });
      // false once 8 h after the window have passed without a breach (and the step that would confirm one)
      if (i === 37 + 96 + 1) expect(service.fleet('24h').alerts.fired).toBe(2);
    }
    expect(service.fleet('7d').alerts).toEqual({ fired: 3, hit: 1, late: 1, false: 1, precision: 1 / 3 });
    expect(service.profiles('7d').map((p) => [p.profile, p.block.alerts.fired])).toEqual([['web_api', 3]]);
    expect(service.server('ppweb0002', '7d').alerts).toMatchObject({ fired: 1, late: 1 });
    expect(service.outcomes()).toEqual({ hit: 1, late: 1, false: 1 });
    // no forecast of the TFT: nothing scored, and the record says so
    expect(service.fleet('7d').buckets.every((b) => b.n === 0 && b.tft_wql === null)).toBe(true);
  });
});
