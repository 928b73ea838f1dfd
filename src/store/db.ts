import Database from 'better-sqlite3';
import { chmodSync, existsSync } from 'node:fs';
import { migrate } from './migrations.js';

export type DB = Database.Database;

/** Opens (creating if needed) the state database in WAL mode and brings its schema up to date. */
export function openDatabase(path: string): DB {
  const fresh = !existsSync(path);
  const db = new Database(path);
  if (fresh) chmodSync(path, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // SQLite's default page cache is up to 2 MiB per connection, filled as the history tables grow: the
  // daemon's hot pages (recent rows, index roots) fit in far less, and the OS page cache holds the rest.
  db.pragma('cache_size = -512');
  migrate(db);
  return db;
}
