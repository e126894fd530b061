/**
 * Transactional outbox. A service writes the message in the same transaction as the
 * change that causes it, so a message exists exactly when the change committed; a relay
 * then delivers it with retries and backoff until the receiver accepts it. Delivery is
 * at least once; receivers are idempotent on the message id.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Migration, type Transaction } from 'kysely';
import type { Dialect } from './database.js';

export interface OutboxTable {
  outbox: {
    id: string;
    topic: string;
    payload: string;
    trace_parent: string | null;
    created_at: string;
    attempts: number;
    next_attempt_at: string;
    claimed_until: string | null;
    delivered_at: string | null;
    last_error: string | null;
  };
}

/** Include in a service's migration list (name it so it sorts where the service wants). */
export const outboxMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('outbox')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('topic', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('trace_parent', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('claimed_until', 'text')
      .addColumn('delivered_at', 'text')
      .addColumn('last_error', 'text')
      .execute();
    await db.schema.createIndex('outbox_due').on('outbox').columns(['delivered_at', 'next_attempt_at']).execute();
  },
};

export interface OutboxMessage<P = unknown> {
  id: string;
  topic: string;
  payload: P;
  traceParent: string | null;
  attempts: number;
}

/** The row for one message; batch writers insert many of these in one statement. */
export function outboxRow(topic: string, payload: unknown, traceParent?: string | null, now = new Date().toISOString()): OutboxTable['outbox'] {
  return {
    id: randomUUID(),
    topic,
    payload: JSON.stringify(payload),
    trace_parent: traceParent ?? null,
    created_at: now,
    attempts: 0,
    next_attempt_at: now,
    claimed_until: null,
    delivered_at: null,
    last_error: null,
  };
}

/** Writes a message inside the caller's transaction. */
export async function enqueueOutbox(
  trx: Transaction<any> | Kysely<any>,
  topic: string,
  payload: unknown,
  traceParent?: string,
): Promise<string> {
  const row = outboxRow(topic, payload, traceParent);
  await (trx as Kysely<OutboxTable>).insertInto('outbox').values(row).execute();
  return row.id;
}

/**
 * Marks a message delivered inside the caller's transaction, for a handler whose own writes must
 * commit together with the delivery (a walk's page). False when it already was: another runner
 * got there first, and the caller should write nothing.
 */
export async function markOutboxDelivered(trx: Transaction<any> | Kysely<any>, id: string): Promise<boolean> {
  const result = await (trx as Kysely<OutboxTable>)
    .updateTable('outbox')
    .set({ delivered_at: new Date().toISOString(), claimed_until: null })
    .where('id', '=', id)
    .where('delivered_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Makes an undelivered message due ahead of every other: the relay claims the longest-due
 * first, and this one becomes due at the epoch.
 */
export async function expediteOutboxMessage(db: Kysely<any>, id: string): Promise<void> {
  await (db as Kysely<OutboxTable>).updateTable('outbox').set({ next_attempt_at: new Date(0).toISOString() }).where('id', '=', id).where('delivered_at', 'is', null).execute();
}

export type OutboxHandler = (message: OutboxMessage) => Promise<void>;

export interface OutboxRelayOptions {
  db: Kysely<any>;
  dialect: Dialect;
  /**
   * Delivery per topic. A plain handler delivers its topic's messages one after another, in
   * order; `{ handle, concurrency }` delivers up to that many at once, for topics whose
   * receiver does not depend on order (the handler sends current state, say).
   */
  handlers: Record<string, OutboxHandler | { handle: OutboxHandler; concurrency: number }>;
  /** How often to look for due messages when nothing wakes the relay. */
  pollMs?: number;
  batchSize?: number;
  /** Backoff for attempt n (1-based), in ms. */
  backoffMs?: (attempt: number) => number;
  /** How long a claimed batch stays invisible to other replicas. */
  claimMs?: number;
  onError?: (message: OutboxMessage, error: unknown) => void;
}

export const defaultBackoff = (attempt: number): number => Math.min(1000 * 2 ** (attempt - 1), 5 * 60_000);

export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<{ claimed: number; delivered: number }> | null = null;
  private stopped = true;
  private readonly db: Kysely<OutboxTable>;

  constructor(private readonly options: OutboxRelayOptions) {
    this.db = options.db as Kysely<OutboxTable>;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Deliver now rather than at the next poll (after an enqueue). */
  wake(): void {
    if (!this.stopped) this.schedule(0);
  }

  /** Runs passes until nothing is due; returns how many messages were delivered. */
  async drain(maxPasses = 50): Promise<number> {
    let delivered = 0;
    for (let i = 0; i < maxPasses; i++) {
      const pass = await this.pass();
      delivered += pass.delivered;
      if (pass.claimed === 0) break;
    }
    return delivered;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.running) {
      // A pass is under way (another tick's, or drain's). What woke this tick may have been
      // enqueued after that pass claimed its batch: go again once it is done, rather than
      // leave the message to the next poll (or, after a drain, to no timer at all).
      await this.running.catch(() => undefined);
      this.schedule(0);
      return;
    }
    let full = false;
    try {
      const pass = await this.pass();
      // A full batch means a backlog: go again at once rather than after a poll interval.
      full = pass.claimed >= (this.options.batchSize ?? 50);
    } catch {
      // A database hiccup must not kill the relay; the next poll retries.
    } finally {
      this.schedule(full ? 0 : (this.options.pollMs ?? 1000));
    }
  }

  /** One pass: claim due messages, deliver each, record the outcome. */
  async runOnce(): Promise<number> {
    return (await this.pass()).delivered;
  }

  private pass(): Promise<{ claimed: number; delivered: number }> {
    if (this.running) return this.running;
    this.running = this.deliverBatch().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async deliverBatch(): Promise<{ claimed: number; delivered: number }> {
    const claimed = await this.claim();
    const byTopic = new Map<string, typeof claimed>();
    for (const row of claimed) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row]);
    let delivered = 0;
    await Promise.all(
      [...byTopic].map(async ([topic, rows]) => {
        const entry = this.options.handlers[topic];
        const handler = typeof entry === 'function' ? entry : entry?.handle;
        const concurrency = typeof entry === 'object' ? Math.max(1, entry.concurrency) : 1;
        let next = 0;
        const lanes = Array.from({ length: Math.min(concurrency, rows.length) }, async () => {
          while (next < rows.length) {
            if (await this.deliverOne(rows[next++]!, handler)) delivered++;
          }
        });
        await Promise.all(lanes);
      }),
    );
    return { claimed: claimed.length, delivered };
  }

  /** Delivers one row and records the outcome; true when the receiver accepted it. */
  private async deliverOne(row: OutboxTable['outbox'], handler: OutboxHandler | undefined): Promise<boolean> {
    const message: OutboxMessage = {
      id: row.id,
      topic: row.topic,
      payload: JSON.parse(row.payload),
      traceParent: row.trace_parent,
      attempts: row.attempts + 1,
    };
    try {
      if (!handler) throw new Error(`no handler for topic ${row.topic}`);
      await handler(message);
      await this.db
        .updateTable('outbox')
        .set({ delivered_at: new Date().toISOString(), attempts: message.attempts, claimed_until: null, last_error: null })
        .where('id', '=', row.id)
        .execute();
      return true;
    } catch (error) {
      this.options.onError?.(message, error);
      const backoff = (this.options.backoffMs ?? defaultBackoff)(message.attempts);
      await this.db
        .updateTable('outbox')
        .set({
          attempts: message.attempts,
          claimed_until: null,
          next_attempt_at: new Date(Date.now() + backoff).toISOString(),
          last_error: (error instanceof Error ? error.message : String(error)).slice(0, 2000),
        })
        .where('id', '=', row.id)
        .execute();
      return false;
    }
  }

  /**
   * Claims due rows so that concurrent replicas never deliver the same row at once:
   * FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has a single writer, so an
   * UPDATE … RETURNING is already exclusive.
   */
  private async claim() {
    const now = new Date().toISOString();
    const until = new Date(Date.now() + (this.options.claimMs ?? 60_000)).toISOString();
    const limit = this.options.batchSize ?? 50;
    if (this.options.dialect === 'postgres') {
      return this.db.transaction().execute(async (trx) => {
        const due = await trx
          .selectFrom('outbox')
          .select('id')
          .where('delivered_at', 'is', null)
          .where('next_attempt_at', '<=', now)
          .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
          .orderBy('next_attempt_at')
          .limit(limit)
          .forUpdate()
          .skipLocked()
          .execute();
        if (due.length === 0) return [];
        return trx
          .updateTable('outbox')
          .set({ claimed_until: until })
          .where(
            'id',
            'in',
            due.map((d) => d.id),
          )
          .returningAll()
          .execute();
      });
    }
    const rows = await this.db
      .updateTable('outbox')
      .set({ claimed_until: until })
      .where(
        'id',
        'in',
        sql<string>`(select id from outbox where delivered_at is null and next_attempt_at <= ${now} and (claimed_until is null or claimed_until < ${now}) order by next_attempt_at limit ${limit})`,
      )
      .returningAll()
      .execute();
    return rows.sort((a, b) => a.next_attempt_at.localeCompare(b.next_attempt_at) || a.created_at.localeCompare(b.created_at));
  }
}

/** Counts for diagnostics and tests. */
export async function outboxStats(db: Kysely<any>): Promise<{ pending: number; delivered: number }> {
  const rows = await (db as Kysely<OutboxTable>)
    .selectFrom('outbox')
    .select((eb) => [eb.fn.countAll<number>().as('n'), sql<number>`case when delivered_at is null then 0 else 1 end`.as('done')])
    .groupBy(sql`case when delivered_at is null then 0 else 1 end`)
    .execute();
  let pending = 0;
  let delivered = 0;
  for (const r of rows) {
    if (Number(r.done) === 1) delivered = Number(r.n);
    else pending = Number(r.n);
  }
  return { pending, delivered };
}
