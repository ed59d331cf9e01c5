import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** A `dataDir` that keeps the database in memory only (tests, cluster mode's windows). */
export const IN_MEMORY = ':memory:';

/**
 * One of the api's SQLite files (better-sqlite3) in `dataDir`: WAL, the given durability, and a `meta`
 * table of key-value facts about the file's layout (see claimLayout).
 */
export function openSqliteFile(dataDir: string, fileName: string, synchronous: 'FULL' | 'NORMAL'): { db: Database.Database; path: string } {
  if (dataDir !== IN_MEMORY) mkdirSync(dataDir, { recursive: true });
  const path = dataDir === IN_MEMORY ? IN_MEMORY : join(dataDir, fileName);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  return { db, path };
}

/**
 * Records `value` under `key` in the file's meta table, or refuses a file that holds another one (a
 * file written on another step grid or sums layout would be misread): the error is `refusal(stored)`.
 */
export function claimLayout(db: Database.Database, key: string, value: string, refusal: (stored: string) => string): void {
  const stored = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  if (stored && stored.value !== value) {
    db.close();
    throw new Error(refusal(stored.value));
  }
  db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run(key, value);
}
