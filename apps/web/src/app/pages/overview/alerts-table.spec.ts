import { ComponentRef } from '@angular/core';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { ALERTS } from '../../../testing/fixtures';
import { ALERT_ROWS_SHOWN, AlertsTable, sortAlerts } from './alerts-table';

describe('sortAlerts', () => {
  const order = (key: Parameters<typeof sortAlerts>[1], dir: 'asc' | 'desc') =>
    sortAlerts(ALERTS, key, dir).map((a) => `${a.server}/${a.metric}`);

  it('puts critical first, then the soonest', () => {
    expect(order('severity', 'asc')).toEqual([
      'ppweb0004/memory_percent', // critical, 5 min
      'ppdb0001/cpu_percent', // warning, 45 min
      'ppetl0001/memory_percent', // warning, 110 min
    ]);
  });

  it('sorts by minutes ahead both ways', () => {
    expect(order('minutes_ahead', 'asc')).toEqual(['ppweb0004/memory_percent', 'ppdb0001/cpu_percent', 'ppetl0001/memory_percent']);
    expect(order('minutes_ahead', 'desc')).toEqual(['ppetl0001/memory_percent', 'ppdb0001/cpu_percent', 'ppweb0004/memory_percent']);
  });

  it('sorts by metric in contract order, severity breaking ties', () => {
    expect(order('metric', 'asc')).toEqual(['ppdb0001/cpu_percent', 'ppweb0004/memory_percent', 'ppetl0001/memory_percent']);
  });
});

describe('AlertsTable', () => {
  let fixture: ComponentFixture<AlertsTable>;
  let ref: ComponentRef<AlertsTable>;

  beforeEach(async () => {
    TestBed.configureTestingModule({ providers: [provideRouter([])] });
    fixture = TestBed.createComponent(AlertsTable);
    ref = fixture.componentRef;
    ref.setInput('alerts', ALERTS);
    await fixture.whenStable();
  });

  const rows = () =>
    [...(fixture.nativeElement as HTMLElement).querySelectorAll('tbody tr')].map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim()),
    );

  it('shows predicted value against threshold and time to breach', () => {
    expect(rows()[0]).toEqual(['critical', 'ppweb0004', 'Memory', '95.4 %', '95.0 %', '5 min', 'Nov 28, 14:20 UTC', 'p90', 'TFT']);
    expect(rows()[2][5]).toBe('1 h 50 min');
    expect(rows()[2][7]).toBe('42.0 % chance'); // the probability rule shows its probability, not its name
    const link = (fixture.nativeElement as HTMLElement).querySelector('tbody a');
    expect(link?.getAttribute('href')).toBe('/servers/ppweb0004');
  });

  it('re-sorts when a header is clicked, and reverses on a second click', async () => {
    const header = (label: string) =>
      [...(fixture.nativeElement as HTMLElement).querySelectorAll<HTMLButtonElement>('th button')].find((b) =>
        b.textContent?.includes(label),
      )!;
    header('In').click();
    await fixture.whenStable();
    expect(rows().map((r) => r[5])).toEqual(['5 min', '45 min', '1 h 50 min']);
    header('In').click();
    await fixture.whenStable();
    expect(rows().map((r) => r[5])).toEqual(['1 h 50 min', '45 min', '5 min']);
    expect(header('In').closest('th')?.getAttribute('aria-sort')).toBe('descending');
  });

  it('keeps the chosen order when new alerts arrive', async () => {
    const header = [...(fixture.nativeElement as HTMLElement).querySelectorAll<HTMLButtonElement>('th button')].find((b) =>
      b.textContent?.includes('Server'),
    )!;
    header.click();
    await fixture.whenStable();
    ref.setInput('alerts', [...ALERTS, { ...ALERTS[0], server: 'ppcon0001' }]);
    await fixture.whenStable();
    expect(rows().map((r) => r[1])).toEqual(['ppcon0001', 'ppdb0001', 'ppetl0001', 'ppweb0004']);
  });

  it('says so when nothing fires', async () => {
    ref.setInput('alerts', []);
    await fixture.whenStable();
    expect((fixture.nativeElement as HTMLElement).querySelector('[data-testid="no-alerts"]')?.textContent).toContain('No alerts firing');
  });

  it('draws at most ALERT_ROWS_SHOWN rows and counts the rest', async () => {
    const many = Array.from({ length: ALERT_ROWS_SHOWN + 50 }, (_, i) => ({
      ...ALERTS[0],
      id: `id${i}`,
      server: `lf${String(i).padStart(5, '0')}`,
    }));
    ref.setInput('alerts', many);
    await fixture.whenStable();
    expect(rows()).toHaveLength(ALERT_ROWS_SHOWN);
    expect((fixture.nativeElement as HTMLElement).querySelector('[data-testid="alerts-more"]')?.textContent).toContain('and 50 more');
  });
});
