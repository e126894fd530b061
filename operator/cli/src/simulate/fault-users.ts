/**
 * The users some faults need, arranged the way an administrator (or the user) would make
 * them, over Graph and the sign-in pages only: a user locked out by wrong passwords typed on
 * a web sign-in, a user with a TOTP method, a user a conditional access policy blocks from
 * joining devices, a user in a group a BitLocker compliance policy is assigned to. Each is
 * found again on a later run (same names, a password derived from the admin secret), so
 * arranging twice changes nothing. Nothing here touches a device's provisioning: the
 * services record the fault when the device meets it.
 */
import { createHmac } from 'node:crypto';
import { DEVICE_AGENT_CLIENT_ID, DRS_RESOURCE } from '@baton/contracts';
import type { Fetch } from '@baton/kit';
import { totpCode, type FaultUser } from '@baton/device';
import { adminToken, graphJson, type DemoInfo } from '../host/demo.js';

export interface FaultUserTarget {
  demo: Pick<DemoInfo, 'authority' | 'adminApp' | 'user'>;
  /** Identity's and management's public base URLs (Graph is routed to its owner). */
  identityUrl: string;
  managementUrl: string;
  fetch: Fetch;
}

export interface Credentials {
  upn: string;
  password: string;
}

export interface FaultUsers {
  credentials(user: FaultUser): Credentials;
  /** Right before a device signs in as `user`: a lockout that has expired is renewed. */
  beforeSignIn(user: FaultUser): Promise<void>;
}

const GROUP_NAME = 'Baton simulate: noncompliant';
const COMPLIANCE_POLICY_NAME = 'Baton simulate: BitLocker required';
const REGISTER_DEVICE_ACTION = 'urn:user:registerdevice';
const MAX_LOCK_ATTEMPTS = 20;

function domainOf(upn: string): string {
  return upn.slice(upn.indexOf('@') + 1);
}

/** The user's password: derived from the admin secret, so a later run signs in with it again. */
function passwordFor(target: FaultUserTarget, upn: string): string {
  const digest = createHmac('sha256', target.demo.adminApp.clientSecret).update(`fault-user:${upn}`).digest('base64url').slice(0, 20);
  return `Sim-${digest}-7a`;
}

export function faultUserUpn(user: FaultUser, domain: string): string {
  return `sim-${user}@${domain}`;
}

class Arranger {
  private token?: { value: string; at: number };
  private lockRunning?: Promise<void>;

  constructor(private readonly target: FaultUserTarget) {}

  private get identityGraph(): string {
    return `${this.target.identityUrl}/graph/v1.0`;
  }

  private async headers(): Promise<Record<string, string>> {
    // Admin tokens live an hour; a long fleet run asks again well before that.
    if (!this.token || Date.now() - this.token.at > 30 * 60_000) this.token = { value: await adminToken(this.target.demo, this.target.fetch), at: Date.now() };
    return { authorization: `Bearer ${this.token.value}`, 'content-type': 'application/json' };
  }

  private async graph(url: string, init: { method?: string; body?: unknown } = {}): Promise<any> {
    return graphJson(this.target.fetch, url, {
      method: init.method ?? 'GET',
      headers: await this.headers(),
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  }

  credentials(user: FaultUser): Credentials {
    const upn = faultUserUpn(user, domainOf(this.target.demo.user.upn));
    return { upn, password: passwordFor(this.target, upn) };
  }

  async ensureUser(user: FaultUser): Promise<string> {
    const { upn, password } = this.credentials(user);
    const found = await this.graph(`${this.identityGraph}/users?$filter=${encodeURIComponent(`userPrincipalName eq '${upn}'`)}`);
    if (found.value[0]) return found.value[0].id as string;
    const created = await this.graph(`${this.identityGraph}/users`, {
      method: 'POST',
      body: {
        accountEnabled: true,
        displayName: `Simulated user (${user})`,
        mailNickname: `sim-${user}`,
        userPrincipalName: upn,
        passwordProfile: { forceChangePasswordNextSignIn: false, password },
      },
    });
    return created.id as string;
  }

  async arrange(user: FaultUser): Promise<void> {
    const id = await this.ensureUser(user);
    if (user === 'mfa') await this.ensureTotp(id);
    if (user === 'blocked') await this.ensureJoinBlocked(id);
    if (user === 'noncompliant') await this.ensureBitLockerPolicy(id);
    if (user === 'locked') await this.lock();
  }

  private async ensureTotp(userId: string): Promise<void> {
    const base = `${this.identityGraph}/users/${userId}/authentication/softwareOathMethods`;
    if ((await this.graph(base)).value.length > 0) return;
    const started = await this.graph(base, { method: 'POST', body: {} });
    await this.graph(`${base}/${started.id}/verify`, { method: 'POST', body: { code: totpCode(started.secretKey) } });
  }

  private async ensureJoinBlocked(userId: string): Promise<void> {
    const base = `${this.identityGraph}/identity/conditionalAccess/policies`;
    const name = `Baton simulate: block device join for ${this.credentials('blocked').upn}`;
    const existing = (await this.graph(base)).value as Array<{ displayName: string }>;
    if (existing.some((p) => p.displayName === name)) return;
    await this.graph(base, {
      method: 'POST',
      body: {
        displayName: name,
        state: 'enabled',
        conditions: {
          users: { includeUsers: [userId] },
          applications: { includeUserActions: [REGISTER_DEVICE_ACTION] },
          clientAppTypes: ['all'],
        },
        grantControls: { operator: 'OR', builtInControls: ['block'] },
      },
    });
  }

  private async ensureBitLockerPolicy(userId: string): Promise<void> {
    const groups = await this.graph(`${this.identityGraph}/groups?$filter=${encodeURIComponent(`displayName eq '${GROUP_NAME}'`)}`);
    const group =
      groups.value[0] ??
      (await this.graph(`${this.identityGraph}/groups`, {
        method: 'POST',
        body: { displayName: GROUP_NAME, mailNickname: 'baton-sim-noncompliant', mailEnabled: false, securityEnabled: true },
      }));
    const members = (await this.graph(`${this.identityGraph}/groups/${group.id}/members`)).value as Array<{ id: string }>;
    if (!members.some((m) => m.id === userId)) {
      await this.graph(`${this.identityGraph}/groups/${group.id}/members/$ref`, {
        method: 'POST',
        body: { '@odata.id': `${this.identityGraph}/directoryObjects/${userId}` },
      });
    }
    const base = `${this.target.managementUrl}/graph/beta/deviceManagement/deviceCompliancePolicies`;
    const policies = (await this.graph(base)).value as Array<{ id: string; displayName: string }>;
    if (policies.some((p) => p.displayName === COMPLIANCE_POLICY_NAME)) return;
    const policy = await this.graph(base, {
      method: 'POST',
      body: {
        '@odata.type': '#microsoft.graph.windows10CompliancePolicy',
        displayName: COMPLIANCE_POLICY_NAME,
        bitLockerEnabled: true,
        scheduledActionsForRule: [{ ruleName: 'PasswordRequired', scheduledActionConfigurations: [{ actionType: 'block', gracePeriodHours: 0 }] }],
      },
    });
    await this.graph(`${base}/${policy.id}/assign`, {
      method: 'POST',
      body: { assignments: [{ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: group.id } }] },
    });
  }

  /**
   * Wrong passwords on the device-code sign-in page until identity says the account is
   * locked: the page, not the token endpoint, so no device's provisioning records them. An
   * account already locked answers so at once, without another failure counted.
   */
  lock(): Promise<void> {
    this.lockRunning ??= this.lockOnce().finally(() => (this.lockRunning = undefined));
    return this.lockRunning;
  }

  private async lockOnce(): Promise<void> {
    const { fetch, demo } = this.target;
    const { upn } = this.credentials('locked');
    const form = (values: Record<string, string>) => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(values).toString(),
    });
    const code = await fetch(`${demo.authority}/oauth2/v2.0/devicecode`, form({ client_id: DEVICE_AGENT_CLIENT_ID, scope: `${DRS_RESOURCE}/.default` }));
    const { user_code: userCode } = (await code.json()) as { user_code?: string };
    if (!userCode) throw new Error(`device code refused: ${code.status}`);
    const page = await fetch(`${demo.authority}/oauth2/v2.0/devicelogin`, form({ user_code: userCode }));
    const ctx = /name="ctx" value="([^"]+)"/.exec(await page.text())?.[1];
    if (!ctx) throw new Error(`the device-code page offered no sign-in (${page.status})`);
    for (let i = 0; i < MAX_LOCK_ATTEMPTS; i++) {
      const answer = await fetch(`${demo.authority}/oauth2/v2.0/devicelogin/signin`, form({ ctx: decodeHtml(ctx), username: upn, password: 'not-the-password' }));
      if (/temporarily locked/.test(await answer.text())) return;
      if (answer.status === 429) throw new Error(`sign-in rate limit reached while locking ${upn}; retry in ${answer.headers.get('retry-after')} s`);
    }
    throw new Error(`${upn} was not locked after ${MAX_LOCK_ATTEMPTS} wrong passwords`);
  }
}

function decodeHtml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Arranges the users these faults need (once each) and returns their credentials. */
export async function arrangeFaultUsers(target: FaultUserTarget, users: Iterable<FaultUser>): Promise<FaultUsers> {
  const arranger = new Arranger(target);
  for (const user of new Set(users)) await arranger.arrange(user);
  return {
    credentials: (user) => arranger.credentials(user),
    beforeSignIn: async (user) => {
      if (user === 'locked') await arranger.lock();
    },
  };
}
