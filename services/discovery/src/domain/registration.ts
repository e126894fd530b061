/**
 * Registration: an imported identity becomes a windowsAutopilotDeviceIdentity. Imports are
 * processed while the client waits, so the answer already carries the final state; a
 * refused row is recorded with its Autopilot error code and creates nothing else.
 */
import { timeOrderedId } from '@baton/kit';
import { TOPICS, type PlaceholderDeviceRequested } from '@baton/contracts';
import type { AutopilotDevice, DiscoveryEvent, ImportedDeviceIdentity, ImportState, OutboxWrite, RegisterOutcome } from '../store/types.js';
import { IMPORT_ERRORS, discoveryErrors, type ImportError } from '../errors.js';
import { nowIso, type DiscoveryDeps } from './deps.js';
import { discoveryEvent, traceIdOf } from './events.js';
import { endorsementKeyDigest } from './endorsement-key-digest.js';
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

export interface ImportOptions {
  traceParent?: string;
  /** Rows written per transaction; a batch that hits a conflict is retried one row at a time. */
  batchSize?: number;
  /**
   * What a hash that is not base64 does: Graph refuses the request (400, as Graph refuses a bad
   * Edm.Binary literal); a CSV import refuses just that row with 802.
   */
  notBase64?: 'rejectRequest' | 'refuseRow';
}

/**
 * Each random-keyed index (digest, serials, Azure AD device id) dirties about one page per
 * row, and every commit writes its dirty pages out; the more rows a transaction carries, the
 * more of them share a page. 10,000 rows hold SQLite's writer for about a second at 100,000
 * devices, which the lookups queued behind it can wait out.
 */
export const DEFAULT_IMPORT_BATCH = 10_000;

/** An imported identity ready to be written: either refused already, or a device to register. */
interface PreparedImport {
  imported: ImportedDeviceIdentity;
  registration?: { device: AutopilotDevice; message: OutboxWrite; event: DiscoveryEvent };
}

/** A refused row's event: the Autopilot error name as the code, the number in the detail. */
export function refusedImportEvent(
  deps: DiscoveryDeps,
  tenantId: string,
  traceId: string,
  imported: Pick<ImportedDeviceIdentity, 'serialNumber' | 'importId' | 'state'> & { id: string | null },
  extra: Record<string, unknown> = {},
): DiscoveryEvent {
  const detail: Record<string, unknown> = { deviceErrorCode: imported.state.deviceErrorCode, ...extra };
  if (imported.id) detail.importedDeviceIdentityId = imported.id;
  if (imported.importId) detail.importId = imported.importId;
  return discoveryEvent(deps, {
    type: 'registration',
    outcome: 'failure',
    tenantId,
    traceId,
    serialNumber: imported.serialNumber,
    errorCode: imported.state.deviceErrorName,
    detail,
  });
}

export async function importDevice(
  deps: DiscoveryDeps,
  tenantId: string,
  input: ImportInput,
  traceParent?: string,
): Promise<ImportedDeviceIdentity> {
  const [imported] = await importDevices(deps, tenantId, [input], { traceParent });
  return imported!;
}

/**
 * Imports identities in order, one answer per input. Every row is judged before anything is
 * written; rows are then written in batches, each batch one transaction, so a device is never
 * stored without its imported record and outbox message. A refused row creates only its
 * imported record, carrying the Autopilot error code.
 */
export async function importDevices(
  deps: DiscoveryDeps,
  tenantId: string,
  inputs: ImportInput[],
  options: ImportOptions = {},
): Promise<ImportedDeviceIdentity[]> {
  const traceId = traceIdOf(options.traceParent);
  const prepared = inputs.map((input) => prepareImport(deps, tenantId, input, options, traceId));
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_IMPORT_BATCH);
  for (let start = 0; start < prepared.length; start += batchSize) {
    const batch = prepared.slice(start, start + batchSize);
    const registering = batch.filter((p) => p.registration);
    const outcomes = await registerBatch(deps, registering);
    const refused: ImportedDeviceIdentity[] = [];
    const events: DiscoveryEvent[] = [];
    let queued = false;
    registering.forEach((p, i) => {
      const outcome = outcomes[i]!;
      if (outcome.registered) {
        queued = true;
        return;
      }
      // The other tenant's registration id stays hidden: it is that tenant's data.
      p.imported.state =
        outcome.existing.tenantId === tenantId
          ? errorState(IMPORT_ERRORS.alreadyAssigned, outcome.existing.id)
          : errorState(IMPORT_ERRORS.assignedToOtherTenant, null);
      refused.push(p.imported);
      const device = p.registration!.device;
      events.push({
        ...refusedImportEvent(deps, tenantId, traceId, p.imported),
        // The registration that holds the hash, when it is this tenant's own.
        ztdId: p.imported.state.deviceRegistrationId,
        serialNumber: device.serialNumber,
      });
    });
    for (const p of batch) {
      if (p.registration) continue;
      refused.push(p.imported);
      events.push(refusedImportEvent(deps, tenantId, traceId, p.imported));
    }
    if (refused.length > 0) await deps.store.insertImportedMany(refused, events);
    if (queued) deps.outboxWritten?.();
  }
  return prepared.map((p) => p.imported);
}

/**
 * A batch that collides with a concurrent import on the unique hardware identity fails as a
 * whole; its rows are then written one at a time so only the colliding row is refused.
 */
async function registerBatch(deps: DiscoveryDeps, registering: PreparedImport[]): Promise<RegisterOutcome[]> {
  if (registering.length === 0) return [];
  const entries = registering.map((p) => ({ ...p.registration!, imported: p.imported }));
  if (entries.length > 1) {
    const outcomes = await deps.store.registerDevices(entries);
    if (outcomes) return outcomes;
  }
  const outcomes: RegisterOutcome[] = [];
  for (const entry of entries) outcomes.push(await deps.store.registerDevice(entry.device, entry.imported, entry.message, entry.event));
  return outcomes;
}

function prepareImport(deps: DiscoveryDeps, tenantId: string, input: ImportInput, options: ImportOptions, traceId: string): PreparedImport {
  let bytes: Buffer | null;
  let notBase64 = false;
  try {
    bytes = hardwareHashBytes(input.hardwareIdentifier);
  } catch (error) {
    if (options.notBase64 !== 'refuseRow') throw error;
    bytes = null;
    notBase64 = true;
  }
  const now = nowIso(deps);
  const imported: ImportedDeviceIdentity = {
    id: timeOrderedId(),
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
  const refuse = (error: ImportError): PreparedImport => {
    imported.state = errorState(error, null);
    return { imported };
  };

  if (!bytes || notBase64) return refuse(IMPORT_ERRORS.invalidHardwareHash);
  const reading = readHardwareHash(bytes, deps.box);
  if (!reading.ok) {
    deps.logger?.info({ tenantId, reason: reading.reason }, 'import refused: hardware hash');
    return refuse(IMPORT_ERRORS.invalidHardwareHash);
  }
  const serialNumber = imported.serialNumber ?? reading.serialNumber ?? null;
  if (!serialNumber) return refuse(IMPORT_ERRORS.missingSerialNumber);
  imported.serialNumber = serialNumber;

  const device: AutopilotDevice = {
    id: timeOrderedId(),
    tenantId,
    serialNumber,
    hardwareHashSealed: imported.hardwareHashSealed!,
    hardwareIdentityDigest: reading.identityDigest,
    endorsementKeyDigest: reading.decoded.tpmEkPub ? (endorsementKeyDigest(reading.decoded.tpmEkPub, deps.box) ?? null) : null,
    productKey: imported.productKey,
    groupTag: imported.groupTag,
    purchaseOrderIdentifier: null,
    manufacturer: reading.manufacturer ?? null,
    model: reading.model ?? null,
    userPrincipalName: imported.assignedUserPrincipalName,
    addressableUserName: null,
    displayName: null,
    azureActiveDirectoryDeviceId: timeOrderedId(),
    enrollmentState: 'notContacted',
    lastContactedDateTime: null,
    placeholderDelivered: false,
    placeholderProfileName: null,
    placeholderDigest: null,
    createdDateTime: now,
  };
  imported.state = { deviceImportStatus: 'complete', deviceRegistrationId: device.id, deviceErrorCode: 0, deviceErrorName: null };
  const detail: Record<string, unknown> = { importedDeviceIdentityId: imported.id, deviceImportStatus: 'complete' };
  if (imported.importId) detail.importId = imported.importId;
  if (device.groupTag) detail.groupTag = device.groupTag;
  return {
    imported,
    registration: {
      device,
      message: { topic: TOPICS.placeholderDeviceRequested, payload: placeholderMessage(device), traceParent: options.traceParent },
      event: discoveryEvent(deps, { type: 'registration', outcome: 'success', tenantId, traceId, device, detail, at: now }),
    },
  };
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
