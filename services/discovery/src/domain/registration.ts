/**
 * Registration: an imported identity becomes a windowsAutopilotDeviceIdentity. Imports are
 * processed while the client waits, so the answer already carries the final state; a
 * refused row is recorded with its Autopilot error code and creates nothing else.
 */
import { randomUUID } from 'node:crypto';
import { TOPICS, type PlaceholderDeviceRequested } from '@baton/contracts';
import type { AutopilotDevice, ImportedDeviceIdentity, ImportState } from '../store/types.js';
import { IMPORT_ERRORS, discoveryErrors, type ImportError } from '../errors.js';
import { nowIso, type DiscoveryDeps } from './deps.js';
import { parseBase64Binary, readHardwareHash } from './hardware-hash.js';

export interface ImportInput {
  serialNumber?: string | null;
  productKey?: string | null;
  /** base64 (Edm.Binary). */
  hardwareIdentifier?: string | null;
  groupTag?: string | null;
  assignedUserPrincipalName?: string | null;
  importId?: string | null;
}

/** The outbox payload is the contract's message. */
export type PlaceholderMessage = PlaceholderDeviceRequested;

const blankToNull = (v: string | null | undefined): string | null => {
  const t = v?.trim();
  return t ? t : null;
};

/** Refuses values that are not base64 the way Graph refuses a bad Edm.Binary literal. */
export function hardwareHashBytes(hardwareIdentifier: string | null | undefined): Buffer | null {
  if (hardwareIdentifier === null || hardwareIdentifier === undefined || hardwareIdentifier.trim() === '') return null;
  const bytes = parseBase64Binary(hardwareIdentifier);
  if (!bytes) {
    throw discoveryErrors.badRequest("Cannot convert the literal 'hardwareIdentifier' to the expected type 'Edm.Binary'.");
  }
  return bytes;
}

export async function importDevice(
  deps: DiscoveryDeps,
  tenantId: string,
  input: ImportInput,
  traceParent?: string,
): Promise<ImportedDeviceIdentity> {
  const bytes = hardwareHashBytes(input.hardwareIdentifier);
  const now = nowIso(deps);
  const imported: ImportedDeviceIdentity = {
    id: randomUUID(),
    tenantId,
    serialNumber: blankToNull(input.serialNumber),
    productKey: blankToNull(input.productKey),
    groupTag: blankToNull(input.groupTag),
    assignedUserPrincipalName: blankToNull(input.assignedUserPrincipalName),
    hardwareHashSealed: bytes ? deps.box.seal(bytes) : null,
    state: { deviceImportStatus: 'unknown', deviceRegistrationId: null, deviceErrorCode: 0, deviceErrorName: null },
    importId: blankToNull(input.importId),
    createdDateTime: now,
  };
  const refuse = async (error: ImportError, registrationId: string | null = null) => {
    imported.state = errorState(error, registrationId);
    await deps.store.insertImported(imported);
    return imported;
  };

  if (!bytes) return refuse(IMPORT_ERRORS.invalidHardwareHash);
  const reading = readHardwareHash(bytes, deps.box);
  if (!reading.ok) {
    deps.logger?.info({ tenantId, reason: reading.reason }, 'import refused: hardware hash');
    return refuse(IMPORT_ERRORS.invalidHardwareHash);
  }
  const serialNumber = imported.serialNumber ?? reading.serialNumber ?? null;
  if (!serialNumber) return refuse(IMPORT_ERRORS.missingSerialNumber);
  imported.serialNumber = serialNumber;

  const device: AutopilotDevice = {
    id: randomUUID(),
    tenantId,
    serialNumber,
    hardwareHashSealed: imported.hardwareHashSealed!,
    hardwareIdentityDigest: reading.identityDigest,
    productKey: imported.productKey,
    groupTag: imported.groupTag,
    purchaseOrderIdentifier: null,
    manufacturer: reading.manufacturer ?? null,
    model: reading.model ?? null,
    userPrincipalName: imported.assignedUserPrincipalName,
    azureActiveDirectoryDeviceId: randomUUID(),
    enrollmentState: 'notContacted',
    lastContactedDateTime: null,
    placeholderDelivered: false,
    createdDateTime: now,
  };
  imported.state = { deviceImportStatus: 'complete', deviceRegistrationId: device.id, deviceErrorCode: 0, deviceErrorName: null };
  const outcome = await deps.store.registerDevice(device, imported, {
    topic: TOPICS.placeholderDeviceRequested,
    payload: placeholderMessage(device),
    traceParent,
  });
  if (!outcome.registered) {
    // The other tenant's registration id stays hidden: it is that tenant's data.
    return outcome.existing.tenantId === tenantId
      ? refuse(IMPORT_ERRORS.alreadyAssigned, outcome.existing.id)
      : refuse(IMPORT_ERRORS.assignedToOtherTenant);
  }
  deps.outboxWritten?.();
  return imported;
}

function errorState(error: ImportError, registrationId: string | null): ImportState {
  return { deviceImportStatus: 'error', deviceRegistrationId: registrationId, deviceErrorCode: error.code, deviceErrorName: error.name };
}

export function placeholderMessage(device: AutopilotDevice): PlaceholderMessage {
  const message: PlaceholderMessage = {
    tenantId: device.tenantId,
    ztdId: device.id,
    serialNumber: device.serialNumber,
    displayName: device.serialNumber,
    azureActiveDirectoryDeviceId: device.azureActiveDirectoryDeviceId,
  };
  if (device.groupTag) message.groupTag = device.groupTag;
  if (device.purchaseOrderIdentifier) message.purchaseOrderId = device.purchaseOrderIdentifier;
  return message;
}
