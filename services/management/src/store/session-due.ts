/**
 * What a device's new OMA-DM session has to do besides answering its message, read in one
 * statement: most polls of a settled fleet find nothing to do, and asking each planner
 * (compliance, configuration, apps and the ESP, the command queue) its own questions costs
 * a dozen queries a session. Each flag is an EXISTS over an index and errs on the side of
 * "due": a flag that is set sends the session down the full path, where each planner makes
 * its own exact decision. It reads the database itself, so it is as current on every replica
 * as the planners' own reads would be; nothing is cached.
 */
import { preparedQuery } from '@baton/kit';
import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { EnrollmentsTable } from './schema.js';
import type { SessionDue } from './store.js';

/**
 * The flags of one device, as `SessionDue` names them. Each subquery mirrors the first
 * question its planner asks:
 * - queue: a command queued or in flight (a wipe, retire, reboot, a leftover Atomic or Get).
 * - compliance: the tenant assigns a compliance policy (its facts are then read every session).
 * - configuration: the tenant assigns a profile, or the device has profile states to keep or
 *   forget, or a read-back of its settings is recorded.
 * - apps: the tenant assigns an app, or the device has an install record, or a deployment of
 *   it (the ESP) is still in progress.
 */
export async function readSessionDue(db: Kysely<any>, enrollmentId: string, tenantId: string): Promise<SessionDue> {
  const row = await db.selectNoFrom(dueColumns(sql.val(enrollmentId), sql.val(tenantId))).executeTakeFirstOrThrow();
  return toSessionDue(row);
}

/**
 * The enrollment that holds this certificate, and what its session has to do: a device's
 * first two reads of every message, in one statement (the certificate names the device, and
 * the flags need nothing else), prepared once as the session's other statements are.
 */
const enrollmentOfCertificate = preparedQuery<{ thumbprint: string }, Selectable<EnrollmentsTable> & DueColumns>((db, v) =>
  db
    .selectFrom('enrollments as e')
    .selectAll('e')
    .select(dueColumns(sql.ref('e.id'), sql.ref('e.tenant_id')))
    .where('e.cert_thumbprint', '=', v('thumbprint')),
);

export async function readEnrollmentOfCertificate(db: Kysely<any>, thumbprint: string): Promise<{ row: Selectable<EnrollmentsTable>; due: SessionDue } | undefined> {
  const [found] = (await enrollmentOfCertificate.execute(db, { thumbprint })).rows;
  if (!found) return undefined;
  const { due_queue, due_compliance, due_configuration, due_apps, ...row } = found;
  return { row, due: toSessionDue({ due_queue, due_compliance, due_configuration, due_apps }) };
}

interface DueColumns {
  due_queue: unknown;
  due_compliance: unknown;
  due_configuration: unknown;
  due_apps: unknown;
}

/** The four flags as columns, for the enrollment and tenant these expressions name. */
function dueColumns(enrollmentId: RawBuilder<unknown>, tenantId: RawBuilder<unknown>) {
  return [
    sql<unknown>`exists (select 1 from command_queue where enrollment_id = ${enrollmentId} and status in ('queued', 'sent'))`.as('due_queue'),
    sql<unknown>`exists (select 1 from compliance_assignments where tenant_id = ${tenantId})`.as('due_compliance'),
    sql<unknown>`(exists (select 1 from configuration_assignments where tenant_id = ${tenantId})
      or exists (select 1 from configuration_states where enrollment_id = ${enrollmentId})
      or exists (select 1 from configuration_checks where enrollment_id = ${enrollmentId}))`.as('due_configuration'),
    sql<unknown>`(exists (select 1 from mobile_app_assignments where tenant_id = ${tenantId})
      or exists (select 1 from app_installs where enrollment_id = ${enrollmentId})
      or exists (select 1 from deployments where enrollment_id = ${enrollmentId} and state = 'inProgress'))`.as('due_apps'),
  ];
}

// PostgreSQL answers booleans, SQLite 0 or 1 (sqlBoolean reads both).
function toSessionDue(row: DueColumns): SessionDue {
  return { queue: sqlBoolean(row.due_queue), compliance: sqlBoolean(row.due_compliance), configuration: sqlBoolean(row.due_configuration), apps: sqlBoolean(row.due_apps) };
}

/** A boolean as either dialect answers it. */
export function sqlBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}
