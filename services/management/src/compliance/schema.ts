/**
 * Compliance's tables in management's database (migration 0005): policies and their
 * assignments, the latest compliance facts per device, and the evaluation per device (with
 * the state of each of its policies). Same conventions as store/schema.ts: ISO text times, JSON text, integer booleans.
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

/**
 * The latest value of each compliance fact of one device, as one JSON object per device:
 * evaluation reads a whole tenant's facts, one row per device keeps that a single index range.
 * When each value arrived is a column of its own that evaluation never reads, so devices in
 * the same state hold the same `facts` text (migration 0008 split the older layout).
 */
export interface DeviceFactsTable {
  enrollment_id: string;
  /** JSON: { [fact key]: value }, keys in FACT's order (`factsText`). */
  facts: string;
  /** JSON: { [fact key]: ISO time it arrived } */
  reported_at: string;
  updated_at: string;
}

/**
 * The device's evaluation: its state, what identity was last told (with the version), and the
 * state of each assigned policy with its settings (JSON), so one row answers both the device's
 * deviceCompliancePolicyStates and its line in a policy's deviceStatuses.
 */
export interface DeviceComplianceTable {
  enrollment_id: string;
  tenant_id: string;
  state: string;
  is_compliant: number;
  grace_expires_at: string | null;
  /** The version of the last report to identity; never goes down. */
  version: number | string;
  evaluated_at: string;
  /**
   * JSON: the policy states (policyId, state, settings, noncompliantSince, policyVersion); the
   * device id and evaluation time are this row's. Rows written before 0008 also carry them.
   */
  policies: string;
}

export interface ComplianceDatabase extends ManagementDatabase {
  compliance_policies: CompliancePoliciesTable;
  compliance_assignments: ComplianceAssignmentsTable;
  device_facts: DeviceFactsTable;
  device_compliance: DeviceComplianceTable;
}
