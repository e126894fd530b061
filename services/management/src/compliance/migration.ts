import type { Kysely, Migration } from 'kysely';
import { factsText } from './facts.js';

/** Management's compliance tables (managementMigrations 0007). */
export const complianceMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('compliance_policies')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('scheduled_actions', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('modified_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('compliance_policies_tenant').on('compliance_policies').columns(['tenant_id', 'created_at', 'id']).execute();

    await db.schema
      .createTable('compliance_assignments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('policy_id', 'text', (c) => c.notNull().references('compliance_policies.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('compliance_assignments_policy').on('compliance_assignments').columns(['policy_id']).execute();
    await db.schema.createIndex('compliance_assignments_tenant').on('compliance_assignments').columns(['tenant_id']).execute();

    await db.schema
      .createTable('device_facts')
      .addColumn('enrollment_id', 'text', (c) => c.primaryKey().references('enrollments.id').onDelete('cascade'))
      .addColumn('facts', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('device_compliance')
      .addColumn('enrollment_id', 'text', (c) => c.primaryKey().references('enrollments.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('is_compliant', 'integer', (c) => c.notNull())
      .addColumn('grace_expires_at', 'text')
      .addColumn('version', 'bigint', (c) => c.notNull())
      .addColumn('evaluated_at', 'text', (c) => c.notNull())
      .addColumn('policies', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('device_compliance_tenant').on('device_compliance').columns(['tenant_id']).execute();
    await db.schema.createIndex('device_compliance_grace').on('device_compliance').columns(['grace_expires_at']).execute();
  },
};

/**
 * Facts move from { key: { value, reportedAt } } to values in `facts` and arrival times in a
 * new `reported_at` column, row by row in pages of the primary key; every value and time is kept.
 */
export const complianceFactTimesMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('device_facts').addColumn('reported_at', 'text', (c) => c.notNull().defaultTo('{}')).execute();
    let after = '';
    for (;;) {
      const rows: Array<{ enrollment_id: string; facts: string; updated_at: string }> = await db
        .selectFrom('device_facts')
        .select(['enrollment_id', 'facts', 'updated_at'])
        .where('enrollment_id', '>', after)
        .orderBy('enrollment_id')
        .limit(PAGE)
        .execute();
      const split = rows.flatMap((r) => {
        const layout = splitFacts(r.facts);
        return layout ? [{ enrollment_id: r.enrollment_id, updated_at: r.updated_at, ...layout }] : [];
      });
      // An upsert of rows that all exist: one statement per page rewrites them.
      if (split.length > 0) {
        await db
          .insertInto('device_facts')
          .values(split)
          .onConflict((oc) => oc.column('enrollment_id').doUpdateSet((eb) => ({ facts: eb.ref('excluded.facts'), reported_at: eb.ref('excluded.reported_at') })))
          .execute();
      }
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.enrollment_id;
    }
  },
};

const PAGE = 1000;

/** The older layout's row as values and times; undefined when it is not in that layout. */
export function splitFacts(text: string): { facts: string; reported_at: string } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  // No prototype: a key named __proto__ is a key like any other.
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  const times: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, fact] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof fact === 'string') return undefined; // already values
    const f = fact as { value?: unknown; reportedAt?: unknown } | null;
    if (!f || typeof f !== 'object' || typeof f.value !== 'string') continue;
    values[key] = f.value;
    if (typeof f.reportedAt === 'string') times[key] = f.reportedAt;
  }
  return { facts: factsText(values), reported_at: JSON.stringify(times) };
}
