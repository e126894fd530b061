/** Graph paths the console reads, by owning service. */
export const PATHS = {
  autopilotDevices: '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities',
  importCsv: '/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/importCsv',
  profiles: '/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles',
  users: '/graph/v1.0/users',
  groups: '/graph/v1.0/groups',
  devices: '/graph/v1.0/devices',
  managedDevices: '/graph/v1.0/deviceManagement/managedDevices',
  /** rotateBitLockerKeys and setDeviceName exist in beta only. */
  managedDevicesBeta: '/graph/beta/deviceManagement/managedDevices',
  compliancePolicies: '/graph/v1.0/deviceManagement/deviceCompliancePolicies',
  deviceConfigurations: '/graph/v1.0/deviceManagement/deviceConfigurations',
  mobileApps: '/graph/v1.0/deviceAppManagement/mobileApps',
  /** v1.0 leaves out the Enrollment Status Page's settings; beta carries them. */
  enrollmentConfigurations: '/graph/beta/deviceManagement/deviceEnrollmentConfigurations',
  /** Identity's: a device's escrowed BitLocker keys, listed without the key. */
  recoveryKeys: '/graph/v1.0/informationProtection/bitlocker/recoveryKeys',
} as const;
