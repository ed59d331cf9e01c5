import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The repository root (the folder with nx.json), from the working directory upwards. */
export function repoRoot(start = process.cwd()): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('run the bench from inside the repository (no nx.json found above the working directory)');
    dir = parent;
  }
}

/** A process's resident set (VmRSS) in MB, or null when it cannot be read. */
export function rssMb(pid: number | undefined, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number | null {
  if (!pid) return null;
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** MemAvailable from /proc/meminfo in MB (null off Linux). */
export function memAvailableMb(): number | null {
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * What the bench started and must take down however it ends (normal exit, error, Ctrl-C): child
 * processes get SIGTERM (SIGKILL on exit), temporary folders are removed.
 */
class Cleanup {
  private readonly children = new Set<ChildProcess>();
  private readonly dirs = new Set<string>();

  child(c: ChildProcess): ChildProcess {
    this.children.add(c);
    c.once('exit', () => this.children.delete(c));
    return c;
  }

  release(c: ChildProcess): void {
    this.children.delete(c);
  }

  dir(d: string): string {
    this.dirs.add(d);
    return d;
  }

  removeDir(d: string): void {
    rmSync(d, { recursive: true, force: true });
    this.dirs.delete(d);
  }

  /** Synchronous: safe inside an 'exit' handler. */
  now(signal: NodeJS.Signals = 'SIGKILL'): void {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill(signal);
    this.children.clear();
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
    this.dirs.clear();
  }
}

export const cleanup = new Cleanup();
