/**
 * The explicit handoffs of the provisioning chain. Each one is a message a service
 * answers a device with, naming the next service: discovery names identity,
 * identity names management. The device is configured with discovery's URL only.
 */

/** What a booting device sends discovery: its 4K hardware hash (base64) and serial. */
export interface DeviceLookupRequest {
  hardwareHash: string;
  serialNumber?: string;
}

/**
 * The profile as Windows consumes it from AutopilotConfigurationFile.json
 * (the names are Windows', hence the PascalCase).
 */
export interface AutopilotConfigurationFile {
  Comment_File: string;
  Version: number;
  ZtdCorrelationId: string;
  CloudAssignedTenantId: string;
  CloudAssignedTenantDomain: string;
  CloudAssignedDeviceName?: string;
  CloudAssignedOobeConfig: number;
  CloudAssignedDomainJoinMethod: number;
  CloudAssignedForcedEnrollment: number;
  CloudAssignedLanguage?: string;
  CloudAssignedAadServerData: string;
  CloudAssignedAutopilotUpdateDisabled: number;
  CloudAssignedAutopilotUpdateTimeout: number;
}

export interface OobeBranding {
  companyName: string;
  backgroundColor?: string;
  bannerLogoUrl?: string;
  signInPageText?: string;
}

/** discovery → identity: where to authenticate and join. */
export interface IdentityHandoff {
  tenantId: string;
  tenantDomain: string;
  /** e.g. https://baton.example/{tenantId}; `${authority}/v2.0/.well-known/openid-configuration` is OIDC discovery. */
  authority: string;
  /** MS-DVRD style discovery document naming the join endpoint. */
  deviceRegistrationDiscoveryUrl: string;
}

export interface DeviceLookupResponse {
  /** Discovery's registration id for the device (Graph's ZTDId). */
  ztdId: string;
  serialNumber: string;
  groupTag?: string;
  deploymentProfile: {
    id: string;
    displayName: string;
    deviceUsageType: 'singleUser' | 'shared';
    /**
     * The profile's Graph `preprovisioningAllowed`: a technician may pre-provision the device
     * (TPM attestation and device setup before the user, then reseal). Baton's own field: the
     * profile file Windows downloads carries no documented key for it.
     */
    preprovisioningAllowed: boolean;
    configuration: AutopilotConfigurationFile;
  };
  branding: OobeBranding;
  identity: IdentityHandoff;
}

/** MS-DVRD discovery document, the subset Baton serves. */
export interface DeviceRegistrationDiscovery {
  DeviceRegistrationService: { RegistrationEndpoint: string; RegistrationResourceId: string; ServiceVersion: string };
  AuthenticationService: { OAuth2: { AuthCodeEndpoint: string; TokenEndpoint: string } };
  DeviceJoinService: { JoinEndpoint: string; JoinResourceId: string; ServiceVersion: string };
  TenantInfo: { TenantId: string; TenantName: string; DisplayName: string };
  /** Baton extension: where a self-deploying device attests its TPM before it joins. */
  DeviceAttestationService?: { ChallengeEndpoint: string; ActivateEndpoint: string };
  /** Baton extension: where a joined device escrows its BitLocker recovery passwords. */
  DeviceManagementService?: { BitLockerKeyEscrowEndpoint: string };
}

/** Graph's bitlockerRecoveryKey volumeType members. */
export const BITLOCKER_VOLUME_TYPES = ['operatingSystemVolume', 'fixedDataVolume', 'removableDataVolume', 'unknownFutureValue'] as const;
export type BitLockerVolumeType = (typeof BITLOCKER_VOLUME_TYPES)[number];

/**
 * Baton's own escrow request (no public description of Windows' own was found): the claims of
 * an RS256 JWT the device signs with its join certificate's key, certificate in `x5c`, posted
 * as `{ "request": "<jwt>" }` to DeviceManagementService.BitLockerKeyEscrowEndpoint.
 */
export interface BitLockerKeyEscrowClaims {
  /** The recovery password's key protector id (GUID), shown on the recovery screen. */
  kid: string;
  /** The 48-digit recovery password, eight dash-separated groups of six. */
  key: string;
  vol: BitLockerVolumeType;
  iat: number;
  exp: number;
}

/** MS-DVRJ join request body. */
export interface DeviceJoinRequest {
  CertificateRequest: { Type: 'pkcs10'; Data: string };
  TransportKey: string;
  TargetDomain: string;
  DeviceType: string;
  OSVersion: string;
  DeviceDisplayName: string;
  JoinType: number;
  /** Baton extension: the Autopilot registration the device came from (correlation). */
  ZtdId?: string;
  Attributes?: Record<string, string | boolean>;
  /** Self-deploying: the AIK certificate identity issued after attestation (base64 DER). */
  AikCertificate?: string;
  /** Self-deploying: TPM2_Certify of the CSR's key by the AIK (base64). */
  AttestationData?: string;
}

/** identity → management: the MDM application's URLs registered in the tenant. */
export interface ManagementHandoff {
  appId: string;
  /** MS-MDE2 discovery endpoint (EnrollmentServer/Discovery.svc). */
  discoveryUrl: string;
  termsOfUseUrl?: string;
  complianceUrl?: string;
  /** Audience to request an enrollment token for. */
  resource: string;
}

/** MS-DVRJ join response, plus the management handoff. */
export interface DeviceJoinResponse {
  Certificate: { Thumbprint: string; RawBody: string };
  User?: { Upn: string };
  MembershipChanges: Array<{ LocalSID: string; AddSIDs: string[] }>;
  DeviceId: string;
  ObjectId: string;
  MdmEnrollment: ManagementHandoff;
}

/** OIDs Entra puts in device certificates (MS-DVRJ 3.1.5.1.1.3). */
export const DEVICE_CERT_OIDS = {
  deviceId: '1.2.840.113556.1.5.284.2',
  userObjectId: '1.2.840.113556.1.5.284.3',
  tenantId: '1.2.840.113556.1.5.284.5',
  joinType: '1.2.840.113556.1.5.284.7',
} as const;

/** Fixed CN Windows puts in the join CSR. */
export const JOIN_CSR_COMMON_NAME = '7E980AD9-B86D-4306-9425-9AC066FB014A';

/** OAuth grant a joined device uses to obtain a device-bound token (PRT-like). */
export const DEVICE_JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/**
 * management → identity: the compliance state management evaluated for a device, sent
 * through management's outbox (at least once, possibly out of order). Identity stores it
 * and enforces it in conditional access; `version` makes the write idempotent and keeps a
 * late, older report from overwriting a newer one.
 */
export interface DeviceComplianceReport {
  isCompliant: boolean;
  isManaged: boolean;
  /** When a compliant state lapses unless re-evaluated (Graph's complianceExpirationDateTime). */
  complianceExpirationDateTime?: string | null;
  /** Strictly increasing per device, e.g. the evaluation time in microseconds. */
  version: number;
}

/** Identity's answer: whether this report is now the stored state. */
export interface DeviceComplianceResult {
  applied: boolean;
  /** The version identity holds after the call. */
  version: number;
  isCompliant: boolean | null;
}
