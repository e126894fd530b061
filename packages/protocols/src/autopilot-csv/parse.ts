/**
 * Autopilot device CSV files as administrators actually produce them: the documented
 * header, the partner (CSP/OEM) header, the header-less corporate identifier rows, with
 * whatever quoting, line endings and padding PowerShell, Excel and Notepad leave behind.
 * Problems with one row are reported and the rest of the file still parses.
 */
import { normalizeBase64 } from '../encoding/base64.js';
import { CSV_MALFORMED_ROW, CsvError } from './errors.js';

export type CsvVariant = 'standard' | 'partner' | 'corporateIdentifier';

export interface CsvDeviceRow {
  /** 1-based line of the file this row was read from. */
  row: number;
  serialNumber: string;
  productKey: string;
  hardwareHash: string;
  groupTag: string;
  assignedUser: string;
  manufacturer?: string;
  model?: string;
}

export interface CsvRowError {
  row: number;
  code: number;
  message: string;
}

export interface ParsedAutopilotCsv {
  variant: CsvVariant;
  header: string[] | null;
  rows: CsvDeviceRow[];
  errors: CsvRowError[];
  warnings: string[];
}

export interface ParseAutopilotCsvOptions {
  /** Data rows accepted in one file. */
  maxRows?: number;
  /** Longest field, in characters; a 4K hash is about 4,000. */
  maxFieldLength?: number;
}

export const STANDARD_HEADER = ['Device Serial Number', 'Windows Product ID', 'Hardware Hash', 'Group Tag', 'Assigned User'] as const;
export const PARTNER_HEADER = ['Device Serial Number', 'Windows Product ID', 'Hardware Hash', 'Manufacturer name', 'Device model'] as const;
export const CORPORATE_IDENTIFIER_HEADER = ['Manufacturer', 'Model', 'Serial'] as const;

/** Microsoft's importer refuses files longer than this. */
export const MICROSOFT_ROW_LIMIT = 500;
export const DEFAULT_MAX_ROWS = 100_000;
export const DEFAULT_MAX_FIELD_LENGTH = 16_384;

/** The first three columns are required in both hash variants; the rest may be left off. */
const REQUIRED_HASH_COLUMNS = 3;

export function parseAutopilotCsv(text: string, options: ParseAutopilotCsvOptions = {}): ParsedAutopilotCsv {
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const maxField = options.maxFieldLength ?? DEFAULT_MAX_FIELD_LENGTH;
  // A BOM can survive when a file was concatenated or re-saved by another tool.
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const firstIndex = lines.findIndex((line) => line.trim() !== '');
  if (firstIndex < 0) throw new CsvError('csv.empty', 'the file has no rows');

  const firstFields = splitFields(lines[firstIndex]!);
  const warnings: string[] = [];
  const { variant, header } = recogniseHeader(firstFields, warnings);
  const dataStart = header ? firstIndex + 1 : firstIndex;

  const rowCount = countDataLines(lines, dataStart, maxRows);
  if (rowCount > maxRows) {
    throw new CsvError('csv.too-many-rows', `the file has more than ${maxRows} device rows; split it into smaller files`);
  }
  if (rowCount > MICROSOFT_ROW_LIMIT) {
    warnings.push(
      `the file has ${rowCount} device rows: Microsoft's importer takes at most ${MICROSOFT_ROW_LIMIT} per file; Baton accepts up to ${maxRows}`,
    );
  }
  if (rowCount === 0) warnings.push('the file has a header but no device rows');

  const rows: CsvDeviceRow[] = [];
  const errors: CsvRowError[] = [];
  const columns = header?.length ?? CORPORATE_IDENTIFIER_HEADER.length;
  for (let i = dataStart; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const row = i + 1;
    const fields = trimTrailingEmpty(splitFields(line), columns);
    const minimum = variant === 'corporateIdentifier' ? columns : REQUIRED_HASH_COLUMNS;
    if (fields.length < minimum || fields.length > columns) {
      const expected = minimum === columns ? `${columns}` : `${minimum} to ${columns}`;
      errors.push({ row, code: CSV_MALFORMED_ROW, message: `expected ${expected} columns, found ${fields.length}` });
      continue;
    }
    const tooLong = fields.findIndex((f) => f.length > maxField);
    if (tooLong >= 0) {
      errors.push({ row, code: CSV_MALFORMED_ROW, message: `column ${tooLong + 1} is longer than ${maxField} characters` });
      continue;
    }
    rows.push(variant === 'corporateIdentifier' ? corporateRow(row, fields) : hashRow(row, fields, variant));
  }
  return { variant, header, rows, errors, warnings };
}

function recogniseHeader(fields: string[], warnings: string[]): { variant: CsvVariant; header: string[] | null } {
  const matches = (expected: readonly string[], exactly: boolean) =>
    fields.length >= (exactly ? expected.length : REQUIRED_HASH_COLUMNS) &&
    fields.length <= expected.length &&
    fields.every((f, i) => f.toLowerCase() === expected[i]!.toLowerCase());
  const caseCheck = (expected: readonly string[]) => {
    if (fields.some((f, i) => f !== expected[i])) {
      warnings.push(
        `the header's capitalisation differs from "${expected.slice(0, fields.length).join(',')}": Microsoft's importer compares headers case-sensitively and would refuse this file`,
      );
    }
  };
  // The partner header shares its first three columns with the standard one, so it is tried first.
  if (matches(PARTNER_HEADER, true)) {
    caseCheck(PARTNER_HEADER);
    return { variant: 'partner', header: fields };
  }
  if (matches(STANDARD_HEADER, false)) {
    caseCheck(STANDARD_HEADER);
    return { variant: 'standard', header: fields };
  }
  if (matches(CORPORATE_IDENTIFIER_HEADER, true)) {
    caseCheck(CORPORATE_IDENTIFIER_HEADER);
    return { variant: 'corporateIdentifier', header: fields };
  }
  if (fields.length === CORPORATE_IDENTIFIER_HEADER.length && !looksLikeHash(fields[2]!)) {
    return { variant: 'corporateIdentifier', header: null };
  }
  if (fields.length >= REQUIRED_HASH_COLUMNS && looksLikeHash(fields[2]!)) {
    throw new CsvError('csv.header-missing', `the file starts with a device row; add the header "${STANDARD_HEADER.join(',')}" as its first line`);
  }
  throw new CsvError(
    'csv.header',
    `the first line is not an Autopilot CSV header; expected "${STANDARD_HEADER.join(',')}" (Group Tag and Assigned User optional), "${PARTNER_HEADER.join(',')}", or header-less Manufacturer,Model,Serial rows`,
  );
}

/** A serial number is never this long; a hash always is. */
const looksLikeHash = (field: string): boolean => field.length >= 64 && normalizeBase64(field) !== undefined;

/** Counts non-blank lines, stopping once past the limit so a huge file costs no more than needed. */
function countDataLines(lines: string[], start: number, maxRows: number): number {
  let count = 0;
  for (let i = start; i < lines.length && count <= maxRows; i++) if (lines[i]!.trim() !== '') count++;
  return count;
}

/**
 * Splits one line on commas. Excel quotes fields (and doubles quotes inside them), and a
 * quoted field may hold a comma; PowerShell's output with its quotes stripped has none. Quotes
 * are never part of an Autopilot value, so any that remain are dropped. A line whose quotes
 * do not pair up is read as if it had none.
 */
export function splitFields(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"') {
      if (quoted && line[i + 1] === '"') i++;
      else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      fields.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  fields.push(current);
  const split = quoted ? line.split(',') : fields;
  return split.map((f) => f.replace(/"/g, '').trim());
}

/** Excel pads short rows with empty cells up to the widest row; those are not extra columns. */
function trimTrailingEmpty(fields: string[], columns: number): string[] {
  let end = fields.length;
  while (end > columns && fields[end - 1] === '') end--;
  return end === fields.length ? fields : fields.slice(0, end);
}

function hashRow(row: number, fields: string[], variant: 'standard' | 'partner'): CsvDeviceRow {
  const rawHash = fields[2] ?? '';
  const parsed: CsvDeviceRow = {
    row,
    serialNumber: fields[0] ?? '',
    productKey: fields[1] ?? '',
    // Left as written when it is not base64, so the importer reports it as a bad hash (802).
    hardwareHash: normalizeBase64(rawHash) ?? rawHash,
    groupTag: variant === 'standard' ? (fields[3] ?? '') : '',
    assignedUser: variant === 'standard' ? (fields[4] ?? '') : '',
  };
  if (variant === 'partner') {
    parsed.manufacturer = fields[3] ?? '';
    parsed.model = fields[4] ?? '';
  }
  return parsed;
}

function corporateRow(row: number, fields: string[]): CsvDeviceRow {
  return {
    row,
    serialNumber: fields[2]!,
    productKey: '',
    hardwareHash: '',
    groupTag: '',
    assignedUser: '',
    manufacturer: fields[0]!,
    model: fields[1]!,
  };
}
