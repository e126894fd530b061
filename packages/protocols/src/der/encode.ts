/**
 * DER encoding of the few ASN.1 types certificates are made of. Each function answers the
 * complete TLV, so a structure is written as nested calls in the order the ASN.1 names it.
 */

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  teletexString: 0x14,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  bmpString: 0x1e,
  sequence: 0x30,
  set: 0x31,
} as const;

export function tlv(tag: number, content: Uint8Array): Buffer {
  const n = content.length;
  let header: number[];
  if (n < 0x80) header = [tag, n];
  else if (n < 0x100) header = [tag, 0x81, n];
  else if (n < 0x10000) header = [tag, 0x82, n >> 8, n & 0xff];
  else if (n < 0x1000000) header = [tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  else throw new RangeError('DER content over 16 MiB');
  return Buffer.concat([Buffer.from(header), content]);
}

export const sequence = (...parts: Uint8Array[]): Buffer => tlv(TAG.sequence, Buffer.concat(parts));
export const set = (...parts: Uint8Array[]): Buffer => tlv(TAG.set, Buffer.concat(parts));
export const octetString = (bytes: Uint8Array): Buffer => tlv(TAG.octetString, bytes);
export const nullValue = (): Buffer => Buffer.from([TAG.null, 0]);
export const boolean = (value: boolean): Buffer => Buffer.from([TAG.boolean, 1, value ? 0xff : 0]);
/** [n] EXPLICIT: a constructed context tag around a complete TLV. */
export const explicit = (n: number, inner: Uint8Array): Buffer => tlv(0xa0 | n, inner);
/** [n] IMPLICIT over a primitive type: the context tag replaces the type's own. */
export const implicitPrimitive = (n: number, content: Uint8Array): Buffer => tlv(0x80 | n, content);

/** An INTEGER from unsigned big-endian bytes, in the minimal two's-complement form DER requires. */
export function unsignedInteger(bytes: Uint8Array): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = bytes.subarray(i);
  if (trimmed.length === 0) return Buffer.from([TAG.integer, 1, 0]);
  return tlv(TAG.integer, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export function smallInteger(value: number): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) throw new RangeError(`not a small non-negative integer: ${value}`);
  const bytes: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return unsignedInteger(Uint8Array.from(bytes));
}

/** `1.2.840.10045.4.3.2` → OBJECT IDENTIFIER. */
/** Arcs of any size: a UUID's OID (2.25.<128-bit integer>, X.667) needs more than a double holds. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((s) => {
    if (!/^\d{1,40}$/.test(s)) throw new RangeError(`not an OID: ${dotted}`);
    return BigInt(s);
  });
  if (arcs.length < 2 || arcs[0]! > 2n || (arcs[0]! < 2n && arcs[1]! > 39n)) throw new RangeError(`not an OID: ${dotted}`);
  const out: number[] = [];
  const base128 = (value: bigint) => {
    const groups = [Number(value & 0x7fn)];
    for (let v = value >> 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...groups);
  };
  base128(arcs[0]! * 40n + arcs[1]!);
  for (const arc of arcs.slice(2)) base128(arc);
  return tlv(TAG.oid, Uint8Array.from(out));
}

/** A BIT STRING of whole bytes (keys, signatures). */
export const bitString = (bytes: Uint8Array): Buffer => tlv(TAG.bitString, Buffer.concat([Buffer.from([0]), bytes]));

/**
 * A named-bit BIT STRING (key usage) from bit numbers, bit 0 first: DER drops trailing zero
 * bits and counts the unused ones of the last byte.
 */
export function namedBits(bits: number[]): Buffer {
  if (bits.length === 0) return Buffer.from([TAG.bitString, 1, 0]);
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  return tlv(TAG.bitString, Buffer.concat([Buffer.from([7 - (highest & 7)]), bytes]));
}

export const utf8String = (text: string): Buffer => tlv(TAG.utf8String, Buffer.from(text, 'utf8'));
export const ia5String = (text: string): Buffer => tlv(TAG.ia5String, Buffer.from(text, 'latin1'));

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** PrintableString when the text fits its alphabet, UTF8String otherwise (RFC 5280 §4.1.2.4). */
export function directoryString(text: string): Buffer {
  return PRINTABLE.test(text) ? tlv(TAG.printableString, Buffer.from(text, 'latin1')) : utf8String(text);
}

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5), to the second. */
export function time(at: Date): Buffer {
  const iso = at.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = at.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new RangeError(`no certificate time for the year ${year}`);
  return year < 2050 ? tlv(TAG.utcTime, Buffer.from(digits.slice(2), 'latin1')) : tlv(TAG.generalizedTime, Buffer.from(digits, 'latin1'));
}
