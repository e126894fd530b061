/**
 * A device's group memberships, for group-targeted compliance policies. Identity owns
 * groups; management asks it over Graph with its own application's token (Directory.Read.All):
 * `devices(deviceId='…')` for the object id, then `devices/{id}/memberOf` and, for a device
 * with a user, `users/{id}/memberOf`. Answers are cached per device for `ttlMs`.
 *
 * Why not a mirror kept by change notifications, as discovery does for profiles: compliance
 * is evaluated when a device checks in or a policy changes, so a lookup at that moment is
 * fresh where it matters, and no lookup happens at all while no assignment targets a group.
 * The cost is one or two Graph calls per device per TTL when groups are targeted; a change
 * of membership takes effect at the device's next evaluation after the TTL, or at once when
 * an administrator changes assignments (`clear()`).
 */
import { GRAPH_RESOURCE } from '@baton/contracts';
import type { Fetch } from '@baton/kit';
import type { ComplianceSubject } from './store.js';

export interface GroupMembership {
  groupsOf(device: ComplianceSubject): Promise<ReadonlySet<string>>;
  /** Forgets cached memberships, so the next evaluation asks again. */
  clear?(): void;
}

export interface TokenSource {
  token(tenantId: string, scope: string): Promise<string>;
}

const MAX_PAGES = 50;

export class IdentityGroupMembership implements GroupMembership {
  private readonly cache = new Map<string, { groups: ReadonlySet<string>; until: number }>();

  constructor(
    private readonly options: { identityUrl: () => string; tokens: TokenSource; fetch: Fetch; ttlMs?: number; now?: () => number },
  ) {}

  async groupsOf(device: ComplianceSubject): Promise<ReadonlySet<string>> {
    const now = (this.options.now ?? Date.now)();
    const key = `${device.tenantId}/${device.azureAdDeviceId}/${device.userId ?? ''}`;
    const cached = this.cache.get(key);
    if (cached && cached.until > now) return cached.groups;
    const token = await this.options.tokens.token(device.tenantId, `${GRAPH_RESOURCE}/.default`);
    const base = `${this.options.identityUrl()}/graph/v1.0`;
    const groups = new Set<string>();
    const object = await this.get(`${base}/devices(deviceId='${encodeURIComponent(device.azureAdDeviceId)}')`, token);
    if (object && typeof object.id === 'string') await this.collect(`${base}/devices/${encodeURIComponent(object.id)}/memberOf`, token, groups);
    if (device.userId) await this.collect(`${base}/users/${encodeURIComponent(device.userId)}/memberOf`, token, groups);
    this.cache.set(key, { groups, until: now + (this.options.ttlMs ?? 5 * 60_000) });
    if (this.cache.size > 100_000) this.cache.delete(this.cache.keys().next().value!);
    return groups;
  }

  /** Forgets cached memberships (after an assignment changes, say). */
  clear(): void {
    this.cache.clear();
  }

  /** The JSON body, or undefined for a 404 (an object identity does not have); other failures throw. */
  private async get(url: string, token: string): Promise<Record<string, unknown> | undefined> {
    const response = await this.options.fetch(url, { headers: { authorization: `Bearer ${token}` } });
    if (response.status === 404) {
      await response.body?.cancel().catch(() => undefined);
      return undefined;
    }
    if (!response.ok) throw new Error(`identity answered ${response.status} to ${new URL(url).pathname}`);
    return (await response.json()) as Record<string, unknown>;
  }

  private async collect(url: string, token: string, into: Set<string>): Promise<void> {
    let next: string | undefined = url;
    for (let page = 0; next && page < MAX_PAGES; page++) {
      const body = await this.get(next, token);
      if (!body) return;
      for (const item of Array.isArray(body.value) ? body.value : []) {
        const o = item as Record<string, unknown>;
        if (typeof o.id === 'string' && (o['@odata.type'] === undefined || o['@odata.type'] === '#microsoft.graph.group')) into.add(o.id.toLowerCase());
      }
      next = typeof body['@odata.nextLink'] === 'string' ? body['@odata.nextLink'] : undefined;
    }
  }
}
