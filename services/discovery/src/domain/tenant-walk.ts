/**
 * A change that can move every device of a tenant (an all-devices assignment, a profile's new
 * name) is recorded in pages after it commits, not inside its own transaction: at 100,000
 * devices that transaction held discovery's only write lock for many seconds, and every lookup,
 * import and Graph write of every tenant waited behind it.
 *
 * The change's transaction queues the walk as an outbox message, so a walk exists exactly when
 * the change committed. Each page is one transaction that marks the page's message delivered
 * and writes the page's events, its placeholders and the message for the next page; a page
 * whose message someone else already marked is written by no one else. The request that made
 * the change runs pages for a moment, so a small tenant is done when the answer leaves; the
 * outbox relay takes over the rest (or, after a crash, the whole walk).
 */
import { randomUUID } from 'node:crypto';
import type { DeviceCursor, DiscoveryEvent, OutboxWrite } from '../store/types.js';
import type { DiscoveryDeps, WalkTuning } from './deps.js';
import { assignmentEvent, type AssignmentChangeReason } from './events.js';
import { needsPlaceholder, placeholderResend } from './placeholder-resends.js';
import { NO_GROUPS, resolveProfile, tenantResolver, type ProfileEntry } from './profile-resolution.js';

export const TENANT_WALK_TOPIC = 'discovery.tenantWalk';

export const DEFAULT_WALK: WalkTuning = { pageDevices: 1_000, inlineMs: 1_000, relayMs: 1_000 };
const tuning = (deps: DiscoveryDeps): WalkTuning => ({ ...DEFAULT_WALK, ...deps.walk });
/** A page's successor stays hidden from the relay while its runner goes on with it; a dead runner's walk resumes after this. */
const HELD_MS = 30_000;

export interface TenantWalk {
  tenantId: string;
  /** An assignment change: each device whose profile differs between the two sets gets an event. */
  transition?: {
    before: ProfileEntry[];
    after: ProfileEntry[];
    reason: AssignmentChangeReason;
    traceId: string;
    assignmentId?: string;
    at: string;
  };
  /** The last device an earlier page read; absent on the first page. */
  cursor?: DeviceCursor;
}

export interface WalkMessage {
  id: string;
  payload: TenantWalk;
  traceParent?: string | null;
}

const heldUntil = () => new Date(Date.now() + HELD_MS).toISOString();

/** The message that starts a walk; write it in the change's transaction, then `runWalk` it. */
export function tenantWalk(walk: TenantWalk, traceParent?: string): OutboxWrite & { id: string; payload: TenantWalk } {
  return { id: randomUUID(), topic: TENANT_WALK_TOPIC, payload: walk, traceParent, notBefore: heldUntil() };
}

interface Page {
  events: DiscoveryEvent[];
  messages: OutboxWrite[];
  next?: DeviceCursor;
}

/**
 * One page: an event for each device the transition moves, and the placeholder again for each
 * device whose profile name identity may not have. The name is judged against the profiles as
 * they are when the page runs, since the placeholder handler sends current state anyway.
 */
async function walkPage(deps: DiscoveryDeps, walk: TenantWalk, traceParent: string | undefined): Promise<Page> {
  const pageDevices = tuning(deps).pageDevices;
  const devices = await deps.store.devicesAfter(walk.tenantId, walk.cursor, pageDevices);
  if (devices.length === 0) return { events: [], messages: [] };
  const [resolver, groups] = await Promise.all([
    tenantResolver(deps, walk.tenantId),
    deps.store.groupsOfDevices(
      walk.tenantId,
      devices.map((d) => d.azureActiveDirectoryDeviceId),
    ),
  ]);
  const page: Page = { events: [], messages: [] };
  const transition = walk.transition;
  for (const device of devices) {
    const memberOf = groups.get(device.azureActiveDirectoryDeviceId) ?? NO_GROUPS;
    if (transition) {
      const was = resolveProfile(transition.before, memberOf)?.profile.id ?? null;
      const now = resolveProfile(transition.after, memberOf)?.profile.id ?? null;
      if (was !== now) {
        const { reason, traceId, assignmentId, at } = transition;
        page.events.push(assignmentEvent(deps, device, { before: was, after: now, reason, traceId, assignmentId, at }));
      }
    }
    if (needsPlaceholder(device, resolver.resolve(memberOf)?.profile.displayName ?? null)) page.messages.push(placeholderResend(device, traceParent));
  }
  if (devices.length === pageDevices) {
    const last = devices.at(-1)!;
    page.next = { created: last.createdDateTime, id: last.id };
  }
  return page;
}

/**
 * Runs a walk's pages from `message` for about `budgetMs`, then hands what is left to the
 * relay. Returns quietly when another runner recorded a page first. On a failure the page it
 * failed on is made due at once, for the relay to retry, and the error is thrown.
 */
export async function runWalk(deps: DiscoveryDeps, message: WalkMessage, budgetMs: number): Promise<void> {
  const deadline = Date.now() + budgetMs;
  const traceParent = message.traceParent ?? undefined;
  let current = message;
  try {
    for (;;) {
      const page = await walkPage(deps, current.payload, traceParent);
      const next = page.next ? tenantWalk({ ...current.payload, cursor: page.next }, traceParent) : undefined;
      if (!(await deps.store.commitWalkPage(current.id, page.events, next ? [...page.messages, next] : page.messages))) return;
      if (page.messages.length > 0) deps.outboxWritten?.();
      if (!next) return;
      current = { id: next.id, payload: next.payload, traceParent };
      if (Date.now() >= deadline) return await handOff(deps, current.id);
      // SQLite answers synchronously underneath, so without a turn of the event loop here the
      // pages would run back to back and no other request would be read until the walk stopped.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } catch (error) {
    await handOff(deps, current.id).catch(() => undefined);
    throw error;
  }
}

async function handOff(deps: DiscoveryDeps, id: string): Promise<void> {
  await deps.store.releaseMessage(id);
  deps.outboxWritten?.();
}

/**
 * The request's share of a walk. The change is already committed when this runs, so a failure
 * here does not fail the request: the walk's message is still queued and the relay runs it.
 */
export async function startWalk(deps: DiscoveryDeps, message: WalkMessage): Promise<void> {
  try {
    await runWalk(deps, message, tuning(deps).inlineMs);
  } catch (error) {
    deps.logger?.warn({ walkId: message.id, tenantId: message.payload.tenantId, err: String(error) }, 'tenant walk left to the outbox relay');
  }
}

/** The relay's share: whatever a request left, or a walk whose runner died. */
export function tenantWalkHandler(deps: () => DiscoveryDeps) {
  return (message: { id: string; payload: unknown; traceParent: string | null }) =>
    runWalk(deps(), { id: message.id, payload: message.payload as TenantWalk, traceParent: message.traceParent }, tuning(deps()).relayMs);
}
