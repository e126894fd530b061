/**
 * Configuration's tables in management's database: profiles and their assignments, each
 * device's state of each assigned profile (per-setting states as JSON, the Atomic its pending
 * settings wait for), and when each device's applied settings were last read back for drift.
 */
import type { ManagementDatabase } from '../store/schema.js';

export interface ConfigurationPoliciesTable {
  id: string;
  tenant_id: string;
  odata_type: string;
  display_name: string;
  description: string | null;
  /** JSON: the subtype's own properties. */
  properties: string;
  version: number;
  created_at: string;
  modified_at: string;
}

export interface ConfigurationAssignmentsTable {
  id: string;
  policy_id: string;
  tenant_id: string;
  /** The Graph target object as JSON. */
  target: string;
}

export interface ConfigurationStatesTable {
  enrollment_id: string;
  policy_id: string;
  tenant_id: string;
  policy_version: number;
  /** Graph complianceStatus of the policy on the device. */
  state: string;
  /** JSON: SettingState[] */
  settings: string;
  /** A digest of `settings`: a fan-out compares states by it without reading them. */
  fingerprint: string;
  command_id: string | null;
  updated_at: string;
}

export interface ConfigurationChecksTable {
  enrollment_id: string;
  checked_at: string;
  /** JSON: the drift reads outstanding, [{ commandId, policyId, omaUri }], or null. */
  reads: string | null;
}

export interface ConfigurationDatabase extends ManagementDatabase {
  configuration_policies: ConfigurationPoliciesTable;
  configuration_assignments: ConfigurationAssignmentsTable;
  configuration_states: ConfigurationStatesTable;
  configuration_checks: ConfigurationChecksTable;
}
