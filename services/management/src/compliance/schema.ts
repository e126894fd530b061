/**
 * Compliance's tables in management's database (migration 0005): policies and their
 * assignments, the latest compliance facts per device, and the evaluation per device and
 * per policy. Same conventions as store/schema.ts: ISO text times, JSON text, integer booleans.
 */
import type { ManagementDatabase } from '../store/schema.js';

export interface CompliancePoliciesTable {
  id: string;
  tenant_id: string;
  display_name: string;
  description: string | null;
  settings: string;
  scheduled_actions: string;
  version: number;
  created_at: string;
  modified_at: string;
}

export interface ComplianceAssignmentsTable {
  id: string;
  policy_id: string;
  tenant_id: string;
  /** The Graph target object as JSON. */
  target: string;
}

/** The latest value of one fact of one device, with when it arrived. */
export interface DeviceFactsTable {
  enrollment_id: string;
  name: string;
  value: string;
  reported_at: string;
}

export interface CompliancePolicyStatesTable {
  enrollment_id: string;
  policy_id: string;
  tenant_id: string;
  state: string;
  settings: string;
  /** When the current noncompliant streak began: the start of the grace period. */
  noncompliant_since: string | null;
  policy_version: number;
  evaluated_at: string;
}

export interface DeviceComplianceTable {
  enrollment_id: string;
  tenant_id: string;
  state: string;
  is_compliant: number;
  grace_expires_at: string | null;
  /** The version of the last report to identity; never goes down. */
  version: number | string;
  evaluated_at: string;
}

export interface ComplianceDatabase extends ManagementDatabase {
  compliance_policies: CompliancePoliciesTable;
  compliance_assignments: ComplianceAssignmentsTable;
  device_facts: DeviceFactsTable;
  compliance_policy_states: CompliancePolicyStatesTable;
  device_compliance: DeviceComplianceTable;
}
