/** Parses a GUID string into the 16-byte Windows GUID layout (first three fields little-endian). */
export function guidToBytes(guid: string): Buffer {
  const hex = guid.replace(/^\{|\}$/g, '');
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(hex)) {
    throw new RangeError(`not a GUID: ${guid}`);
  }
  const raw = Buffer.from(hex.replace(/-/g, ''), 'hex');
  const out = Buffer.from(raw);
  out.writeUInt32LE(raw.readUInt32BE(0), 0);
  out.writeUInt16LE(raw.readUInt16BE(4), 4);
  out.writeUInt16LE(raw.readUInt16BE(6), 6);
  return out;
}

export function bytesToGuid(bytes: Buffer): string {
  const be = Buffer.from(bytes);
  be.writeUInt32BE(bytes.readUInt32LE(0), 0);
  be.writeUInt16BE(bytes.readUInt16LE(4), 4);
  be.writeUInt16BE(bytes.readUInt16LE(6), 6);
  const h = be.toString('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function normalizeGuid(guid: string): string {
  return guid.replace(/^\{|\}$/g, '').toUpperCase();
}
