/**
 * A fleet of mixed modes, arranged as an administrator would: self-deploying devices are
 * registered with the group tag `SelfDeploying`, a dynamic device group in identity collects
 * them, and a shared (self-deploying) profile is assigned to that group. The other devices
 * keep the demo's all-devices user-driven profile.
 */
import type { Fetch } from '@baton/kit';
import { SeededRandom, type ProvisioningMode } from '@baton/device';
import { adminToken, graphJson, type DemoInfo } from '../host/demo.js';

export const SELF_DEPLOYING_TAG = 'SelfDeploying';
const PROFILE_NAME = 'Baton demo: self-deploying';

/** `user=0.7,self=0.3` → the self-deploying share (0..1). */
export function parseModes(text: string): number {
  const shares: Record<string, number> = {};
  for (const part of text.split(',')) {
    const [name, value] = part.split('=').map((s) => s.trim());
    if ((name !== 'user' && name !== 'self') || value === undefined || !/^\d*\.?\d+$/.test(value)) {
      throw new Error(`--modes takes user=<share>,self=<share>, got "${text}"`);
    }
    shares[name] = Number(value);
  }
  const total = (shares.user ?? 0) + (shares.self ?? 0);
  if (!(total > 0)) throw new Error('--modes needs a positive share');
  return (shares.self ?? 0) / total;
}

/** Which device runs which mode: the same for the same seed, share and fleet size. */
export function drawModes(devices: number, seed: number, selfShare: number): ProvisioningMode[] {
  const random = new SeededRandom(`modes:${seed}`);
  return Array.from({ length: devices }, () => (random.nextUint32() / 4294967296 < selfShare ? 'selfDeploying' : 'userDriven'));
}

/** The dynamic group and the shared profile assigned to it; created once per tenant. */
export async function ensureSelfDeployingProfile(demo: DemoInfo, fetch: Fetch): Promise<string> {
  const headers = { authorization: `Bearer ${await adminToken(demo, fetch)}`, 'content-type': 'application/json' };
  const profiles = `${demo.discoveryUrl}/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles`;
  const list = await graphJson(fetch, profiles, { headers });
  const existing = (list.value as Array<{ id: string; displayName: string }>).find((p) => p.displayName === PROFILE_NAME);
  if (existing) return existing.id;
  const group = await graphJson(fetch, `${new URL(demo.authority).origin}/graph/v1.0/groups`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      displayName: 'Autopilot: self-deploying',
      mailNickname: 'autopilot-self-deploying',
      mailEnabled: false,
      securityEnabled: true,
      groupTypes: ['DynamicMembership'],
      membershipRule: `(device.devicePhysicalIds -any (_ -eq "[OrderID]:${SELF_DEPLOYING_TAG}"))`,
      membershipRuleProcessingState: 'On',
    }),
  });
  const profile = await graphJson(fetch, profiles, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
      displayName: PROFILE_NAME,
      description: 'Entra-joined, self-deploying (TPM attestation, no user); seeded by baton simulate --modes.',
      deviceNameTemplate: 'KIOSK-%RAND:5%',
      outOfBoxExperienceSetting: { deviceUsageType: 'shared', userType: 'standard', privacySettingsHidden: true, eulaHidden: true, keyboardSelectionPageSkipped: true, escapeLinkHidden: true },
    }),
  });
  await graphJson(fetch, `${profiles}/${profile.id}/assignments`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: group.id } }),
  });
  return profile.id as string;
}

/**
 * Waits until discovery hands each of these registrations the self-deploying profile: the
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
    if (Date.now() > deadline) throw new Error(`${pending.size} self-deploying devices were not assigned their profile within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
