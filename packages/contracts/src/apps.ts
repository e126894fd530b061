/**
 * Well-known applications and permissions. Identity registers these applications in
 * every tenant; services accept tokens whose audience names one of them.
 * Role names follow Microsoft Graph's permission names so that administrators read
 * them the way they already do.
 */

/** Audience of Graph-shaped admin calls, served by all three services. */
export const GRAPH_RESOURCE = 'https://graph.baton.local';

/** Audience of MS-MDE2 enrollment tokens: management's MDM application. */
export const MDM_RESOURCE = 'https://enrollment.manage.baton.local';

/** Audience of device registration (MS-DVRJ join), owned by identity. */
export const DRS_RESOURCE = 'urn:ms-drs:enterpriseregistration.baton.local';

/** Fixed client id of the public client a device's OOBE signs the user in with. */
export const DEVICE_AGENT_CLIENT_ID = '8f1a4f36-3b8f-4bd6-9c1e-0b47d6a2b0a1';

/** Fixed application ids of Baton's own services, the same in every tenant. */
export const SERVICE_APP_IDS = {
  discovery: 'a7d3c5e2-1f2b-4c39-9e35-5d0e6b1f0d11',
  identity: 'b2c9e6a1-4d8f-4f1e-8a77-3c2d1e0f9a22',
  management: 'c5e8f1b3-7a2c-4e9d-b1f6-2e4d3c1b0a33',
} as const;

export type ServiceName = keyof typeof SERVICE_APP_IDS;
export const SERVICE_NAMES: readonly ServiceName[] = ['discovery', 'identity', 'management'];

/** Application permissions (app roles), spelled as Graph spells them. */
export const ROLES = {
  autopilotReadWrite: 'DeviceManagementServiceConfig.ReadWrite.All',
  devicesReadWrite: 'Device.ReadWrite.All',
  managedDevicesReadWrite: 'DeviceManagementManagedDevices.ReadWrite.All',
  configurationReadWrite: 'DeviceManagementConfiguration.ReadWrite.All',
  usersReadWrite: 'User.ReadWrite.All',
  groupsReadWrite: 'Group.ReadWrite.All',
  directoryRead: 'Directory.Read.All',
  auditLogRead: 'AuditLog.Read.All',
  conditionalAccessReadWrite: 'Policy.ReadWrite.ConditionalAccess',
  appsReadWrite: 'DeviceManagementApps.ReadWrite.All',
  applicationsReadWrite: 'Application.ReadWrite.All',
  appRoleAssignmentsReadWrite: 'AppRoleAssignment.ReadWrite.All',
  brandingReadWrite: 'OrganizationalBranding.ReadWrite.All',
  /** BitLocker recovery keys' metadata, never the key (Graph spells it `Bitlocker`). */
  bitLockerKeyReadBasic: 'BitlockerKey.ReadBasic.All',
  /** BitLocker recovery keys, the 48-digit recovery password included. */
  bitLockerKeyRead: 'BitlockerKey.Read.All',
} as const;

export type RoleName = (typeof ROLES)[keyof typeof ROLES];

/** Roles each service's own application holds in every tenant. */
export const SERVICE_APP_ROLES: Record<ServiceName, RoleName[]> = {
  discovery: [ROLES.devicesReadWrite, ROLES.directoryRead],
  identity: [ROLES.autopilotReadWrite],
  management: [ROLES.devicesReadWrite, ROLES.directoryRead],
};

/** Roles the demo tenant's admin application holds. */
export const ADMIN_APP_ROLES: RoleName[] = Object.values(ROLES);
