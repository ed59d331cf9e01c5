import { fleetServer, fleetSummary, largeFleetSummary } from '../../../testing/fixtures';
import { filterServers, NO_FILTER, sortServers } from './server-table';

const servers = fleetSummary().servers; // ppetl0001, ppweb0004, ppdb0001 (risk order)
const names = (list: readonly { name: string }[]) => list.map((s) => s.name);

describe('filterServers', () => {
  it('matches part of the name in any case', () => {
    expect(names(filterServers(servers, { ...NO_FILTER, q: 'PPW' }))).toEqual(['ppweb0004']);
    expect(names(filterServers(servers, { ...NO_FILTER, q: ' 0001 ' }))).toEqual(['ppetl0001', 'ppdb0001']);
  });

  it('filters by worst alert, profile (unknown for none) and model, all at once', () => {
    expect(names(filterServers(servers, { ...NO_FILTER, severity: 'critical' }))).toEqual(['ppweb0004']);
    expect(names(filterServers(servers, { ...NO_FILTER, severity: 'warning', model: 'TFT' }))).toEqual(['ppetl0001']);
    const quiet = [...servers, fleetServer('ppdb0001', { name: 'ppnew0001', profile: null, alert: null })];
    expect(names(filterServers(quiet, { ...NO_FILTER, severity: 'none' }))).toEqual(['ppnew0001']);
    expect(names(filterServers(quiet, { ...NO_FILTER, profile: 'unknown' }))).toEqual(['ppnew0001']);
    expect(names(filterServers(quiet, { ...NO_FILTER, profile: 'database' }))).toEqual(['ppdb0001']);
  });

  it('hands the same list back without a filter', () => {
    expect(filterServers(servers, NO_FILTER)).toBe(servers);
  });
});

describe('sortServers', () => {
  it('orders as the api does: risk and figures highest first, alerts critical and soonest first, names A–Z', () => {
    const shuffled = [servers[2], servers[0], servers[1]];
    expect(names(sortServers(shuffled, 'risk'))).toEqual(['ppetl0001', 'ppweb0004', 'ppdb0001']);
    expect(names(sortServers(shuffled, 'name'))).toEqual(['ppdb0001', 'ppetl0001', 'ppweb0004']);
    expect(names(sortServers(shuffled, 'memory_percent'))).toEqual(['ppweb0004', 'ppdb0001', 'ppetl0001']); // 97.2, 88, 86
    expect(names(sortServers(shuffled, 'alert'))).toEqual(['ppweb0004', 'ppdb0001', 'ppetl0001']); // critical 5, warning 45, warning 110 min
  });

  it('puts missing values last and breaks ties by name; desc reverses', () => {
    const list = [
      fleetServer('ppdb0001', { name: 'b', current: { cpu_percent: 50, memory_percent: null, disk_percent: 1, load_average: 1 } }),
      fleetServer('ppdb0001', { name: 'a', current: { cpu_percent: 50, memory_percent: 10, disk_percent: 1, load_average: 1 } }),
      fleetServer('ppdb0001', { name: 'c', current: { cpu_percent: 70, memory_percent: 20, disk_percent: 1, load_average: 1 } }),
    ];
    expect(names(sortServers(list, 'cpu_percent'))).toEqual(['c', 'a', 'b']);
    expect(names(sortServers(list, 'memory_percent'))).toEqual(['c', 'a', 'b']);
    expect(names(sortServers(list, 'memory_percent', 'desc'))).toEqual(['b', 'a', 'c']);
  });

  it('sorts a 10,000-server fleet by name', () => {
    const big = largeFleetSummary(10_000).servers;
    const sorted = sortServers([...big].reverse(), 'name');
    expect(sorted[0].name).toBe('lf00000');
    expect(sorted[9_000].name).toBe('lf09000');
    expect(sorted).toHaveLength(10_000);
  });
});
