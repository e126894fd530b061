/**
 * When the placeholder goes to identity again. Identity's device object carries the name of
 * the device's Autopilot profile (enrollmentProfileName), which dynamic groups read, so a
 * change that gives a device another profile, or renames the one it has, queues its
 * placeholder in the transaction of that change. The queued message is only a pointer: the
 * outbox handler works the name out when it sends.
 */
import { TOPICS } from '@baton/contracts';
import type { AutopilotDevice, DeploymentProfile, OutboxWrite } from '../store/types.js';
import { tenantResolver } from './profile-resolution.js';
import type { DiscoveryDeps } from './deps.js';
import { placeholderMessage } from './registration.js';

export function placeholderResend(device: AutopilotDevice, traceParent?: string): OutboxWrite {
  return { topic: TOPICS.placeholderDeviceRequested, payload: placeholderMessage(device), traceParent };
}

/**
 * Whether identity may hold another name than `name`. A placeholder not delivered yet counts:
 * its pending message may have read the name before this change committed.
 */
export function needsPlaceholder(device: AutopilotDevice, name: string | null): boolean {
  return !device.placeholderDelivered || device.placeholderProfileName !== name;
}

/** The placeholders a profile's new display name must reach: the devices whose profile it is. */
export async function renamedProfileResends(deps: DiscoveryDeps, profile: DeploymentProfile, traceParent?: string): Promise<OutboxWrite[]> {
  const resolver = await tenantResolver(deps, profile.tenantId);
  if (!resolver.entries.some((e) => e.profile.id === profile.id)) return [];
  const messages: OutboxWrite[] = [];
  for await (const batch of deps.store.allDevices(profile.tenantId)) {
    const groups = await deps.store.groupsOfDevices(profile.tenantId, batch.map((d) => d.azureActiveDirectoryDeviceId));
    for (const device of batch) {
      if (resolver.resolve(groups.get(device.azureActiveDirectoryDeviceId))?.profile.id !== profile.id) continue;
      if (needsPlaceholder(device, profile.displayName)) messages.push(placeholderResend(device, traceParent));
    }
  }
  return messages;
}
