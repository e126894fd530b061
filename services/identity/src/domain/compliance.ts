/**
 * Compliance state: management evaluates, identity stores and enforces. Only the tenant's
 * MDM application may write it, and reports arrive through management's outbox (at least
 * once, in any order), so each carries a version and only a newer one is applied.
 */
import { type DeviceComplianceReport, type DeviceComplianceResult } from '@baton/contracts';
import { GraphError } from '@baton/kit';
import { identityGraphErrors } from '../errors.js';
import type { TenantRecord } from '../store/store.js';
import type { IdentityDeps } from './deps.js';
import { getDeviceByDeviceId } from './devices.js';
import { managementHandoff } from './tenants.js';

/** Graph's spelling of the properties only the MDM application writes. */
export const MDM_OWNED_DEVICE_PROPERTIES = ['isCompliant', 'isManaged', 'mdmAppId', 'complianceExpirationDateTime'] as const;

export const complianceErrors = {
  notMdmApplication: () =>
    new GraphError(
      403,
      'Authorization_RequestDenied',
      "Compliance state is written only by the tenant's MDM application; isCompliant, isManaged and mdmAppId cannot be set by other callers.",
    ),
};

/** Throws unless `callerAppId` is the application the tenant registered as its MDM. */
export async function requireMdmApplication(deps: IdentityDeps, tenant: TenantRecord, callerAppId: string | undefined): Promise<string> {
  const handoff = await managementHandoff(deps.store, tenant.id);
  if (!handoff || !callerAppId || callerAppId.toLowerCase() !== handoff.appId) throw complianceErrors.notMdmApplication();
  return handoff.appId;
}

export async function reportCompliance(
  deps: IdentityDeps,
  tenant: TenantRecord,
  callerAppId: string | undefined,
  deviceId: string,
  report: DeviceComplianceReport,
): Promise<DeviceComplianceResult> {
  const mdmAppId = await requireMdmApplication(deps, tenant, callerAppId);
  if (!Number.isSafeInteger(report.version) || report.version < 1) {
    throw identityGraphErrors.invalidValue('version must be a positive whole number below 2^53.');
  }
  const expiration = report.complianceExpirationDateTime ?? null;
  if (expiration !== null && Number.isNaN(Date.parse(expiration))) {
    throw identityGraphErrors.invalidValue('complianceExpirationDateTime is not an ISO 8601 date and time.');
  }
  const at = deps.now().toISOString();
  const result = await deps.store.transaction(async (tx) => {
    const device = await getDeviceByDeviceId(tx, tenant.id, deviceId);
    const state = {
      isCompliant: report.isCompliant,
      isManaged: report.isManaged,
      mdmAppId,
      complianceExpiration: expiration === null ? null : new Date(expiration).toISOString(),
      version: report.version,
      modifiedAt: at,
    };
    const applied = await tx.applyComplianceState(tenant.id, device.id, state);
    if (!applied) {
      return { applied, version: device.complianceVersion ?? 0, isCompliant: device.isCompliant };
    }
    const { version, ...stored } = state;
    // Device filters and subscribers see the change in the same transaction.
    await deps.feed.deviceWritten(tx, tenant.id, device, { ...device, ...stored, complianceVersion: version });
    return { applied, version, isCompliant: report.isCompliant };
  });
  deps.feed.committed();
  return result;
}
