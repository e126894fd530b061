/**
 * Paths each service serves, relative to its public base URL. Shared so that a
 * service can name another's endpoint in a handoff without importing it.
 */
export const IDENTITY_PATHS = {
  authority: (tenant: string) => `/${tenant}`,
  openidConfiguration: (tenant: string) => `/${tenant}/v2.0/.well-known/openid-configuration`,
  token: (tenant: string) => `/${tenant}/oauth2/v2.0/token`,
  keys: (tenant: string) => `/${tenant}/discovery/v2.0/keys`,
  issuer: (tenant: string) => `/${tenant}/v2.0`,
  drsDiscovery: (tenant: string) => `/enterpriseregistration/${tenant}/Discover?api-version=1.9`,
  join: (tenant: string) => `/enterpriseregistration/${tenant}/EnrollmentServer/device/?api-version=2.0`,
  /** PUT a DeviceComplianceReport (management's application only); the tenant comes from the token. */
  complianceState: (deviceId: string) => `/identity/v1/devices/${deviceId}/compliance`,
  /** TPM key attestation of self-deploying devices: the challenge, then the answer. */
  attestationChallenge: (tenant: string) => `/enterpriseregistration/${tenant}/attestation/challenge`,
  attestationActivate: (tenant: string) => `/enterpriseregistration/${tenant}/attestation/activate`,
  /** Baton's own: a joined device escrows a BitLocker recovery password, signed with its certificate's key. */
  bitLockerKeyEscrow: (tenant: string) => `/enterpriseregistration/${tenant}/DeviceManagement/bitLockerKeys`,
} as const;

export const DISCOVERY_PATHS = {
  lookup: '/ztd/v1/lookup',
  /** identity's application only: which registration holds an endorsement key. */
  endorsementKeyLookup: '/ztd/v1/endorsement-keys/lookup',
} as const;

export const MANAGEMENT_PATHS = {
  discovery: '/EnrollmentServer/Discovery.svc',
  policy: '/EnrollmentServer/Policy.svc',
  enrollment: '/EnrollmentServer/Enrollment.svc',
  omadm: '/ManagementServer/MDM.svc',
} as const;
