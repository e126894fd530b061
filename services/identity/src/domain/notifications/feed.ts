/**
 * The one door every directory write goes through after it changed an object: it brings
 * dynamic memberships up to date and writes the change notifications subscribers asked
 * for, all in the writer's transaction, so a notification exists exactly when the change
 * committed. The outbox relay delivers them afterwards.
 */
import type { ChangeNotification, ChangeType } from '@baton/contracts';
import { outboxRow } from '@baton/kit';
import type { DeviceRecord, GroupRecord, IdentityStore, SubscriptionRecord, UserRecord } from '../../store/store.js';
import type { MembershipChange, MembershipEngine } from '../membership/engine.js';

export const CHANGE_NOTIFICATION_TOPIC = 'identity.changeNotification.deliver';

/** What the outbox holds; clientState and expiry are filled in at delivery, from the live subscription. */
export interface StoredNotifications {
  subscriptionId: string;
  tenantId: string;
  value: ChangeNotification[];
}

interface Event {
  /** Canonical subscription resources this event is visible on. */
  on: string[];
  changeType: ChangeType;
  notification: Omit<ChangeNotification, 'subscriptionId' | 'clientState' | 'subscriptionExpirationDateTime'>;
}

export class DirectoryFeed {
  constructor(
    readonly engine: MembershipEngine,
    private readonly now: () => Date,
    /** Called after a transaction that wrote notifications committed. */
    private readonly wake: () => void = () => {},
  ) {}

  async deviceWritten(
    tx: IdentityStore,
    tenantId: string,
    before: DeviceRecord | undefined,
    after: DeviceRecord | undefined,
  ): Promise<MembershipChange[]> {
    const membership = await this.engine.objectChanged(tx, tenantId, 'device', before, after);
    const device = (after ?? before)!;
    const changeType: ChangeType = !before ? 'created' : !after ? 'deleted' : 'updated';
    const events: Event[] = [
      {
        on: ['devices'],
        changeType,
        notification: {
          changeType,
          resource: `devices/${device.id}`,
          tenantId,
          resourceData: { '@odata.type': '#microsoft.graph.device', '@odata.id': `devices/${device.id}`, id: device.id, deviceId: device.deviceId },
        },
      },
      ...membershipEvents(tenantId, membership),
    ];
    await this.publish(tx, tenantId, events);
    return membership;
  }

  async userWritten(tx: IdentityStore, tenantId: string, before: UserRecord | undefined, after: UserRecord | undefined) {
    const membership = await this.engine.objectChanged(tx, tenantId, 'user', before, after);
    await this.publish(tx, tenantId, membershipEvents(tenantId, membership));
    return membership;
  }

  /** A group itself was created, updated or deleted, with the membership that caused. */
  async groupWritten(tx: IdentityStore, tenantId: string, changeType: ChangeType, group: GroupRecord, membership: MembershipChange[]) {
    const event: Event = {
      on: ['groups'],
      changeType,
      notification: {
        changeType,
        resource: `groups/${group.id}`,
        tenantId,
        resourceData: { '@odata.type': '#microsoft.graph.group', '@odata.id': `groups/${group.id}`, id: group.id },
      },
    };
    await this.publish(tx, tenantId, [event, ...membershipEvents(tenantId, membership)]);
  }

  async membershipChanged(tx: IdentityStore, tenantId: string, membership: MembershipChange[]) {
    await this.publish(tx, tenantId, membershipEvents(tenantId, membership));
  }

  /** Lets the relay deliver now instead of at its next poll. */
  committed(): void {
    this.wake();
  }

  private async publish(tx: IdentityStore, tenantId: string, events: Event[]): Promise<void> {
    if (events.length === 0) return;
    const resources = [...new Set(events.flatMap((e) => e.on))];
    const at = this.now().toISOString();
    const subscriptions = await tx.subscriptionsOn(tenantId, resources, at);
    if (subscriptions.length === 0) return;
    const rows = subscriptions.flatMap((s) => {
      const value = events.filter((e) => e.on.includes(s.resource) && s.changeTypes.includes(e.changeType)).map((e) => stamp(s, e));
      if (value.length === 0) return [];
      const payload: StoredNotifications = { subscriptionId: s.id, tenantId, value };
      return [outboxRow(CHANGE_NOTIFICATION_TOPIC, payload, null, at)];
    });
    await tx.enqueue(rows);
  }
}

function stamp(s: SubscriptionRecord, e: Event): ChangeNotification {
  return { subscriptionId: s.id, clientState: s.clientState, subscriptionExpirationDateTime: s.expiresAt, ...e.notification };
}

/** One `members@delta` notification per group, visible on `groups` and on that group's members. */
function membershipEvents(tenantId: string, changes: MembershipChange[]): Event[] {
  const byGroup = new Map<string, MembershipChange[]>();
  for (const c of changes) byGroup.set(c.groupId, [...(byGroup.get(c.groupId) ?? []), c]);
  return [...byGroup].map(([groupId, list]) => ({
    on: ['groups', `groups/${groupId}/members`],
    changeType: 'updated' as const,
    notification: {
      changeType: 'updated' as const,
      resource: `groups/${groupId}/members`,
      tenantId,
      resourceData: {
        '@odata.type': '#microsoft.graph.group' as const,
        '@odata.id': `groups/${groupId}`,
        id: groupId,
        'members@delta': list.map((c) => ({
          '@odata.type': c.memberType === 'device' ? ('#microsoft.graph.device' as const) : ('#microsoft.graph.user' as const),
          id: c.memberId,
          ...(c.deviceId ? { deviceId: c.deviceId } : {}),
          ...(c.change === 'removed' ? { '@removed': { reason: 'deleted' as const } } : {}),
        })),
      },
    },
  }));
}
