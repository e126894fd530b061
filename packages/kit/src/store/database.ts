/**
 * Opens a service's own database: a SQLite file in the data directory by default, or
 * the service's own schema on PostgreSQL when a database URL is given. The same Kysely
 * code and migrations run on both.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Migration } from 'kysely';
import { migrateToLatest } from './migrate.js';
import { loadSqliteDriver } from './sqlite-driver.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Database<DB> {
  db: Kysely<DB>;
  dialect: Dialect;
  /** Where the data lives, for humans: a file path or `postgres schema <name>`. */
  location: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** The owning service; names the SQLite file and the PostgreSQL schema. */
  service: string;
  dataDir: string;
  databaseUrl?: string;
  /** PostgreSQL schema; defaults to the service name. Tests use a unique one per run. */
  schema?: string;
  migrations: Record<string, Migration>;
  /** Pool size on PostgreSQL. */
  maxConnections?: number;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openDatabase<DB>(options: OpenDatabaseOptions): Promise<Database<DB>> {
  const database = options.databaseUrl ? await openPostgres<DB>(options) : openSqlite<DB>(options);
  const schema = database.dialect === 'postgres' ? (options.schema ?? options.service) : undefined;
  try {
    await migrateToLatest(database.db, options.migrations, schema);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/** One statement on a connection of its own, outside any pool. */
async function runOnce(databaseUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Unique violation: a concurrent `CREATE SCHEMA IF NOT EXISTS` of the same name won the race. */
const UNIQUE_VIOLATION = '23505';

async function createSchema(databaseUrl: string, schema: string): Promise<void> {
  try {
    await runOnce(databaseUrl, `CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (error) {
    if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
  }
}

function openSqlite<DB>(options: OpenDatabaseOptions): Database<DB> {
  mkdirSync(options.dataDir, { recursive: true });
  const file = join(options.dataDir, `${options.service}.sqlite`);
  const SQLite = loadSqliteDriver();
  const handle = new SQLite(file);
  handle.pragma('journal_mode = WAL');
  handle.pragma('synchronous = NORMAL');
  handle.pragma('foreign_keys = ON');
  handle.pragma('busy_timeout = 5000');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(handle) }) });
  return { db, dialect: 'sqlite', location: file, close: () => db.destroy() };
}

/**
 * Kysely opens SQLite transactions with a deferred `begin`. With a second process on the same
 * file (two instances of a service), a transaction that read before it writes cannot take the
 * write lock once the other process has committed since its read: SQLite answers SQLITE_BUSY at
 * once, without waiting out the busy timeout. Taking the write lock at `begin` makes the other
 * process wait its turn instead. Within one process Kysely has one connection, so nothing is lost.
 */
const BEGIN_IMMEDIATE = 'begin immediate';

/** Distinct SQL texts kept prepared; Kysely's queries are few and parameterised. */
const STATEMENT_CACHE_SIZE = 512;

/**
 * Kysely prepares every query it runs, and preparing costs about as much as running a point
 * lookup: keep prepared statements by SQL text. Safe because Kysely runs one query at a time
 * on its single SQLite connection; SQLite re-prepares a statement itself after a schema change.
 */
function withStatementCache(handle: InstanceType<ReturnType<typeof loadSqliteDriver>>) {
  const statements = new Map<string, ReturnType<typeof handle.prepare>>();
  return {
    close: () => handle.close(),
    prepare(text: string) {
      const sql = text === 'begin' ? BEGIN_IMMEDIATE : text;
      let statement = statements.get(sql);
      if (statement) {
        // Most recently used last, so the oldest is the one dropped.
        statements.delete(sql);
      } else {
        statement = handle.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}

async function openPostgres<DB>(options: OpenDatabaseOptions): Promise<Database<DB>> {
  const schema = options.schema ?? options.service;
  if (!SCHEMA_RE.test(schema)) throw new Error(`invalid PostgreSQL schema name "${schema}"`);
  // The schema must exist before a pool whose search_path names it hands out connections.
  await createSchema(options.databaseUrl!, schema);
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.maxConnections ?? 10,
    options: `-c search_path="${schema}"`,
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, that
  // would end the process. The pool replaces the client; the next query reconnects.
  pool.on('error', () => undefined);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', location: `postgres schema ${schema}`, close: () => db.destroy() };
}

/** Drops a PostgreSQL schema and everything in it; tests clean up with it. */
export async function dropPostgresSchema(databaseUrl: string, schema: string): Promise<void> {
  if (!SCHEMA_RE.test(schema)) throw new Error(`invalid PostgreSQL schema name "${schema}"`);
  await runOnce(databaseUrl, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

export { sql };
