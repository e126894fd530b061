/**
 * Discovery's event feed: one row per registration, per change of a device's profile and
 * per lookup, carrying the trace id of the request behind it, so a failed provisioning can be
 * followed across the chain by one trace id and attributed to discovery's boundary
 * (registration, assignment, profile download).
 */
import { randomBytes } from 'node:crypto';
import { parseTraceparent, timeOrderedId } from '@baton/kit';
import type { AutopilotDevice, DiscoveryEvent, EventOutcome, EventType } from '../store/types.js';
import { nowIso, type DiscoveryDeps } from './deps.js';

/** How long events are kept. */
export const EVENT_RETENTION_MS = 30 * 24 * 60 * 60_000;

export type AssignmentChangeReason = 'assignmentCreated' | 'assignmentDeleted' | 'membershipChanged';

/** The trace id of a traceparent; a new one when there is none, so every event can be followed. */
export function traceIdOf(traceParent: string | undefined): string {
  return parseTraceparent(traceParent)?.traceId ?? randomBytes(16).toString('hex');
}

export interface EventInput {
  type: EventType;
  outcome: EventOutcome;
  tenantId: string | null;
  traceId: string;
  device?: Pick<AutopilotDevice, 'id' | 'azureActiveDirectoryDeviceId' | 'serialNumber'>;
  serialNumber?: string | null;
  errorCode?: string | null;
  detail?: Record<string, unknown>;
  at?: string;
}

export function discoveryEvent(deps: Pick<DiscoveryDeps, 'now'>, input: EventInput): DiscoveryEvent {
  return {
    id: timeOrderedId(),
    tenantId: input.tenantId,
    occurredDateTime: input.at ?? nowIso(deps),
    type: input.type,
    outcome: input.outcome,
    ztdId: input.device?.id ?? null,
    azureADDeviceId: input.device?.azureActiveDirectoryDeviceId ?? null,
    serialNumber: (input.device?.serialNumber ?? input.serialNumber ?? null)?.slice(0, 256) ?? null,
    traceId: input.traceId,
    errorCode: input.errorCode ?? null,
    detail: input.detail ?? {},
  };
}

export function assignmentEvent(
  deps: Pick<DiscoveryDeps, 'now'>,
  device: AutopilotDevice,
  change: { before: string | null; after: string | null; reason: AssignmentChangeReason; traceId: string; assignmentId?: string; at?: string },
): DiscoveryEvent {
  const detail: Record<string, unknown> = { profileIdBefore: change.before, profileIdAfter: change.after, reason: change.reason };
  if (change.assignmentId) detail.assignmentId = change.assignmentId;
  return discoveryEvent(deps, { type: 'assignment', outcome: 'success', tenantId: device.tenantId, traceId: change.traceId, device, detail, at: change.at });
}

/**
 * A lookup's event is a side record: losing it must not cost the device its profile, so a
 * failed write is logged and swallowed.
 */
export async function recordLookupEvent(deps: DiscoveryDeps, event: DiscoveryEvent): Promise<void> {
  try {
    await deps.store.appendEvents([event]);
  } catch (error) {
    deps.logger?.warn({ traceId: event.traceId, ztdId: event.ztdId, err: String(error) }, 'lookup event not recorded');
  }
}

/** The feed's wire shape. */
export function renderEvent(event: DiscoveryEvent): Record<string, unknown> {
  return {
    id: event.id,
    occurredDateTime: event.occurredDateTime,
    service: 'discovery',
    type: event.type,
    outcome: event.outcome,
    phase: 'discovery',
    ztdId: event.ztdId,
    azureADDeviceId: event.azureADDeviceId,
    serialNumber: event.serialNumber,
    traceId: event.traceId,
    errorCode: event.errorCode,
    detail: event.detail,
  };
}

/** Deletes events past retention; the runtime calls it on a timer. */
export async function pruneEvents(deps: DiscoveryDeps, retentionMs = EVENT_RETENTION_MS): Promise<number> {
  const cutoff = new Date((deps.now?.() ?? new Date()).getTime() - retentionMs).toISOString();
  return deps.store.pruneEvents(cutoff);
}
