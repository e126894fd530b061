/**
 * Autopilot CSV files as administrators upload them in the portal: decoded whatever their
 * encoding, parsed, and every device row imported through the same rules as Graph's import
 * action. The answer lists every data row of the file, so an administrator can fix exactly
 * the lines that failed and upload the file again.
 */
import { randomUUID } from 'node:crypto';
import { CsvError, decodeCsvText, parseAutopilotCsv, type CsvEncoding, type CsvVariant } from '@baton/protocols';
import { IMPORT_ERRORS, discoveryErrors } from '../errors.js';
import type { ImportState } from '../store/types.js';
import type { DiscoveryDeps } from './deps.js';
import { traceIdOf } from './events.js';
import { importDevices, refusedImportEvent, type ImportInput } from './registration.js';

export interface CsvImportRow {
  /** The row's line in the file. */
  row: number;
  serialNumber: string;
  /** The imported identity recorded for the row; absent for rows that could not be read. */
  id?: string;
  state: ImportState;
  /** Why the row was not imported, when its error code alone does not say. */
  message?: string;
}

export interface CsvImportResult {
  importId: string;
  encoding: CsvEncoding;
  variant: CsvVariant;
  warnings: string[];
  summary: { rows: number; imported: number; failed: number; alreadyRegistered: number };
  rows: CsvImportRow[];
}

export interface CsvImportOptions {
  traceParent?: string;
  maxRows?: number;
  batchSize?: number;
}

const CORPORATE_IDENTIFIER_MESSAGE =
  'corporate identifiers (manufacturer, model, serial) are unsupported until Autopilot device preparation lands; register the device with its hardware hash';

const errorState = (error: { code: number; name: string }): ImportState => ({
  deviceImportStatus: 'error',
  deviceRegistrationId: null,
  deviceErrorCode: error.code,
  deviceErrorName: error.name,
});

export async function importCsv(deps: DiscoveryDeps, tenantId: string, bytes: Uint8Array, options: CsvImportOptions = {}): Promise<CsvImportResult> {
  const { text, encoding } = decodeCsvText(bytes);
  let parsed;
  try {
    parsed = parseAutopilotCsv(text, { maxRows: options.maxRows });
  } catch (error) {
    if (error instanceof CsvError) throw discoveryErrors.invalidRequest(`The file is not an Autopilot device CSV: ${error.message}.`);
    throw error;
  }

  const importId = randomUUID();
  const rows: CsvImportRow[] = parsed.errors.map((e) => ({
    row: e.row,
    serialNumber: '',
    state: errorState(IMPORT_ERRORS.invalidRequestBody),
    message: e.message,
  }));

  if (parsed.variant === 'corporateIdentifier') {
    for (const r of parsed.rows) {
      rows.push({ row: r.row, serialNumber: r.serialNumber, state: errorState(IMPORT_ERRORS.corporateIdentifierUnsupported), message: CORPORATE_IDENTIFIER_MESSAGE });
    }
  } else {
    const inputs: ImportInput[] = parsed.rows.map((r) => ({
      serialNumber: r.serialNumber,
      productKey: r.productKey,
      hardwareIdentifier: r.hardwareHash,
      groupTag: r.groupTag,
      assignedUserPrincipalName: r.assignedUser,
      importId,
    }));
    const imported = await importDevices(deps, tenantId, inputs, {
      traceParent: options.traceParent,
      batchSize: options.batchSize,
      notBase64: 'refuseRow',
    });
    imported.forEach((identity, i) => {
      const source = parsed.rows[i]!;
      rows.push({ row: source.row, serialNumber: identity.serialNumber ?? source.serialNumber, id: identity.id, state: identity.state });
    });
  }

  // Rows refused before registration store no imported identity, but they are registrations that failed.
  const unstored = rows.filter((r) => !r.id);
  if (unstored.length > 0) {
    const traceId = traceIdOf(options.traceParent);
    await deps.store.appendEvents(
      unstored.map((r) =>
        refusedImportEvent(deps, tenantId, traceId, { id: null, serialNumber: r.serialNumber || null, importId, state: r.state }, { csvRow: r.row }),
      ),
    );
  }

  rows.sort((a, b) => a.row - b.row);
  const count = (f: (r: CsvImportRow) => boolean) => rows.reduce((n, r) => n + (f(r) ? 1 : 0), 0);
  const imported = count((r) => r.state.deviceImportStatus === 'complete');
  const alreadyRegistered = count((r) => r.state.deviceErrorCode === IMPORT_ERRORS.alreadyAssigned.code);
  return {
    importId,
    encoding,
    variant: parsed.variant,
    warnings: parsed.warnings,
    summary: { rows: rows.length, imported, failed: rows.length - imported - alreadyRegistered, alreadyRegistered },
    rows,
  };
}
