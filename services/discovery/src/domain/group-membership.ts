/**
 * Discovery's mirror of the members of every group an assignment targets. Identity owns the
 * groups; discovery subscribes to each group's member changes (contracts/notifications.ts),
 * lists the members once the subscription exists, and from then on applies the deltas
 * identity pushes, so resolving a device's profile never calls identity.
 *
 * Subscribe comes before the listing: a change made between the two is either in the listing
 * or delivered afterwards, and deltas are idempotent, so applying one the listing already
 * holds changes nothing.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { GRAPH_RESOURCE, MAX_SUBSCRIPTION_MINUTES, SUBSCRIPTION_VALIDATION_TIMEOUT_MS } from '@baton/contracts';
import type { Fetch, SecretBox } from '@baton/kit';
import type { Logger } from 'pino';
import type { DiscoveryStore, GroupMember, GroupWatch } from '../store/types.js';
import type { GroupWatcher } from './deps.js';
import type { TokenSource } from './organization.js';

export const NOTIFICATIONS_PATH = '/ztd/v1/notifications';
/** Renew when less than this is left, so one failed renewal still leaves a day to retry. */
export const RENEW_BEFORE_MS = 24 * 60 * 60_000;
const SUBSCRIPTION_MS = MAX_SUBSCRIPTION_MINUTES * 60_000;
/** A listing longer than this many pages is treated as a faulty peer, not followed forever. */
const MAX_PAGES = 10_000;
/** A listing that raced with this many deltas in a row is left for the next tick. */
const MAX_SYNC_ROUNDS = 3;
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface GroupMembershipOptions {
  store: DiscoveryStore;
  box: SecretBox;
  tokens: TokenSource;
  fetch: Fetch;
  identityUrl: string;
  /** Where identity delivers; read at each subscribe, since a listener's port may be known late. */
  notificationUrl: () => string;
  /** Told which devices' memberships changed, to record their profile change. */
  membershipChanged: (tenantId: string, deviceIds: string[]) => Promise<void>;
  now?: () => Date;
  logger?: Logger;
  /** Timeout of each call to identity other than subscribe (whose validation may take its own). */
  requestTimeoutMs?: number;
}

export interface DeliveryOutcome {
  applied: number;
  ignored: number;
}

class IdentityCallError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class GroupMembership implements GroupWatcher {
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Deltas applied per group while a listing was in flight: the listing may predate them. */
  private readonly generations = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(private readonly options: GroupMembershipOptions) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Echoed by identity in every notification; only discovery's key can produce it. */
  clientState(tenantId: string, groupId: string): string {
    return this.options.box.digest(`group-members-notification:${tenantId.toLowerCase()}:${groupId.toLowerCase()}`);
  }

  /** One operation per group at a time, so a retry and an assignment never subscribe twice. */
  private exclusive<T>(tenantId: string, groupId: string, work: () => Promise<T>): Promise<T> {
    const key = `${tenantId}|${groupId}`;
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    const settled = next.catch(() => undefined);
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return next;
  }

  async watch(tenantId: string, groupId: string): Promise<void> {
    const tid = tenantId.toLowerCase();
    const gid = groupId.toLowerCase();
    await this.exclusive(tid, gid, () => this.ensure(tid, gid));
  }

  async release(tenantId: string, groupId: string): Promise<void> {
    const tid = tenantId.toLowerCase();
    const gid = groupId.toLowerCase();
    await this.exclusive(tid, gid, () => this.unwatch(tid, gid));
  }

  private async ensure(tenantId: string, groupId: string): Promise<void> {
    const { store } = this.options;
    let watch: GroupWatch = (await store.getGroupWatch(tenantId, groupId)) ?? {
      tenantId,
      groupId,
      subscriptionId: null,
      expirationDateTime: null,
      synced: false,
      lastError: null,
    };
    try {
      const expired = watch.expirationDateTime !== null && Date.parse(watch.expirationDateTime) <= this.now().getTime();
      if (!watch.subscriptionId || expired) {
        // Changes made while no subscription existed were never delivered: the mirror must be listed again.
        watch = { ...watch, subscriptionId: null, expirationDateTime: null, synced: false };
        const created = await this.subscribe(tenantId, groupId);
        watch = { ...watch, ...created, lastError: null };
        await store.putGroupWatch(watch, this.now().toISOString());
      }
      if (!watch.synced) {
        await this.sync(tenantId, groupId);
        watch = { ...watch, synced: true, lastError: null };
        await store.putGroupWatch(watch, this.now().toISOString());
      }
    } catch (error) {
      this.options.logger?.warn({ tenantId, groupId, err: String(error) }, 'group watch: identity call failed; retrying later');
      await store.putGroupWatch({ ...watch, lastError: String(error) }, this.now().toISOString());
    }
  }

  private async unwatch(tenantId: string, groupId: string): Promise<void> {
    const { store } = this.options;
    if (await store.isGroupTargeted(tenantId, groupId)) return;
    const watch = await store.getGroupWatch(tenantId, groupId);
    if (!watch) return;
    if (watch.subscriptionId) {
      try {
        await this.call(tenantId, 'DELETE', `/graph/v1.0/subscriptions/${encodeURIComponent(watch.subscriptionId)}`, undefined, [204, 404]);
      } catch (error) {
        // Kept, so the next tick deletes it; an orphan subscription would keep identity delivering.
        await store.putGroupWatch({ ...watch, lastError: String(error) }, this.now().toISOString());
        return;
      }
    }
    const members = await store.replaceGroupMembers(tenantId, groupId, []);
    await store.deleteGroupWatch(tenantId, groupId);
    await this.options.membershipChanged(tenantId, members);
  }

  /** Subscribes to the group's members, for the longest lifetime identity grants. */
  private async subscribe(tenantId: string, groupId: string): Promise<{ subscriptionId: string; expirationDateTime: string }> {
    const expirationDateTime = new Date(this.now().getTime() + SUBSCRIPTION_MS).toISOString();
    const body = await this.call(
      tenantId,
      'POST',
      '/graph/v1.0/subscriptions',
      {
        changeType: 'updated',
        notificationUrl: this.options.notificationUrl(),
        resource: `groups/${groupId}/members`,
        expirationDateTime,
        clientState: this.clientState(tenantId, groupId),
      },
      [201],
      // Identity validates the endpoint before it answers, which may take the whole validation timeout.
      SUBSCRIPTION_VALIDATION_TIMEOUT_MS + (this.options.requestTimeoutMs ?? 10_000),
    );
    if (!isObject(body) || typeof body.id !== 'string' || body.id.length === 0 || body.id.length > 200) {
      throw new Error('identity answered a subscription without an id');
    }
    const granted = typeof body.expirationDateTime === 'string' && !Number.isNaN(Date.parse(body.expirationDateTime));
    return { subscriptionId: body.id, expirationDateTime: granted ? new Date(body.expirationDateTime as string).toISOString() : expirationDateTime };
  }

  /** Lists the group's device members and replaces the mirror with them. */
  private async sync(tenantId: string, groupId: string): Promise<void> {
    const key = `${tenantId}|${groupId}`;
    for (let round = 0; round < MAX_SYNC_ROUNDS; round++) {
      const generation = this.generations.get(key) ?? 0;
      const members = await this.listMembers(tenantId, groupId);
      if ((this.generations.get(key) ?? 0) !== generation) continue;
      const before = await this.options.store.replaceGroupMembers(tenantId, groupId, members);
      this.generations.delete(key);
      await this.options.membershipChanged(tenantId, [...before, ...members.map((m) => m.deviceId)]);
      return;
    }
    throw new Error('the member listing kept racing with notifications');
  }

  private async listMembers(tenantId: string, groupId: string): Promise<GroupMember[]> {
    const members: GroupMember[] = [];
    let path: string | undefined = `/graph/v1.0/groups/${groupId}/members?$select=id,deviceId`;
    for (let page = 0; path !== undefined; page++) {
      if (page >= MAX_PAGES) throw new Error('the member listing did not end');
      const body = await this.call(tenantId, 'GET', path, undefined, [200]);
      if (!isObject(body) || !Array.isArray(body.value)) throw new Error('identity answered a member listing without value');
      for (const item of body.value) {
        const member = deviceMember(item);
        if (member) members.push(member);
      }
      const next = body['@odata.nextLink'];
      path = typeof next === 'string' ? this.sameOriginPath(next) : undefined;
    }
    return members;
  }

  /** A next link elsewhere would carry discovery's token to another host: refused. */
  private sameOriginPath(link: string): string {
    const url = new URL(link, this.options.identityUrl);
    if (url.origin !== new URL(this.options.identityUrl).origin) throw new Error('identity sent a next link to another origin');
    return `${url.pathname}${url.search}`;
  }

  private async call(
    tenantId: string,
    method: string,
    path: string,
    body: unknown,
    expected: number[],
    timeoutMs = this.options.requestTimeoutMs ?? 10_000,
  ): Promise<unknown> {
    const token = await this.options.tokens.token(tenantId, `${GRAPH_RESOURCE}/.default`);
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'client-request-id': randomUUID() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.options.fetch(`${this.options.identityUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!expected.includes(response.status)) {
      const detail = (await response.text().catch(() => '')).slice(0, 300);
      throw new IdentityCallError(response.status, `identity answered ${response.status} to ${method} ${path.split('?')[0]}: ${detail}`);
    }
    if (response.status === 204 || response.status === 404) {
      await response.body?.cancel().catch(() => undefined);
      return undefined;
    }
    return response.json();
  }

  /**
   * Brings every targeted group to a subscribed, listed state and drops watches no assignment
   * needs: what start-up and the retry loop run.
   */
  async reconcile(): Promise<void> {
    const { store } = this.options;
    const targeted = await store.targetedGroups();
    const wanted = new Set(targeted.map((t) => `${t.tenantId}|${t.groupId}`));
    const watches = new Map((await store.listGroupWatches()).map((w) => [`${w.tenantId}|${w.groupId}`, w]));
    const at = this.now().getTime();
    for (const { tenantId, groupId } of targeted) {
      const w = watches.get(`${tenantId}|${groupId}`);
      const complete = w && w.subscriptionId && w.synced && (w.expirationDateTime === null || Date.parse(w.expirationDateTime) > at);
      if (!complete) await this.watch(tenantId, groupId);
    }
    for (const [key, w] of watches) if (!wanted.has(key)) await this.release(w.tenantId, w.groupId);
  }

  /** Renews subscriptions with less than a day left; one identity no longer knows is made again. */
  async renewDue(): Promise<number> {
    const { store } = this.options;
    let renewed = 0;
    for (const w of await store.listGroupWatches()) {
      if (!w.subscriptionId || !w.expirationDateTime) continue;
      const left = Date.parse(w.expirationDateTime) - this.now().getTime();
      if (left <= 0 || left >= RENEW_BEFORE_MS) continue;
      const ok = await this.exclusive(w.tenantId, w.groupId, async () => {
        const current = await store.getGroupWatch(w.tenantId, w.groupId);
        if (!current?.subscriptionId) return false;
        const expirationDateTime = new Date(this.now().getTime() + SUBSCRIPTION_MS).toISOString();
        try {
          const body = await this.call(
            w.tenantId,
            'PATCH',
            `/graph/v1.0/subscriptions/${encodeURIComponent(current.subscriptionId)}`,
            { expirationDateTime },
            [200],
          );
          const granted = isObject(body) && typeof body.expirationDateTime === 'string' && !Number.isNaN(Date.parse(body.expirationDateTime));
          await store.putGroupWatch(
            { ...current, expirationDateTime: granted ? new Date(body.expirationDateTime as string).toISOString() : expirationDateTime, lastError: null },
            this.now().toISOString(),
          );
          return true;
        } catch (error) {
          if (error instanceof IdentityCallError && error.status === 404) {
            await store.putGroupWatch({ ...current, subscriptionId: null, expirationDateTime: null, synced: false, lastError: error.message }, this.now().toISOString());
            await this.ensure(w.tenantId, w.groupId);
            return true;
          }
          await store.putGroupWatch({ ...current, lastError: String(error) }, this.now().toISOString());
          return false;
        }
      });
      if (ok) renewed++;
    }
    return renewed;
  }

  /** One pass of the background loop. */
  async tick(): Promise<void> {
    await this.reconcile();
    await this.renewDue();
  }

  start(intervalMs: number): void {
    if (this.timer) return;
    const run = () => {
      if (this.ticking) return;
      this.ticking = this.tick()
        .catch((error) => this.options.logger?.warn({ err: String(error) }, 'group watch: tick failed'))
        .finally(() => (this.ticking = undefined));
    };
    run();
    this.timer = setInterval(run, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    await Promise.all([...this.locks.values()]);
  }

  /**
   * Applies a ChangeNotificationCollection. Items are trusted only when their subscription is
   * one discovery holds and their clientState is the one discovery gave it; anything else is
   * skipped, silently, so a forger learns nothing and identity does not retry it.
   */
  async deliver(collection: unknown[]): Promise<DeliveryOutcome> {
    const outcome: DeliveryOutcome = { applied: 0, ignored: 0 };
    for (const item of collection) {
      const change = await this.authentic(item);
      if (!change) {
        outcome.ignored++;
        continue;
      }
      const { watch, added, removed } = change;
      const key = `${watch.tenantId}|${watch.groupId}`;
      await this.options.store.applyGroupDelta(watch.tenantId, watch.groupId, added, removed.map((r) => r.objectId));
      this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
      await this.options.membershipChanged(watch.tenantId, [...added, ...removed].map((m) => m.deviceId).filter((d) => d !== ''));
      outcome.applied++;
    }
    return outcome;
  }

  private async authentic(item: unknown): Promise<{ watch: GroupWatch; added: GroupMember[]; removed: GroupMember[] } | undefined> {
    if (!isObject(item)) return undefined;
    const { subscriptionId, clientState, resourceData } = item;
    if (typeof subscriptionId !== 'string' || subscriptionId.length === 0 || subscriptionId.length > 200) return undefined;
    if (typeof clientState !== 'string' || clientState.length > 512) return undefined;
    const watch = await this.options.store.findGroupWatchBySubscription(subscriptionId);
    if (!watch || !sameSecret(clientState, this.clientState(watch.tenantId, watch.groupId))) return undefined;
    if (typeof item.tenantId === 'string' && item.tenantId.toLowerCase() !== watch.tenantId) return undefined;
    if (typeof item.resource === 'string' && item.resource.toLowerCase().replace(/^\/+/, '') !== `groups/${watch.groupId}/members`) return undefined;
    if (!isObject(resourceData)) return undefined;
    const delta = resourceData['members@delta'];
    if (!Array.isArray(delta)) return undefined;
    const added: GroupMember[] = [];
    const removed: GroupMember[] = [];
    for (const entry of delta) {
      if (!isObject(entry) || typeof entry.id !== 'string' || entry.id.length === 0 || entry.id.length > 100) continue;
      if (entry['@removed'] !== undefined) {
        const deviceId = typeof entry.deviceId === 'string' && GUID_RE.test(entry.deviceId) ? entry.deviceId.toLowerCase() : '';
        removed.push({ objectId: entry.id.toLowerCase(), deviceId });
        continue;
      }
      const member = deviceMember(entry);
      if (member) added.push(member);
    }
    return { watch, added, removed };
  }
}

/** A listed or added member that is a device with a device id; users and others are not mirrored. */
function deviceMember(item: unknown): GroupMember | undefined {
  if (!isObject(item)) return undefined;
  const type = item['@odata.type'];
  if (type !== undefined && type !== '#microsoft.graph.device') return undefined;
  if (typeof item.id !== 'string' || item.id.length === 0 || item.id.length > 100) return undefined;
  if (typeof item.deviceId !== 'string' || !GUID_RE.test(item.deviceId)) return undefined;
  return { objectId: item.id.toLowerCase(), deviceId: item.deviceId.toLowerCase() };
}
