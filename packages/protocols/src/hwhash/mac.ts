export function macToBytes(mac: string): Buffer {
  const hex = mac.replace(/[:-]/g, '');
  if (!/^[0-9a-fA-F]{12}$/.test(hex) || (mac.length !== 12 && mac.length !== 17)) throw new RangeError(`not a MAC address: ${mac}`);
  return Buffer.from(hex, 'hex');
}

export function bytesToMac(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

export function normalizeMac(mac: string): string {
  return bytesToMac(macToBytes(mac));
}
