/**
 * What the directory knows about a sign-in, in the evaluator's terms: a user's groups and
 * roles, a device object's filter properties. The what-if uses it; so will the token endpoint.
 */
import type { DeviceRecord, IdentityStore, UserRecord } from '../../store/store.js';
import { profileTypeOf } from '../autopilot-mode.js';
import type { ConditionalAccessDevice, SignInIdentity } from './types.js';

/** Entra's Global Administrator role template: Baton's tenant administrators hold it. */
export const GLOBAL_ADMINISTRATOR_ROLE = '62e90394-69f5-4237-9190-012177145e10';

const TRUST_TYPES: Record<string, string> = { azuread: 'AzureAD', serverad: 'ServerAD', workplace: 'Workplace' };

/** A member user with the groups they belong to (Baton's groups do not nest, so direct is transitive). */
export async function userIdentity(store: IdentityStore, tenantId: string, user: UserRecord): Promise<SignInIdentity> {
  const memberships = await store.membershipsOf(tenantId, user.id);
  return {
    kind: 'user',
    userId: user.id,
    groupIds: memberships.map((m) => m.groupId),
    roleTemplateIds: user.isAdmin ? [GLOBAL_ADMINISTRATOR_ROLE] : [],
  };
}

/** A device object as a filter subject; trust types in the spelling filters use. */
export function deviceInfo(device: DeviceRecord): ConditionalAccessDevice {
  return {
    deviceId: device.deviceId,
    displayName: device.displayName,
    deviceOwnership: device.deviceOwnership ?? null,
    enrollmentProfileName: device.enrollmentProfileName ?? null,
    mdmAppId: device.mdmAppId ?? null,
    operatingSystem: device.operatingSystem,
    operatingSystemVersion: device.operatingSystemVersion,
    physicalIds: device.physicalIds,
    profileType: profileTypeOf(device),
    trustType: device.trustType ? (TRUST_TYPES[device.trustType.toLowerCase()] ?? device.trustType) : null,
    isCompliant: device.isCompliant,
    ...(device.extensionAttributes ?? {}),
  };
}
