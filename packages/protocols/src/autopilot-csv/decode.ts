/**
 * Bytes to text for CSV files as Windows tools write them. Windows PowerShell 5.1's
 * Out-File writes UTF-16LE with a BOM, PowerShell 7 writes UTF-8 without one, Notepad and
 * Excel may add a UTF-8 BOM, and Microsoft's own guidance asks for "ANSI", which on the
 * machines that produce these files is Windows-1252.
 */

export type CsvEncoding = 'utf-16le' | 'utf-16be' | 'utf-8-bom' | 'utf-8' | 'windows-1252';

export interface DecodedCsv {
  text: string;
  encoding: CsvEncoding;
}

/** 0x80–0x9F in Windows-1252; the five unassigned bytes map to the C1 controls, as WHATWG does. */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
];

const CP1252_REVERSE = new Map<number, number>(CP1252_HIGH.map((cp, i) => [cp, 0x80 + i]));

/** How many leading bytes the BOM-less UTF-16 guess looks at: enough for a header line or two. */
const SNIFF_BYTES = 4096;

export function decodeCsvText(bytes: Uint8Array): DecodedCsv {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { text: utf16(bytes.subarray(2), 'le'), encoding: 'utf-16le' };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { text: utf16(bytes.subarray(2), 'be'), encoding: 'utf-16be' };
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(3)), encoding: 'utf-8-bom' };
  }
  const nulGuess = guessUtf16(bytes);
  if (nulGuess) return { text: utf16(bytes, nulGuess), encoding: nulGuess === 'le' ? 'utf-16le' : 'utf-16be' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: decodeWindows1252(bytes), encoding: 'windows-1252' };
  }
}

/**
 * CSV text is nearly all ASCII, so UTF-16 without a BOM shows as NUL in every other byte.
 * Text in the other encodings has no NULs at all, so a clear majority decides.
 */
function guessUtf16(bytes: Uint8Array): 'le' | 'be' | undefined {
  const n = Math.min(bytes.length, SNIFF_BYTES) & ~1;
  if (n < 4) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  if (oddNul >= pairs * 0.6 && evenNul <= pairs * 0.1) return 'le';
  if (evenNul >= pairs * 0.6 && oddNul <= pairs * 0.1) return 'be';
  return undefined;
}

function utf16(bytes: Uint8Array, order: 'le' | 'be'): string {
  if (order === 'le') return new TextDecoder('utf-16le', { fatal: false }).decode(bytes);
  // Node's small-ICU builds lack a utf-16be decoder; swapping into LE works everywhere.
  const swapped = new Uint8Array(bytes.length);
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    swapped[i] = bytes[i + 1]!;
    swapped[i + 1] = bytes[i]!;
  }
  if (bytes.length % 2 === 1) swapped[bytes.length - 1] = bytes[bytes.length - 1]!;
  return new TextDecoder('utf-16le', { fatal: false }).decode(swapped);
}

export function decodeWindows1252(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 8192;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(bytes.length, start + CHUNK);
    const codes = new Array<number>(end - start);
    for (let i = start; i < end; i++) {
      const b = bytes[i]!;
      codes[i - start] = b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80]! : b;
    }
    parts.push(String.fromCharCode(...codes));
  }
  return parts.join('');
}

/** Characters Windows-1252 cannot hold become `?`, as Windows' own ANSI conversion does. */
export function encodeWindows1252(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  let n = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80 || (cp >= 0xa0 && cp <= 0xff)) out[n++] = cp;
    else out[n++] = CP1252_REVERSE.get(cp) ?? 0x3f;
  }
  return out.subarray(0, n);
}
