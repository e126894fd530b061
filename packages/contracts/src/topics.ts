/** Outbox messages one service sends another. Receivers are idempotent on `id`. */

/** discovery → identity: create (or refresh) the Autopilot placeholder device object. */
export interface PlaceholderDeviceRequested {
  tenantId: string;
  ztdId: string;
  /** The device id discovery proposes; identity answers with the one its object carries. */
  azureActiveDirectoryDeviceId: string;
  serialNumber: string;
  groupTag?: string;
  purchaseOrderId?: string;
  displayName: string;
  /**
   * The display name of the device's effective deployment profile, null when it has none.
   * Worked out when the message is sent, never when it is queued: the queued copy lacks it.
   */
  enrollmentProfileName?: string | null;
}

/**
 * management → identity, through management's outbox: the compliance result management
 * evaluated, delivered as a DeviceComplianceReport to IDENTITY_PATHS.complianceState.
 */
export interface ComplianceStateReported {
  tenantId: string;
  /** The Entra device id (the `deviceid` claim management enrolled the device with). */
  deviceId: string;
  isCompliant: boolean;
  isManaged: boolean;
  complianceExpirationDateTime?: string | null;
  /** Orders reports of one device; identity keeps the newest. */
  version: number;
  evaluatedDateTime: string;
}

export const TOPICS = {
  placeholderDeviceRequested: 'identity.placeholderDevice.requested',
  complianceStateReported: 'identity.complianceState.reported',
} as const;
