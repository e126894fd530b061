/**
 * A strict DER reader: definite lengths in their minimal form, single-byte tags, every
 * length inside its parent. It hands out byte ranges, not decoded trees, so a verifier can
 * check a signature over exactly the bytes it was given.
 */
import { fail } from '../errors.js';
import { TAG } from './encode.js';

export interface DerNode {
  tag: number;
  /** The whole TLV. */
  start: number;
  end: number;
  /** The content octets. */
  contentStart: number;
}

export function readNode(bytes: Uint8Array, offset: number, limit: number = bytes.length): DerNode {
  if (offset + 2 > limit) fail('der.truncated', 'The DER value ends before its header.');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) fail('der.tag', 'Multi-byte DER tags are not used here.');
  const first = bytes[offset + 1]!;
  let length: number;
  let contentStart: number;
  if (first < 0x80) {
    length = first;
    contentStart = offset + 2;
  } else {
    const count = first & 0x7f;
    if (count === 0) fail('der.length', 'Indefinite lengths are not DER.');
    if (count > 3) fail('der.length', 'The DER length is out of range.');
    if (offset + 2 + count > limit) fail('der.truncated', 'The DER value ends inside its length.');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[offset + 2 + i]!;
    if (bytes[offset + 2]! === 0 || length < 0x80) fail('der.length', 'The DER length is not in its minimal form.');
    contentStart = offset + 2 + count;
  }
  const end = contentStart + length;
  if (end > limit) fail('der.truncated', 'The DER value is longer than what holds it.');
  return { tag, start: offset, end, contentStart };
}

/** The node at `offset`, which must carry `tag`. */
export function expectNode(bytes: Uint8Array, offset: number, tag: number, what: string, limit: number = bytes.length): DerNode {
  const node = readNode(bytes, offset, limit);
  if (node.tag !== tag) fail('der.unexpected', `${what}: expected tag 0x${tag.toString(16)}, found 0x${node.tag.toString(16)}.`);
  return node;
}

/** The one value `bytes` holds, with nothing after it. */
export function readRoot(bytes: Uint8Array, tag: number, what: string): DerNode {
  const node = expectNode(bytes, 0, tag, what);
  if (node.end !== bytes.length) fail('der.trailing', `${what} is followed by extra bytes.`);
  return node;
}

export function childrenOf(bytes: Uint8Array, parent: DerNode): DerNode[] {
  if ((parent.tag & 0x20) === 0) fail('der.unexpected', 'A primitive DER value has no children.');
  const out: DerNode[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const child = readNode(bytes, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

export const content = (bytes: Uint8Array, node: DerNode): Uint8Array => bytes.subarray(node.contentStart, node.end);
export const whole = (bytes: Uint8Array, node: DerNode): Uint8Array => bytes.subarray(node.start, node.end);

/** The largest arc read: a UUID's (2.25.<128-bit integer>). */
const MAX_OID_ARC = 1n << 128n;

export function decodeOid(bytes: Uint8Array, node: DerNode): string {
  if (node.tag !== TAG.oid) fail('der.unexpected', 'Expected an OBJECT IDENTIFIER.');
  const body = content(bytes, node);
  if (body.length === 0) fail('der.oid', 'An empty OBJECT IDENTIFIER.');
  const arcs: bigint[] = [];
  let value = 0n;
  let started = false;
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (!started && b === 0x80) fail('der.oid', 'An OBJECT IDENTIFIER arc is not minimal.');
    started = true;
    value = (value << 7n) | BigInt(b & 0x7f);
    if (value >= MAX_OID_ARC) fail('der.oid', 'An OBJECT IDENTIFIER arc is too large.');
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(value < 80n ? value / 40n : 2n, value < 80n ? value % 40n : value - 80n);
      else arcs.push(value);
      value = 0n;
      started = false;
    }
  }
  if (started) fail('der.oid', 'An OBJECT IDENTIFIER ends inside an arc.');
  return arcs.join('.');
}

/** A BIT STRING holding whole bytes (keys, signatures). */
export function bitStringBytes(bytes: Uint8Array, node: DerNode): Uint8Array {
  if (node.tag !== TAG.bitString) fail('der.unexpected', 'Expected a BIT STRING.');
  const body = content(bytes, node);
  if (body.length === 0 || body[0] !== 0) fail('der.bitstring', 'Expected a BIT STRING of whole bytes.');
  return body.subarray(1);
}

/** The text of a directory string; undefined for a type that is not one. */
export function decodeString(bytes: Uint8Array, node: DerNode): string | undefined {
  const body = Buffer.from(content(bytes, node));
  switch (node.tag) {
    case TAG.utf8String:
      return body.toString('utf8');
    case TAG.printableString:
    case TAG.ia5String:
    case TAG.teletexString:
      return body.toString('latin1');
    case TAG.bmpString:
      if (body.length % 2 !== 0) fail('der.string', 'A BMPString of an odd length.');
      return body.swap16().toString('utf16le');
    default:
      return undefined;
  }
}
