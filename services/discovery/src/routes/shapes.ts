/** Discovery's records as Graph spells them. */
import type { SecretBox } from '@baton/kit';
import type { AutopilotDevice, ImportedDeviceIdentity } from '../store/types.js';
import type { DeviceProfileView } from '../domain/profile-resolution.js';
import type { GraphVersion } from './context.js';

/** Graph's value for a DateTimeOffset that never happened (the property is not nullable). */
const NEVER = '0001-01-01T00:00:00Z';
const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

export function renderDevice(device: AutopilotDevice, version: GraphVersion, view: DeviceProfileView | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {
    '@odata.type': '#microsoft.graph.windowsAutopilotDeviceIdentity',
    id: device.id,
    groupTag: device.groupTag ?? '',
    purchaseOrderIdentifier: device.purchaseOrderIdentifier ?? '',
    serialNumber: device.serialNumber,
    productKey: device.productKey ?? '',
    manufacturer: device.manufacturer ?? '',
    model: device.model ?? '',
    enrollmentState: device.enrollmentState,
    lastContactedDateTime: device.lastContactedDateTime ?? NEVER,
    addressableUserName: device.addressableUserName ?? '',
    userPrincipalName: device.userPrincipalName ?? '',
    resourceName: '',
    skuNumber: '',
    systemFamily: '',
    azureActiveDirectoryDeviceId: device.azureActiveDirectoryDeviceId,
    managedDeviceId: EMPTY_GUID,
    displayName: device.displayName ?? '',
  };
  if (version === 'beta') {
    out.azureAdDeviceId = device.azureActiveDirectoryDeviceId;
    out.deploymentProfileAssignmentStatus = view?.status ?? 'notAssigned';
    out.deploymentProfileAssignmentDetailedStatus = 'none';
    out.deploymentProfileAssignedDateTime = view?.assignedDateTime ?? NEVER;
    out.remediationState = 'noRemediationRequired';
    out.remediationStateLastModifiedDateTime = NEVER;
    out.userlessEnrollmentStatus = 'allowed';
  }
  return out;
}

const V1_DEVICE_PROPERTIES = [
  'id', 'groupTag', 'purchaseOrderIdentifier', 'serialNumber', 'productKey', 'manufacturer', 'model', 'enrollmentState',
  'lastContactedDateTime', 'addressableUserName', 'userPrincipalName', 'resourceName', 'skuNumber', 'systemFamily',
  'azureActiveDirectoryDeviceId', 'managedDeviceId', 'displayName',
] as const;

/** What `$select` may name on each version: the properties renderDevice writes. */
export const DEVICE_PROPERTY_NAMES: Record<GraphVersion, readonly string[]> = {
  'v1.0': V1_DEVICE_PROPERTIES,
  beta: [
    ...V1_DEVICE_PROPERTIES,
    'azureAdDeviceId', 'deploymentProfileAssignmentStatus', 'deploymentProfileAssignmentDetailedStatus', 'deploymentProfileAssignedDateTime',
    'remediationState', 'remediationStateLastModifiedDateTime', 'userlessEnrollmentStatus',
  ],
};

export const IMPORTED_PROPERTY_NAMES = [
  'id', 'groupTag', 'serialNumber', 'productKey', 'importId', 'hardwareIdentifier', 'assignedUserPrincipalName', 'state',
] as const;

export function renderImported(imported: ImportedDeviceIdentity, box: SecretBox): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.importedWindowsAutopilotDeviceIdentity',
    id: imported.id,
    groupTag: imported.groupTag ?? '',
    serialNumber: imported.serialNumber ?? '',
    productKey: imported.productKey ?? '',
    importId: imported.importId ?? '',
    hardwareIdentifier: imported.hardwareHashSealed ? box.open(imported.hardwareHashSealed).toString('base64') : null,
    assignedUserPrincipalName: imported.assignedUserPrincipalName ?? '',
    state: {
      '@odata.type': 'microsoft.graph.importedWindowsAutopilotDeviceIdentityState',
      deviceImportStatus: imported.state.deviceImportStatus,
      deviceRegistrationId: imported.state.deviceRegistrationId ?? '',
      deviceErrorCode: imported.state.deviceErrorCode,
      deviceErrorName: imported.state.deviceErrorName ?? '',
    },
  };
}
