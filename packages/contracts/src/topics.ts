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
}

/** management → identity: the compliance result management evaluated. */
export interface ComplianceStateReported {
  tenantId: string;
  deviceId: string;
  isCompliant: boolean;
  isManaged: boolean;
  evaluatedDateTime: string;
}

export const TOPICS = {
  placeholderDeviceRequested: 'identity.placeholderDevice.requested',
  complianceStateReported: 'identity.complianceState.reported',
} as const;
