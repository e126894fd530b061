/**
 * A fleet of mixed modes, arranged as an administrator would: self-deploying devices are
 * registered with the group tag `SelfDeploying`, pre-provisioned ones with `PreProvisioned`;
 * a dynamic device group in identity collects each, and a profile is assigned to that group
 * (shared for self-deploying; single-user with preprovisioningAllowed for pre-provisioning).
 * The other devices keep the demo's all-devices user-driven profile.
 */
import type { Fetch } from '@baton/kit';
import { SeededRandom, type ProvisioningMode } from '@baton/device';
import { adminToken, graphJson, type DemoInfo } from '../host/demo.js';

export const SELF_DEPLOYING_TAG = 'SelfDeploying';
export const PRE_PROVISIONED_TAG = 'PreProvisioned';

/** Each mode's share of the fleet, from 0 to 1, adding up to 1. */
export type ModeShares = Record<ProvisioningMode, number>;

export const USER_DRIVEN_ONLY: ModeShares = { userDriven: 1, selfDeploying: 0, preProvisioned: 0 };

/** The names `--modes` takes for each mode: Graph-like ones, and the short ones it has always taken. */
const MODE_NAMES: Record<string, ProvisioningMode> = {
  userDriven: 'userDriven',
  user: 'userDriven',
  selfDeploying: 'selfDeploying',
  self: 'selfDeploying',
  preProvisioned: 'preProvisioned',
  pre: 'preProvisioned',
};

const MODES_USAGE = '--modes takes <mode>=<share> pairs separated by commas, modes userDriven (user), selfDeploying (self), preProvisioned (pre)';

/**
 * `userDriven=60,selfDeploying=30,preProvisioned=10` or `user=0.7,self=0.3` → each mode's
 * share. Shares are relative (percentages, fractions or counts alike); a mode left out gets none.
 */
export function parseModes(text: string): ModeShares {
  const shares: ModeShares = { userDriven: 0, selfDeploying: 0, preProvisioned: 0 };
  const seen = new Set<ProvisioningMode>();
  for (const part of text.split(',')) {
    const [name, value, extra] = part.split('=').map((s) => s.trim());
    const mode = name === undefined ? undefined : MODE_NAMES[name];
    if (!mode || value === undefined || extra !== undefined) throw new Error(`${MODES_USAGE}; got "${text}"`);
    if (!/^\d*\.?\d+$/.test(value)) throw new Error(`--modes: the share of ${name} must be a number from 0, got "${value}"`);
    if (seen.has(mode)) throw new Error(`--modes names ${mode} twice`);
    seen.add(mode);
    shares[mode] = Number(value);
  }
  const total = shares.userDriven + shares.selfDeploying + shares.preProvisioned;
  if (!(total > 0) || !Number.isFinite(total)) throw new Error('--modes needs a positive share');
  return { userDriven: shares.userDriven / total, selfDeploying: shares.selfDeploying / total, preProvisioned: shares.preProvisioned / total };
}

/**
 * Which device runs which mode: the same for the same seed, shares and fleet size. One draw
 * per device, compared with self-deploying's share first, so that a mix without
 * pre-provisioning draws what it drew before pre-provisioning existed.
 */
export function drawModes(devices: number, seed: number, shares: ModeShares): ProvisioningMode[] {
  const random = new SeededRandom(`modes:${seed}`);
  return Array.from({ length: devices }, () => {
    const u = random.nextUint32() / 4294967296;
    if (u < shares.selfDeploying) return 'selfDeploying';
    return u < shares.selfDeploying + shares.preProvisioned ? 'preProvisioned' : 'userDriven';
  });
}

/** How an administrator sets each non-default mode up: the tag, the group, the profile. */
const ARRANGEMENTS = {
  selfDeploying: {
    tag: SELF_DEPLOYING_TAG,
    group: { displayName: 'Autopilot: self-deploying', mailNickname: 'autopilot-self-deploying' },
    profile: {
      displayName: 'Baton demo: self-deploying',
      description: 'Entra-joined, self-deploying (TPM attestation, no user); seeded by baton simulate --modes.',
      deviceNameTemplate: 'KIOSK-%RAND:5%',
      outOfBoxExperienceSetting: { deviceUsageType: 'shared', userType: 'standard', privacySettingsHidden: true, eulaHidden: true, keyboardSelectionPageSkipped: true, escapeLinkHidden: true },
    },
  },
  preProvisioned: {
    tag: PRE_PROVISIONED_TAG,
    group: { displayName: 'Autopilot: pre-provisioned', mailNickname: 'autopilot-pre-provisioned' },
    profile: {
      displayName: 'Baton demo: pre-provisioned',
      description: 'Entra-joined, user-driven, pre-provisioning allowed (technician flow, reseal, then the user); seeded by baton simulate --modes.',
      deviceNameTemplate: 'STAFF-%RAND:5%',
      preprovisioningAllowed: true,
      outOfBoxExperienceSetting: { deviceUsageType: 'singleUser', userType: 'standard', privacySettingsHidden: true, eulaHidden: true, keyboardSelectionPageSkipped: true, escapeLinkHidden: true },
    },
  },
} as const;

/** The group tag a device of this mode is registered with (undefined: the operator's own). */
export function modeTag(mode: ProvisioningMode): string | undefined {
  return mode === 'userDriven' ? undefined : ARRANGEMENTS[mode].tag;
}

/** The dynamic group and the profile assigned to it for a mode; created once per tenant. */
export async function ensureModeProfile(demo: DemoInfo, fetch: Fetch, mode: Exclude<ProvisioningMode, 'userDriven'>): Promise<string> {
  const arrangement = ARRANGEMENTS[mode];
  const headers = { authorization: `Bearer ${await adminToken(demo, fetch)}`, 'content-type': 'application/json' };
  const profiles = `${demo.discoveryUrl}/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles`;
  const list = await graphJson(fetch, profiles, { headers });
  const existing = (list.value as Array<{ id: string; displayName: string }>).find((p) => p.displayName === arrangement.profile.displayName);
  if (existing) return existing.id;
  const group = await graphJson(fetch, `${new URL(demo.authority).origin}/graph/v1.0/groups`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      ...arrangement.group,
      mailEnabled: false,
      securityEnabled: true,
      groupTypes: ['DynamicMembership'],
      membershipRule: `(device.devicePhysicalIds -any (_ -eq "[OrderID]:${arrangement.tag}"))`,
      membershipRuleProcessingState: 'On',
    }),
  });
  const profile = await graphJson(fetch, profiles, {
    method: 'POST',
    headers,
    body: JSON.stringify({ '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile', ...arrangement.profile }),
  });
  await graphJson(fetch, `${profiles}/${profile.id}/assignments`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: group.id } }),
  });
  return profile.id as string;
}

/**
 * Waits until discovery hands each of these registrations its mode's profile: the
 * group membership travels identity → discovery as a change notification, so a device that
 * boots before it arrives would still get the user-driven profile.
 */
export async function awaitProfile(demo: DemoInfo, fetch: Fetch, ztdIds: string[], profileId: string, timeoutMs = 60_000): Promise<void> {
  const headers = { authorization: `Bearer ${await adminToken(demo, fetch)}` };
  const pending = new Set(ztdIds);
  const deadline = Date.now() + timeoutMs;
  while (pending.size > 0) {
    for (const id of [...pending].slice(0, 50)) {
      const device = await graphJson(fetch, `${demo.discoveryUrl}/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities/${id}?$expand=intendedDeploymentProfile`, { headers });
      if (device.intendedDeploymentProfile?.id === profileId) pending.delete(id);
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) throw new Error(`${pending.size} devices were not assigned their mode's profile within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
