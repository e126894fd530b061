/**
 * Writes Autopilot CSV files the way the tools administrators use do, in each encoding
 * those tools produce: for tests, samples, and anyone generating files for Baton.
 */
import { encodeWindows1252, type CsvEncoding } from './decode.js';
import { PARTNER_HEADER, STANDARD_HEADER, type CsvVariant } from './parse.js';

export interface CsvWriteRow {
  serialNumber: string;
  productKey?: string;
  hardwareHash?: string;
  groupTag?: string;
  assignedUser?: string;
  manufacturer?: string;
  model?: string;
}

export interface WriteAutopilotCsvOptions {
  variant?: CsvVariant;
  /** Get-WindowsAutopilotInfo writes CRLF on Windows. */
  lineEnding?: '\r\n' | '\n' | '\r';
}

export function autopilotCsvText(rows: CsvWriteRow[], options: WriteAutopilotCsvOptions = {}): string {
  const variant = options.variant ?? 'standard';
  const eol = options.lineEnding ?? '\r\n';
  const lines: string[] = [];
  if (variant === 'standard') lines.push(STANDARD_HEADER.join(','));
  if (variant === 'partner') lines.push(PARTNER_HEADER.join(','));
  for (const r of rows) {
    const cells =
      variant === 'standard'
        ? [r.serialNumber, r.productKey ?? '', r.hardwareHash ?? '', r.groupTag ?? '', r.assignedUser ?? '']
        : variant === 'partner'
          ? [r.serialNumber, r.productKey ?? '', r.hardwareHash ?? '', r.manufacturer ?? '', r.model ?? '']
          : [r.manufacturer ?? '', r.model ?? '', r.serialNumber];
    lines.push(cells.join(','));
  }
  return lines.join(eol) + eol;
}

export function encodeCsvText(text: string, encoding: CsvEncoding): Uint8Array {
  switch (encoding) {
    case 'utf-8':
      return new TextEncoder().encode(text);
    case 'utf-8-bom':
      return concat([0xef, 0xbb, 0xbf], new TextEncoder().encode(text));
    case 'windows-1252':
      return encodeWindows1252(text);
    case 'utf-16le':
    case 'utf-16be': {
      const out = new Uint8Array(2 + text.length * 2);
      const le = encoding === 'utf-16le';
      out[0] = le ? 0xff : 0xfe;
      out[1] = le ? 0xfe : 0xff;
      for (let i = 0; i < text.length; i++) {
        const unit = text.charCodeAt(i);
        out[2 + i * 2] = le ? unit & 0xff : unit >> 8;
        out[3 + i * 2] = le ? unit >> 8 : unit & 0xff;
      }
      return out;
    }
  }
}

/** Fields are written bare, as Microsoft asks: no quotes, so values must not hold commas. */
export function writeAutopilotCsv(rows: CsvWriteRow[], encoding: CsvEncoding, options: WriteAutopilotCsvOptions = {}): Uint8Array {
  return encodeCsvText(autopilotCsvText(rows, options), encoding);
}

function concat(prefix: number[], body: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + body.length);
  out.set(prefix, 0);
  out.set(body, prefix.length);
  return out;
}
