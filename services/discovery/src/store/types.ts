/**
 * The narrow store interface discovery's domain depends on. Records use the domain's
 * names; how they map to columns is the implementation's business.
 */

export type EnrollmentState = 'unknown' | 'enrolled' | 'pendingReset' | 'failed' | 'notContacted' | 'blocked';

export interface AutopilotDevice {
  /** The ZTDId. */
  id: string;
  tenantId: string;
  serialNumber: string;
  /** Sealed with the service's secret box; never stored in clear. */
  hardwareHashSealed: string;
  /** Keyed digest of the hardware identity; unique across every tenant. */
  hardwareIdentityDigest: string;
  productKey: string | null;
  groupTag: string | null;
  purchaseOrderIdentifier: string | null;
  manufacturer: string | null;
  model: string | null;
  userPrincipalName: string | null;
  azureActiveDirectoryDeviceId: string;
  enrollmentState: EnrollmentState;
  lastContactedDateTime: string | null;
  /** Whether identity has confirmed the placeholder device object. */
  placeholderDelivered: boolean;
  createdDateTime: string;
}

export type ImportStatus = 'unknown' | 'pending' | 'partial' | 'complete' | 'error';

export interface ImportState {
  deviceImportStatus: ImportStatus;
  deviceRegistrationId: string | null;
  deviceErrorCode: number;
  deviceErrorName: string | null;
}

export interface ImportedDeviceIdentity {
  id: string;
  tenantId: string;
  serialNumber: string | null;
  productKey: string | null;
  groupTag: string | null;
  assignedUserPrincipalName: string | null;
  hardwareHashSealed: string | null;
  state: ImportState;
  importId: string | null;
  createdDateTime: string;
}

export type ProfileOdataType =
  | '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile'
  | '#microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile';

export interface DeploymentProfile {
  id: string;
  tenantId: string;
  odataType: ProfileOdataType;
  displayName: string;
  description: string | null;
  /** Everything else, under the current (non-deprecated) Graph names. */
  settings: Record<string, unknown>;
  createdDateTime: string;
  lastModifiedDateTime: string;
}

export interface ProfileAssignment {
  id: string;
  profileId: string;
  tenantId: string;
  target: Record<string, unknown> & { '@odata.type': string };
  createdDateTime: string;
}

export interface Page {
  offset: number;
  limit: number;
}

export interface SerialFilter {
  /** Case-insensitive equality, as Intune compares serial numbers. */
  equals?: string;
  contains?: string;
  startsWith?: string;
}

export interface OutboxWrite {
  topic: string;
  payload: unknown;
  traceParent?: string;
}

export type RegisterOutcome = { registered: true } | { registered: false; existing: { id: string; tenantId: string } };

export interface RegistrationEntry {
  device: AutopilotDevice;
  imported: ImportedDeviceIdentity;
  message: OutboxWrite;
}

export interface DiscoveryStore {
  /**
   * Registers a device, records its import and queues the outbox message, all in one
   * transaction; when another registration holds the hardware identity nothing is written.
   */
  registerDevice(device: AutopilotDevice, imported: ImportedDeviceIdentity, message: OutboxWrite): Promise<RegisterOutcome>;
  /**
   * registerDevice for many devices in one transaction, answering per entry in order. A device
   * whose hardware identity is registered already, or appears earlier in the same call, is not
   * written. Undefined when a concurrent writer took one of the identities first: then nothing
   * was written and the caller retries the entries one by one.
   */
  registerDevices(entries: RegistrationEntry[]): Promise<RegisterOutcome[] | undefined>;
  findDeviceByDigest(digest: string): Promise<AutopilotDevice | undefined>;
  getDevice(tenantId: string, id: string): Promise<AutopilotDevice | undefined>;
  listDevices(tenantId: string, filter: SerialFilter, page: Page): Promise<AutopilotDevice[]>;
  deleteDevice(tenantId: string, id: string): Promise<boolean>;
  markDeviceContacted(id: string, at: string): Promise<void>;
  /** Records that identity holds the device object, and the device id that object carries. */
  markPlaceholderDelivered(id: string, azureActiveDirectoryDeviceId: string): Promise<void>;

  /** Records an import that failed; it creates nothing else. */
  insertImported(imported: ImportedDeviceIdentity): Promise<void>;
  insertImportedMany(imported: ImportedDeviceIdentity[]): Promise<void>;
  getImported(tenantId: string, id: string): Promise<ImportedDeviceIdentity | undefined>;
  listImported(tenantId: string, filter: SerialFilter, page: Page): Promise<ImportedDeviceIdentity[]>;
  deleteImported(tenantId: string, id: string): Promise<boolean>;

  createProfile(profile: DeploymentProfile): Promise<void>;
  getProfile(tenantId: string, id: string): Promise<DeploymentProfile | undefined>;
  listProfiles(tenantId: string, page: Page): Promise<DeploymentProfile[]>;
  /** Deletes the profile and its assignments. */
  deleteProfile(tenantId: string, id: string): Promise<boolean>;

  /** False when the profile already has an assignment with this id. */
  addAssignment(assignment: ProfileAssignment): Promise<boolean>;
  listAssignments(tenantId: string, profileId: string): Promise<ProfileAssignment[]>;
  deleteAssignment(tenantId: string, profileId: string, id: string): Promise<boolean>;
  /** The newest assignment in the tenant whose target is one of `targetTypes`, with its profile. */
  newestAssignment(
    tenantId: string,
    targetTypes: string[],
  ): Promise<{ assignment: ProfileAssignment; profile: DeploymentProfile } | undefined>;

  close(): Promise<void>;
}
