/**
 * Picks the better-sqlite3 build for the running Node.js. The 12.x line is the one that
 * runs on Node 20, but compiled against Node ≥ 24.19 headers its Statement destructor
 * aborts the process (RemoveEnvironmentCleanupHook assertion) when the garbage collector
 * finalizes a statement. The 13.x line is built on Node-API, ships its binaries inside
 * the package, and is unaffected, but needs Node ≥ 22. Both expose the same API.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);

export function sqliteDriverName(nodeVersion: string = process.versions.node): 'better-sqlite3' | 'better-sqlite3-napi' {
  return Number(nodeVersion.split('.')[0]) >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3';
}

export function loadSqliteDriver(): typeof BetterSqlite3 {
  return require(sqliteDriverName()) as typeof BetterSqlite3;
}
