/**
 * The planners around a device's OMA-DM messages: at a session's start compliance queues its
 * fact reads, configuration plans the device's profiles, apps and the ESP queue installs and
 * status reads; after each message configuration and apps file what the device answered.
 *
 * A session first reads what is due for the device (`ManagementStore.sessionDue`, one
 * statement) and runs only the planners that have something to look at: a settled device in
 * a tenant that assigns nothing costs that one read instead of each planner's own queries.
 * When neither the queue nor a planner has anything, the engine is told so and skips reading
 * the queue. A later message of a session reads the same flags to decide which planners file
 * its answers: a device answering a queued command (a Get, a wipe) in a tenant that assigns no
 * profile or app has nothing for configuration or apps to file. Each flag errs towards "due",
 * so a command either of them sent always finds its planner.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { ManagementDeps } from '../deps.js';
import type { Enrollment, SessionDue } from '../store/store.js';

/** Which after-message work applies to this session, and whether the queue is known empty. */
export interface SessionPlan {
  /** Nothing was queued or in flight when the session opened, and no planner queued anything. */
  nothingQueued: boolean;
  /** Configuration files answers after each message. */
  configuration: boolean;
  /** Apps and the ESP follow the device's answers after each message. */
  apps: boolean;
}

export async function planSession(
  deps: ManagementDeps,
  enrollment: Enrollment,
  opensSession: boolean,
  traceId: string,
  log: FastifyBaseLogger,
  /** Already read with the enrollment (a certificate-authenticated message); read here otherwise. */
  knownDue?: SessionDue,
): Promise<SessionPlan> {
  const due = knownDue ?? (await deps.store.sessionDue(enrollment.id, enrollment.tenantId));
  // A new enrollment's first session keeps apps on for its later messages too: they fill in the deployment record.
  if (!opensSession) return { nothingQueued: false, configuration: due.configuration, apps: due.apps || enrollment.lastSyncAt === null };
  // A new enrollment's first session starts its deployment record, ESP or not.
  const apps = due.apps || enrollment.lastSyncAt === null;
  let queued = 0;
  let unknown = false;
  if (due.compliance) queued += await deps.compliance.sessionStarting(enrollment);
  if (due.configuration) {
    // Planning may ask identity for group memberships; if that fails the device still gets
    // its session, and its profiles are planned at the next one.
    queued += await deps.configuration.sessionStarting(enrollment).catch((error: unknown) => {
      log.warn({ enrollmentId: enrollment.id, err: String(error) }, 'configuration not planned for this session');
      unknown = true;
      return 0;
    });
  }
  if (apps) queued += await deps.apps.sessionStarting(enrollment, traceId);
  return { nothingQueued: !due.queue && queued === 0 && !unknown, configuration: due.configuration, apps };
}

/** After each message: configuration and apps follow what the device just answered. */
export async function messageAnswered(
  deps: ManagementDeps,
  plan: SessionPlan,
  enrollment: Enrollment,
  message: Parameters<ManagementDeps['apps']['messageProcessed']>[1],
  outcome: { answered: number; complete: boolean },
  traceId: string,
  log: FastifyBaseLogger,
): Promise<void> {
  // Configuration files the answers per setting (and, at a session's end, Atomics failed
  // without an answer, as too large for the device); its failure must not cost the device its reply either.
  if (plan.configuration && (outcome.answered > 0 || outcome.complete)) {
    await deps.configuration.answered(enrollment.id).catch((error: unknown) => {
      log.warn({ enrollmentId: enrollment.id, err: String(error) }, 'configuration statuses not filed');
    });
  }
  // Install states and the deployment follow what the device just answered; a failure here must not cost the device its reply.
  if (plan.apps) {
    await deps.apps.messageProcessed(enrollment, message, traceId, outcome.complete).catch((error: unknown) => {
      log.warn({ enrollmentId: enrollment.id, err: String(error) }, 'app state update failed');
    });
  }
}
