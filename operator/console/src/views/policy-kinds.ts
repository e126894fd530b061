/**
 * Compliance policies and configuration profiles have the same Graph shape (list, assignments,
 * deviceStatuses, deviceStatusOverview); one view serves both, told which by these. Pure.
 */
import { PATHS } from '../graph/paths.js';
import type { Route } from '../routes.js';

export interface PolicyKind {
  kind: 'compliance' | 'configuration';
  /** The list's title; also its table's name. */
  title: string;
  /** One of them, lower case, for sentences. */
  noun: string;
  path: string;
  /** The assignments' type in the policy's `assign` body. */
  assignmentType: string;
  list: Route;
  page(id: string): Route;
}

export const COMPLIANCE: PolicyKind = {
  kind: 'compliance',
  title: 'Compliance policies',
  noun: 'compliance policy',
  path: PATHS.compliancePolicies,
  assignmentType: '#microsoft.graph.deviceCompliancePolicyAssignment',
  list: { page: 'compliance' },
  page: (id) => ({ page: 'compliancePolicy', id }),
};

export const CONFIGURATION: PolicyKind = {
  kind: 'configuration',
  title: 'Configuration profiles',
  noun: 'configuration profile',
  path: PATHS.deviceConfigurations,
  assignmentType: '#microsoft.graph.deviceConfigurationAssignment',
  list: { page: 'configurations' },
  page: (id) => ({ page: 'configurationProfile', id }),
};

export function policyPath(kind: PolicyKind, id: string, part?: 'assignments' | 'assign' | 'deviceStatuses' | 'deviceStatusOverview'): string {
  const base = `${kind.path}/${encodeURIComponent(id)}`;
  return part ? `${base}/${part}` : base;
}
