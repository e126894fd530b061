/**
 * What a device's new OMA-DM session has to do besides answering its message, read in one
 * statement: most polls of a settled fleet find nothing to do, and asking each planner
 * (compliance, configuration, apps and the ESP, the command queue) its own questions costs
 * a dozen queries a session. Each flag is an EXISTS over an index and errs on the side of
 * "due": a flag that is set sends the session down the full path, where each planner makes
 * its own exact decision. It reads the database itself, so it is as current on every replica
 * as the planners' own reads would be; nothing is cached.
 */
import { sql, type Kysely } from 'kysely';
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
  const { rows } = await sql<{ queue: unknown; compliance: unknown; configuration: unknown; apps: unknown }>`
    select
      exists (select 1 from command_queue where enrollment_id = ${enrollmentId} and status in ('queued', 'sent')) as queue,
      exists (select 1 from compliance_assignments where tenant_id = ${tenantId}) as compliance,
      (exists (select 1 from configuration_assignments where tenant_id = ${tenantId})
        or exists (select 1 from configuration_states where enrollment_id = ${enrollmentId})
        or exists (select 1 from configuration_checks where enrollment_id = ${enrollmentId})) as configuration,
      (exists (select 1 from mobile_app_assignments where tenant_id = ${tenantId})
        or exists (select 1 from app_installs where enrollment_id = ${enrollmentId})
        or exists (select 1 from deployments where enrollment_id = ${enrollmentId} and state = 'inProgress')) as apps
  `.execute(db);
  const row = rows[0]!;
  // PostgreSQL answers booleans, SQLite 0 or 1.
  return { queue: truthy(row.queue), compliance: truthy(row.compliance), configuration: truthy(row.configuration), apps: truthy(row.apps) };
}

function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}
