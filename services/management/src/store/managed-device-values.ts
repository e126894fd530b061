/**
 * The values a Graph managedDevice shows for what an enrollment stores, in one place, for
 * whatever must agree with the managedDevice JSON (routes/managed-devices.ts).
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
