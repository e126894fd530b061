/**
 * The values a Graph managedDevice shows for what an enrollment stores, in one place: the
 * managedDevice JSON (routes/managed-devices.ts) and `$filter`/`$orderby` in SQL
 * (odata-maps.ts) read them both, so a filter finds exactly what the JSON says.
 */
import type { ManagementState } from './schema.js';

/** Graph's managementState has no "enrolling" or "retired": the nearest values it does have. */
export const MANAGEMENT_STATE: Record<ManagementState, string> = {
  enrolling: 'discovered',
  managed: 'managed',
  retired: 'retireIssued',
  wipePending: 'wipePending',
  wipeIssued: 'wipeIssued',
  wipeFailed: 'wipeFailed',
  retirePending: 'retirePending',
  retireIssued: 'retireIssued',
  retireFailed: 'retireFailed',
};

/** Every device Baton manages is a Windows PC enrolled as an MDM client. */
export const OPERATING_SYSTEM = 'Windows';
export const MANAGEMENT_AGENT = 'mdm';

/** A device never evaluated (no policy assigned yet, no facts yet): Graph's default. */
export const UNEVALUATED_COMPLIANCE = 'unknown';

// Graph's enum members as its (beta) managedDevice reference lists them,
// in declared order, which is their value order.

export const COMPLIANCE_STATES = ['unknown', 'compliant', 'noncompliant', 'conflict', 'error', 'inGracePeriod', 'configManager'] as const;

export const MANAGEMENT_STATES = [
  'managed',
  'retirePending',
  'retireFailed',
  'wipePending',
  'wipeFailed',
  'unhealthy',
  'deletePending',
  'retireIssued',
  'wipeIssued',
  'wipeCanceled',
  'retireCanceled',
  'discovered',
] as const;

export const MANAGEMENT_AGENTS = [
  'eas',
  'mdm',
  'easMdm',
  'intuneClient',
  'easIntuneClient',
  'configurationManagerClient',
  'configurationManagerClientMdm',
  'configurationManagerClientMdmEas',
  'unknown',
  'jamf',
  'googleCloudDevicePolicyController',
  'microsoft365ManagedMdm',
  'msSense',
  'intuneAosp',
  'google',
  'unknownFutureValue',
] as const;
