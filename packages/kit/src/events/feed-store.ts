/**
 * A service's own event feed table: one row per provisioning step the service saw, with
 * the device ids it knows and the trace id of the request behind it. Identity and
 * management each keep one in their own database (discovery predates this and keeps its
 * own); the table name is the service's, the shape and the queries are shared.
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Migration } from 'kysely';
import { preparedQuery, type PreparedQuery } from '../store/prepared-query.js';

export type FeedOutcome = 'success' | 'failure';

export interface FeedEvent {
  id: string;
  /** Null when the request named no tenant the service knows; only Baton's services read those. */
  tenantId: string | null;
  occurredDateTime: string;
  type: string;
  outcome: FeedOutcome;
  phase: string;
  ztdId: string | null;
  azureADDeviceId: string | null;
  managedDeviceId: string | null;
  serialNumber: string | null;
  userPrincipalName: string | null;
  traceId: string;
  errorCode: string | null;
  detail: Record<string, unknown>;
}

export interface FeedCursor {
  occurredDateTime: string;
  id: string;
}

export interface FeedQuery {
  tenantId: string;
  includeTenantless: boolean;
  limit: number;
  ztdId?: string;
  azureADDeviceId?: string;
  managedDeviceId?: string;
  serialNumber?: string;
  traceId?: string;
  since?: string;
  after?: FeedCursor;
}

export interface FeedPage {
  items: FeedEvent[];
  next?: FeedCursor;
}

const TABLE_RE = /^[a-z][a-z0-9_]{0,40}$/;
const MAX_TEXT = 256;

function checkTable(table: string): string {
  if (!TABLE_RE.test(table)) throw new Error(`invalid event table name "${table}"`);
  return table;
}

/** Ids sort by time first, so the feed's keyset order and insertion order agree. */
export function feedEventId(at = Date.now()): string {
  return `${at.toString(36).padStart(9, '0')}${randomBytes(8).toString('hex')}`;
}

/**
 * The feed is read newest first per tenant, per device id and per trace; retention deletes
 * by age. Hence an index for each of those access paths.
 */
export function eventFeedMigration(table: string): Migration {
  const t = checkTable(table);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable(t)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text')
        .addColumn('occurred_at', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('phase', 'text', (c) => c.notNull())
        .addColumn('ztd_id', 'text')
        .addColumn('azure_ad_device_id', 'text')
        .addColumn('managed_device_id', 'text')
        .addColumn('serial_number', 'text')
        .addColumn('user_principal_name', 'text')
        .addColumn('trace_id', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex(`${t}_tenant_time`).on(t).columns(['tenant_id', 'occurred_at', 'id']).execute();
      await db.schema.createIndex(`${t}_time`).on(t).column('occurred_at').execute();
      await db.schema.createIndex(`${t}_ztd`).on(t).columns(['ztd_id', 'occurred_at']).execute();
      await db.schema.createIndex(`${t}_device`).on(t).columns(['azure_ad_device_id', 'occurred_at']).execute();
      await db.schema.createIndex(`${t}_managed`).on(t).columns(['managed_device_id', 'occurred_at']).execute();
      await db.schema.createIndex(`${t}_trace`).on(t).columns(['trace_id', 'occurred_at']).execute();
      await sql`CREATE INDEX ${sql.raw(`${t}_serial`)} ON ${sql.raw(t)} (lower(serial_number), occurred_at)`.execute(db);
    },
  };
}

/**
 * The ZTD id and serial number indexes without the events that carry neither. Management's
 * events never carry a ZTD id and often no serial number, yet each of them added an entry to
 * both indexes (and a page to its commit): a lookup by either value never finds a null, so
 * the partial indexes answer the same queries. Appended to a service's migrations after
 * `eventFeedMigration`; it replaces the two indexes of an existing table in place.
 */
export function eventFeedSparseIndexesMigration(table: string): Migration {
  const t = checkTable(table);
  return {
    async up(db: Kysely<any>) {
      await db.schema.dropIndex(`${t}_ztd`).ifExists().execute();
      await db.schema.dropIndex(`${t}_serial`).ifExists().execute();
      await sql`CREATE INDEX ${sql.raw(`${t}_ztd`)} ON ${sql.raw(t)} (ztd_id, occurred_at) WHERE ztd_id IS NOT NULL`.execute(db);
      await sql`CREATE INDEX ${sql.raw(`${t}_serial`)} ON ${sql.raw(t)} (lower(serial_number), occurred_at) WHERE serial_number IS NOT NULL`.execute(db);
    },
  };
}

/**
 * The table's columns, true where a column may be null: the row type and the column list of
 * the prepared one-event insert both come from here, so neither can miss a column. (The
 * migration keeps its own list: it creates the table as it was then.)
 */
const EVENT_COLUMN_NULLABLE = {
  id: false,
  tenant_id: true,
  occurred_at: false,
  type: false,
  outcome: false,
  phase: false,
  ztd_id: true,
  azure_ad_device_id: true,
  managed_device_id: true,
  serial_number: true,
  user_principal_name: true,
  trace_id: false,
  error_code: true,
  detail: false,
} as const;

type EventColumn = keyof typeof EVENT_COLUMN_NULLABLE;
type EventRow = { [C in EventColumn]: (typeof EVENT_COLUMN_NULLABLE)[C] extends true ? string | null : string };
const EVENT_COLUMNS = Object.keys(EVENT_COLUMN_NULLABLE) as EventColumn[];

const clip = (value: string | null | undefined, max = MAX_TEXT) => (value == null ? null : value.slice(0, max));

function eventRow(e: FeedEvent): EventRow {
  return {
    id: e.id,
    tenant_id: e.tenantId,
    occurred_at: e.occurredDateTime,
    type: e.type,
    outcome: e.outcome,
    phase: e.phase,
    ztd_id: clip(e.ztdId),
    azure_ad_device_id: clip(e.azureADDeviceId),
    managed_device_id: clip(e.managedDeviceId),
    serial_number: clip(e.serialNumber),
    user_principal_name: clip(e.userPrincipalName),
    trace_id: e.traceId,
    error_code: clip(e.errorCode),
    detail: JSON.stringify(e.detail).slice(0, 8192),
  };
}

const insertOneByTable = new Map<string, PreparedQuery<EventRow, never>>();

function insertOneEvent(table: string): PreparedQuery<EventRow, never> {
  let query = insertOneByTable.get(table);
  if (!query) {
    query = preparedQuery<EventRow, never>((db, v) => db.insertInto(table).values(Object.fromEntries(EVENT_COLUMNS.map((c) => [c, v(c)]))));
    insertOneByTable.set(table, query);
  }
  return query;
}

export class EventFeedStore {
  private readonly table: string;

  constructor(
    private readonly db: Kysely<any>,
    table: string,
  ) {
    this.table = checkTable(table);
  }

  async append(events: FeedEvent[]): Promise<void> {
    if (events.length === 0) return;
    // One event is what nearly every request records: that insert is prepared once per table.
    if (events.length === 1) {
      await insertOneEvent(this.table).execute(this.db, eventRow(events[0]!));
      return;
    }
    await this.db.insertInto(this.table).values(events.map(eventRow)).execute();
  }

  async list(query: FeedQuery): Promise<FeedPage> {
    const rows = (await this.listQuery(query).execute()) as EventRow[];
    const kept = rows.slice(0, query.limit);
    const page: FeedPage = { items: kept.map(rowToEvent) };
    const last = kept.at(-1);
    if (rows.length > query.limit && last) page.next = { occurredDateTime: last.occurred_at, id: last.id };
    return page;
  }

  /** The statement `list` runs (exposed so tests can read its query plan). */
  listQuery(query: FeedQuery) {
    let qb = this.db.selectFrom(this.table).selectAll();
    const narrowed = Boolean(query.ztdId || query.azureADDeviceId || query.managedDeviceId || query.traceId || query.serialNumber);
    if (query.includeTenantless) {
      qb = qb.where((eb) => eb.or([eb('tenant_id', '=', query.tenantId), eb('tenant_id', 'is', null)]));
    } else if (narrowed) {
      // One device's or one trace's events out of a tenant's millions: SQLite would otherwise walk
      // the tenant's time index newest first (it spares a sort) and filter every event of the
      // tenant on the way. Comparing an expression of tenant_id keeps that index out of the
      // plan, so the device's, trace's or ZTD id's own index is used. PostgreSQL made the same
      // choice on a table its statistics had not caught up with (bench/event-feed.ts).
      qb = qb.where(sql<string>`${sql.ref('tenant_id')} || ''`, '=', query.tenantId);
    } else {
      qb = qb.where('tenant_id', '=', query.tenantId);
    }
    if (query.ztdId) qb = qb.where('ztd_id', '=', query.ztdId);
    if (query.azureADDeviceId) qb = qb.where('azure_ad_device_id', '=', query.azureADDeviceId);
    if (query.managedDeviceId) qb = qb.where('managed_device_id', '=', query.managedDeviceId);
    if (query.traceId) qb = qb.where('trace_id', '=', query.traceId);
    // The "is not null" lets the planner use the index that leaves events without a serial number out.
    if (query.serialNumber) qb = qb.where(sql<string>`lower(serial_number)`, '=', query.serialNumber.toLowerCase()).where('serial_number', 'is not', null);
    if (query.since) qb = qb.where('occurred_at', '>=', query.since);
    if (query.after) {
      const { occurredDateTime, id } = query.after;
      qb = qb.where((eb) => eb.or([eb('occurred_at', '<', occurredDateTime), eb.and([eb('occurred_at', '=', occurredDateTime), eb('id', '<', id)])]));
    }
    return qb.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(query.limit + 1);
  }

  /** Deletes events older than `before` (ISO 8601); returns how many. */
  async prune(before: string): Promise<number> {
    const result = await this.db.deleteFrom(this.table).where('occurred_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function rowToEvent(row: EventRow): FeedEvent {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    occurredDateTime: row.occurred_at,
    type: row.type,
    outcome: row.outcome as FeedOutcome,
    phase: row.phase,
    ztdId: row.ztd_id,
    azureADDeviceId: row.azure_ad_device_id,
    managedDeviceId: row.managed_device_id,
    serialNumber: row.serial_number,
    userPrincipalName: row.user_principal_name,
    traceId: row.trace_id,
    errorCode: row.error_code,
    detail: JSON.parse(row.detail),
  };
}

/** How long a service keeps its events (as discovery does). */
export const EVENT_RETENTION_MS = 30 * 24 * 60 * 60_000;

/** Deletes events past retention now and then on a timer that does not hold the process; returns the stop function. */
export function pruneEventsPeriodically(
  store: EventFeedStore,
  options: { retentionMs?: number; intervalMs?: number; now?: () => Date; onError?: (error: unknown) => void } = {},
): () => void {
  const prune = () => {
    const cutoff = new Date((options.now?.() ?? new Date()).getTime() - (options.retentionMs ?? EVENT_RETENTION_MS)).toISOString();
    store.prune(cutoff).catch((error) => options.onError?.(error));
  };
  prune();
  const timer = setInterval(prune, options.intervalMs ?? 60 * 60_000);
  timer.unref();
  return () => clearInterval(timer);
}
