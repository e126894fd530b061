/**
 * Keeps dynamic group membership materialised in `group_members`, inside the transaction
 * of the write that changes it, so a membership is visible in the same request that made
 * it true (Entra's processing delay of minutes to hours is what this avoids).
 *
 * A write to one object re-evaluates only the groups whose rule reads a property that
 * changed and whose literals the object's new values match (the rule index), plus the
 * groups it already belongs to, which it may have to leave; creating an object considers
 * every group about its kind. A rule change recomputes that one group over the whole
 * directory, in batches.
 *
 * A tenant's active rules live in memory, indexed, for as long as the store's rule stamp
 * is the one they were read under: one point read per write instead of reading and
 * decoding every group whose rule might care, and any replica's group change is seen by
 * the next write on every replica.
 */
import { evaluateRule, RuleIndex } from '@baton/protocols';
import type { DeviceRecord, GroupMemberRecord, GroupRecord, IdentityStore, MemberType, UserRecord } from '../../store/store.js';
import { RuleCache } from './rules.js';
import { changedRuleProperties, subjectOf, type RuleSubject } from './subject.js';

export interface MembershipChange {
  tenantId: string;
  groupId: string;
  memberId: string;
  memberType: MemberType;
  /** The device's deviceId, for device members. */
  deviceId?: string;
  change: 'added' | 'removed';
}

export interface MembershipEngineOptions {
  /** Called once per rule evaluation (tests and benchmarks count them). */
  onEvaluate?: (groupId: string) => void;
  /** Objects read per batch during a full recompute. */
  batchSize?: number;
}

type DirectoryObject = DeviceRecord | UserRecord;

/** One tenant's active rules about one kind of object, as of `stamp`. */
interface TenantRules {
  stamp: string;
  groups: GroupRecord[];
  /** Lower-cased `device.x` → the groups whose rule reads it. */
  byProperty: Map<string, GroupRecord[]>;
  index: RuleIndex<GroupRecord>;
}

/** Tenants whose rules stay cached; beyond it the least recently loaded one is dropped. */
const TENANT_LIMIT = 1000;

export class MembershipEngine {
  readonly rules = new RuleCache();
  private readonly tenants = new Map<string, TenantRules>();

  constructor(private readonly options: MembershipEngineOptions = {}) {}

  /**
   * Brings the object's dynamic memberships up to date after a write. `before` is absent
   * for a created object, `after` for a deleted one (which also leaves static groups).
   */
  async objectChanged(
    tx: IdentityStore,
    tenantId: string,
    type: MemberType,
    before: DirectoryObject | undefined,
    after: DirectoryObject | undefined,
  ): Promise<MembershipChange[]> {
    const object = after ?? before;
    if (!object) return [];
    const deviceId = type === 'device' ? (object as DeviceRecord).deviceId : undefined;
    const change = (groupId: string, kind: MembershipChange['change']): MembershipChange => ({
      tenantId,
      groupId,
      memberId: object.id,
      memberType: type,
      ...(deviceId ? { deviceId } : {}),
      change: kind,
    });
    if (!after) {
      const removed = await tx.deleteMemberships(tenantId, object.id);
      return removed.map((m) => change(m.groupId, 'removed'));
    }
    const subject = subjectOf(type, after);
    const properties = before ? changedRuleProperties(type, subjectOf(type, before), subject) : 'all';
    if (properties !== 'all' && properties.length === 0) return [];
    const rules = await this.tenantRules(tx, tenantId, type);
    const groups = properties === 'all' ? rules.groups : readers(rules, properties);
    if (groups.length === 0) return [];
    const current = new Set(
      (before ? await tx.membershipsOf(tenantId, object.id) : []).filter((m) => m.source === 'dynamic').map((m) => m.groupId),
    );
    // Groups outside both sets hold a rule that is false for the new values and a
    // membership that is already absent: nothing to evaluate, nothing to write.
    const candidates = rules.index.candidates(subject);
    const added: GroupMemberRecord[] = [];
    const removed: string[] = [];
    for (const group of groups) {
      const member = current.has(group.id);
      if (!member && !candidates.has(group)) continue;
      const wants = this.matches(group, subject);
      if (wants && !member) added.push({ groupId: group.id, memberId: object.id, memberType: type, tenantId, source: 'dynamic' });
      else if (!wants && member) removed.push(group.id);
    }
    if (added.length > 0) await tx.insertGroupMembers(added);
    for (const groupId of removed) await tx.deleteGroupMembers(tenantId, groupId, [object.id]);
    return [...added.map((m) => change(m.groupId, 'added')), ...removed.map((g) => change(g, 'removed'))];
  }

  /** The tenant's active rules, read again only when a group change restamped them. */
  private async tenantRules(tx: IdentityStore, tenantId: string, type: MemberType): Promise<TenantRules> {
    const key = `${type}:${tenantId}`;
    // Stamp first, groups second: groups read after a concurrent restamp are newer than the
    // stamp kept with them, which only costs a reload on the next write; the other order
    // could keep old rules under the new stamp.
    const stamp = await tx.ruleStamp(tenantId);
    const cached = this.tenants.get(key);
    if (cached && cached.stamp === stamp) return cached;
    const groups = await tx.findRuleGroups(tenantId, type, 'all');
    const byProperty = new Map<string, GroupRecord[]>();
    for (const group of groups) {
      for (const property of this.rules.get(group.membershipRule!).properties) {
        const list = byProperty.get(property);
        if (list) list.push(group);
        else byProperty.set(property, [group]);
      }
    }
    const loaded: TenantRules = {
      stamp,
      groups,
      byProperty,
      index: new RuleIndex(groups.map((g) => [g, this.rules.get(g.membershipRule!).ast] as const)),
    };
    this.tenants.delete(key);
    if (this.tenants.size >= TENANT_LIMIT) this.tenants.delete(this.tenants.keys().next().value!);
    this.tenants.set(key, loaded);
    return loaded;
  }

  /**
   * Recomputes one group from scratch: after its rule changed, processing resumed, or it
   * became (or stopped being) dynamic. A group without an active rule keeps no dynamic
   * members.
   */
  async recomputeGroup(tx: IdentityStore, group: GroupRecord): Promise<MembershipChange[]> {
    const tenantId = group.tenantId;
    const current = new Set(await tx.groupMemberIds(tenantId, group.id, 'dynamic'));
    const wanted = new Map<string, { type: MemberType; deviceId?: string }>();
    const active = group.membershipRule !== null && group.ruleSubject !== null && group.membershipRuleProcessingState === 'On';
    const batch = this.options.batchSize ?? 1000;
    if (active && group.ruleSubject === 'device') {
      for (let afterId: string | undefined; ; ) {
        const page = await tx.listDevices(tenantId, { afterId, limit: batch });
        for (const d of page) if (this.matches(group, subjectOf('device', d))) wanted.set(d.id, { type: 'device', deviceId: d.deviceId });
        if (page.length < batch) break;
        afterId = page[page.length - 1]!.id;
      }
    } else if (active && group.ruleSubject === 'user') {
      for (let afterId: string | undefined; ; ) {
        const page = await tx.listUsers(tenantId, { afterId, limit: batch });
        for (const u of page) if (this.matches(group, subjectOf('user', u))) wanted.set(u.id, { type: 'user' });
        if (page.length < batch) break;
        afterId = page[page.length - 1]!.id;
      }
    }
    const toAdd = [...wanted].filter(([id]) => !current.has(id));
    const toRemove = [...current].filter((id) => !wanted.has(id));
    await tx.insertGroupMembers(
      toAdd.map(([memberId, m]) => ({ groupId: group.id, memberId, memberType: m.type, tenantId, source: 'dynamic' as const })),
    );
    await tx.deleteGroupMembers(tenantId, group.id, toRemove);
    const changes: MembershipChange[] = toAdd.map(([memberId, m]) => ({
      tenantId,
      groupId: group.id,
      memberId,
      memberType: m.type,
      ...(m.deviceId ? { deviceId: m.deviceId } : {}),
      change: 'added',
    }));
    if (toRemove.length > 0) {
      // Removed members are described by what they are now; objects deleted meanwhile
      // are already gone from the group, so every id here still resolves.
      const devices = new Map(
        group.ruleSubject === 'user' ? [] : (await tx.findDevicesByIds(tenantId, toRemove)).map((d) => [d.id, d.deviceId] as const),
      );
      for (const memberId of toRemove) {
        const deviceId = devices.get(memberId);
        changes.push({
          tenantId,
          groupId: group.id,
          memberId,
          memberType: deviceId ? 'device' : 'user',
          ...(deviceId ? { deviceId } : {}),
          change: 'removed',
        });
      }
    }
    return changes;
  }

  private matches(group: GroupRecord, subject: RuleSubject): boolean {
    this.options.onEvaluate?.(group.id);
    return evaluateRule(this.rules.get(group.membershipRule!).ast, subject);
  }
}

/** The groups whose rule reads one of the properties, each once, in load order. */
function readers(rules: TenantRules, properties: string[]): GroupRecord[] {
  if (properties.length === 1) return rules.byProperty.get(properties[0]!) ?? [];
  const wanted = new Set(properties.flatMap((p) => rules.byProperty.get(p) ?? []));
  return rules.groups.filter((g) => wanted.has(g));
}
