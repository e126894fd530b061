/**
 * Moves SQLite's WAL checkpoints off the writing thread. By default the connection that
 * commits the 1,000th WAL page copies the WAL back into the database file and syncs it
 * before its commit returns: every few hundred small transactions one of them takes
 * 15 ms or more instead of a fraction of one, on the event loop that serves every request.
 * Here a worker thread with its own connection runs PASSIVE checkpoints on a timer (they
 * wait for no reader and no writer); the writer restarts the WAL from the top once it is
 * fully copied. The writer's own automatic checkpoint stays as a safety net for a worker
 * that falls behind (or died), at a much larger size.
 *
 * PostgreSQL databases are left alone.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import type { Database } from './database.js';
import { sqliteDriverName } from './sqlite-driver.js';

const require = createRequire(import.meta.url);

export interface WalCheckpointerOptions {
  /**
   * How often the worker checkpoints. Every checkpoint that copies pages syncs the database
   * file; at 50 ms those syncs slowed the writer more often than they spared it.
   */
  intervalMs?: number;
  /** WAL pages at which the writer checkpoints by itself after all. */
  safetyNetPages?: number;
}

export interface WalCheckpointer {
  stop(): Promise<void>;
}

// CommonJS, evaluated in the worker: no TypeScript loader is needed there.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
// A checkpoint that finds another one running gives up at once and tries next time.
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {}
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export async function startWalCheckpointer<DB>(database: Database<DB>, options: WalCheckpointerOptions = {}): Promise<WalCheckpointer> {
  if (database.dialect !== 'sqlite') return { stop: async () => {} };
  await sql`PRAGMA wal_autocheckpoint = ${sql.raw(String(options.safetyNetPages ?? 10_000))}`.execute(database.db);
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { file: database.location, driver: require.resolve(sqliteDriverName()), intervalMs: options.intervalMs ?? 500 },
  });
  // Checkpoints are housekeeping: they never keep the process alive or take it down.
  worker.unref();
  worker.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      // Held while it closes its connection, or the process could end first.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
