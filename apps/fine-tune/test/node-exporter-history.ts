import { writeFileSync } from 'node:fs';

/**
 * A small fleet's node_exporter series as OpenMetrics text, for `promtool tsdb create-blocks-from
 * openmetrics`: per host, each core's idle counter, MemAvailable/MemTotal, the root filesystem's
 * avail/size (and a /boot one the mapping must ignore) and load1, scraped once a minute, with daily
 * cycles, a weekly rhythm and deterministic noise. Scrapes sit mid-minute (like real ones, never on a
 * step boundary), so each 300-s step holds exactly five.
 */
export interface FleetHost {
  name: string;
  cores: number;
  /** busy share around which cpu cycles, 0..1 */
  cpu: number;
  memory: number;
  disk: number;
  phase: number;
}

export const FLEET: readonly FleetHost[] = [
  { name: 'ppweb-01', cores: 2, cpu: 0.35, memory: 55, disk: 40, phase: 0 },
  { name: 'ppdb-01', cores: 2, cpu: 0.5, memory: 70, disk: 62, phase: 1.3 },
  { name: 'ppml-01', cores: 2, cpu: 0.6, memory: 45, disk: 25, phase: 2.6 },
];

export const SCRAPE_SECONDS = 60;
const SCRAPE_OFFSET = 30;
const MEM_TOTAL = 16 * 2 ** 30;
const FS_SIZE = 200 * 2 ** 30;
const BOOT_SIZE = 2 ** 30;

/** A deterministic hash noise in [-1, 1] of a host, a channel and a minute. */
function noise(host: number, channel: number, minute: number): number {
  let x = (host * 73_856_093) ^ (channel * 19_349_663) ^ (minute * 83_492_791);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  return (((x ^ (x >>> 16)) >>> 0) / 0xffffffff) * 2 - 1;
}

export interface HostSample {
  /** per core, the busy share during the minute that ends at this scrape */
  busy: number[];
  memory: number;
  disk: number;
  load: number;
}

/** What a host does at a scrape time (epoch seconds). */
export function hostAt(h: FleetHost, index: number, t: number): HostSample {
  const minute = Math.floor(t / 60);
  const day = (2 * Math.PI * (t % 86_400)) / 86_400 + h.phase;
  const weekday = new Date(t * 1000).getUTCDay();
  const weekend = weekday === 0 || weekday === 6 ? 0.6 : 1;
  const level = h.cpu * (1 + 0.5 * weekend * Math.sin(day));
  const busy = Array.from({ length: h.cores }, (_, c) => Math.min(0.98, Math.max(0.02, level + 0.05 * noise(index, c, minute))));
  const mean = busy.reduce((a, b) => a + b, 0) / h.cores;
  return {
    busy,
    memory: h.memory + 8 * Math.sin(day + 0.5) + 0.5 * noise(index, 10, minute),
    disk: h.disk + 0.4 * ((t / 86_400) % 7) + 0.05 * noise(index, 11, minute),
    load: Math.max(0, h.cores * mean * 1.2 + 0.1 * noise(index, 12, minute)),
  };
}

/** Scrape times from `start` (epoch seconds, a minute boundary) for `days`. */
export function scrapeTimes(start: number, days: number): number[] {
  return Array.from({ length: (days * 86_400) / SCRAPE_SECONDS }, (_, i) => start + i * SCRAPE_SECONDS + SCRAPE_OFFSET);
}

/**
 * Writes the fleet's OpenMetrics file; returns, per host, its samples in scrape order and the idle
 * counters after each scrape (per core), to check what Prometheus answers against.
 */
export function writeOpenMetrics(
  file: string,
  start: number,
  days: number,
): Map<string, { times: number[]; samples: HostSample[]; idle: number[][] }> {
  const times = scrapeTimes(start, days);
  const truth = new Map<string, { times: number[]; samples: HostSample[]; idle: number[][] }>();
  FLEET.forEach((h, i) => {
    const samples = times.map((t) => hostAt(h, i, t));
    const idle: number[][] = [];
    const counters = Array.from({ length: h.cores }, (_, c) => 1_000_000 + 5_000 * c);
    for (const s of samples) {
      s.busy.forEach((b, c) => (counters[c] += (1 - b) * SCRAPE_SECONDS));
      idle.push([...counters]);
    }
    truth.set(h.name, { times, samples, idle });
  });
  const lines: string[] = [];
  const family = (name: string, type: string, rows: (h: FleetHost, k: number, t: number) => [string, number][]) => {
    lines.push(`# TYPE ${type === 'counter' ? name.replace(/_total$/, '') : name} ${type}`);
    FLEET.forEach((h) => {
      const { times: ts } = truth.get(h.name) as { times: number[] };
      const series = new Map<string, string[]>();
      ts.forEach((t, k) => {
        for (const [labels, v] of rows(h, k, t)) {
          const key = `${name}{instance="${h.name}:9100",job="node",${labels}}`;
          let out = series.get(key);
          if (!out) series.set(key, (out = []));
          out.push(`${key} ${v.toFixed(3)} ${t}`);
        }
      });
      for (const out of series.values()) lines.push(...out);
    });
  };
  const at = (h: FleetHost, k: number) => {
    const host = truth.get(h.name) as { samples: HostSample[]; idle: number[][] };
    return { s: host.samples[k], idle: host.idle[k] };
  };
  family('node_cpu_seconds_total', 'counter', (h, k) => {
    const { s, idle } = at(h, k);
    return s.busy.flatMap((_, c) => [
      [`cpu="${c}",mode="idle"`, idle[c]] as [string, number],
      [`cpu="${c}",mode="user"`, 0] as [string, number],
    ]);
  });
  family('node_memory_MemAvailable_bytes', 'gauge', (h, k) => [['', MEM_TOTAL * (1 - at(h, k).s.memory / 100)]]);
  family('node_memory_MemTotal_bytes', 'gauge', () => [['', MEM_TOTAL]]);
  family('node_filesystem_avail_bytes', 'gauge', (h, k) => [
    ['device="/dev/sda1",fstype="ext4",mountpoint="/"', FS_SIZE * (1 - at(h, k).s.disk / 100)],
    ['device="/dev/sda2",fstype="ext4",mountpoint="/boot"', BOOT_SIZE * 0.1],
  ]);
  family('node_filesystem_size_bytes', 'gauge', () => [
    ['device="/dev/sda1",fstype="ext4",mountpoint="/"', FS_SIZE],
    ['device="/dev/sda2",fstype="ext4",mountpoint="/boot"', BOOT_SIZE],
  ]);
  family('node_load1', 'gauge', (h, k) => [['', at(h, k).s.load]]);
  lines.push('# EOF');
  writeFileSync(file, `${lines.join('\n')}\n`.replace(/,}/g, '}'));
  return truth;
}
