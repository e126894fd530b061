import { decodeBase64 } from '../encoding/base64.js';
import { fail } from '../errors.js';
import { bytesToGuid } from './guid.js';
import {
  BUILD_PAYLOAD_BYTES,
  DISK_HDD,
  DISK_SSD,
  HEADER_BYTES,
  MAGIC,
  MEDIUM_ETHERNET,
  MEDIUM_NATIVE_80211,
  MEDIUM_WIRELESS_LAN,
  NETWORK_MAC_OFFSET,
  RECORD_HEADER_BYTES,
  RecordType,
} from './layout.js';
import { bytesToMac } from './mac.js';
import type { DecodedHardwareHash, FourPartVersion } from './types.js';

/** Base64 input bound: a real hash is about 4 KB of text. */
const MAX_BASE64_CHARS = 256 * 1024;

function readVersion(buf: Buffer, offset: number): FourPartVersion {
  return { minor: buf.readUInt16LE(offset), major: buf.readUInt16LE(offset + 2), revision: buf.readUInt16LE(offset + 4), build: buf.readUInt16LE(offset + 6) };
}

function cstring(payload: Buffer): string {
  const end = payload.indexOf(0);
  return payload.subarray(0, end < 0 ? payload.length : end).toString('utf8');
}

const STRING_FIELDS = {
  [RecordType.ProcessorManufacturer]: 'processorManufacturer',
  [RecordType.ProcessorModel]: 'processorModel',
  [RecordType.TpmVersion]: 'tpmVersion',
  [RecordType.SmbiosSerial]: 'smbiosSerial',
  [RecordType.SmbiosManufacturer]: 'smbiosManufacturer',
  [RecordType.SmbiosProduct]: 'smbiosProduct',
  [RecordType.SmbiosSku]: 'smbiosSku',
  [RecordType.SmbiosFamily]: 'smbiosFamily',
  [RecordType.ProductKeyId]: 'productKeyId',
} as const satisfies Record<number, keyof DecodedHardwareHash>;

function toBuffer(input: Buffer | string): Buffer {
  if (Buffer.isBuffer(input)) return input;
  if (typeof input !== 'string') fail('hash.type', 'hash must be a Buffer or a base64 string');
  if (input.length > MAX_BASE64_CHARS) fail('hash.size', 'hash text is far larger than any hardware hash');
  return decodeBase64(input, 'hash.base64');
}

/**
 * Decodes an Autopilot 4K hash (Buffer, or base64 with or without padding). Every read is
 * bounds-checked against the declared TLV area; malformed input raises ProtocolParseError.
 */
export function decodeHardwareHash(input: Buffer | string): DecodedHardwareHash {
  const buf = toBuffer(input);
  if (buf.length < HEADER_BYTES || buf.readUInt16LE(0) !== MAGIC) fail('hash.magic', 'hash does not start with "OA"');
  const totalLength = buf.readUInt16LE(2);
  if (totalLength < HEADER_BYTES || totalLength > buf.length) fail('hash.truncated', `declared length ${totalLength} exceeds the ${buf.length} bytes present`);
  const out: DecodedHardwareHash = { totalLength, disks: [], networkAdapters: [], unknownRecords: [], trailingBytes: buf.length - totalLength };
  const serials: string[] = [];
  const diskInfo: Array<{ capacityGb?: number; bus?: number; ssd?: boolean }> = [];
  let offset = HEADER_BYTES;
  while (offset < totalLength) {
    if (offset + RECORD_HEADER_BYTES > totalLength) fail('hash.truncated', `record header at ${offset} runs past the end`);
    const type = buf.readUInt16LE(offset);
    const length = buf.readUInt16LE(offset + 2);
    if (length < RECORD_HEADER_BYTES) fail('hash.truncated', `record at ${offset} has length ${length}`);
    if (offset + length > totalLength) fail('hash.truncated', `record at ${offset} runs past the end`);
    const payload = buf.subarray(offset + RECORD_HEADER_BYTES, offset + length);
    offset += length;
    if (type in STRING_FIELDS) {
      out[STRING_FIELDS[type as keyof typeof STRING_FIELDS]] = cstring(payload);
      continue;
    }
    switch (type) {
      case RecordType.Build:
        if (payload.length < BUILD_PAYLOAD_BYTES) fail('hash.record', 'build record too short');
        out.toolBuild = readVersion(payload, 0);
        out.osBuild = readVersion(payload, 8);
        out.osType = payload[payload.length - 3];
        out.cpuArch = payload[payload.length - 2];
        out.toolVersion = payload[payload.length - 1];
        break;
      case RecordType.Memory:
        if (payload.length < 4) fail('hash.record', 'memory record too short');
        out.totalRamMb = payload.readUInt32LE(0);
        break;
      case RecordType.DiskInfo: {
        if (payload.length < 11) fail('hash.record', 'disk record too short');
        const info: { capacityGb?: number; bus?: number; ssd?: boolean } = {};
        const capacity = payload.readUInt32LE(0);
        if (capacity !== 0) info.capacityGb = capacity;
        if (payload[8] !== 0) info.bus = payload[8];
        if (payload[10] === DISK_SSD) info.ssd = true;
        else if (payload[10] === DISK_HDD) info.ssd = false;
        diskInfo.push(info);
        break;
      }
      case RecordType.DiskSerial:
        serials.push(cstring(payload));
        break;
      case RecordType.NetworkAdapter: {
        if (payload.length < NETWORK_MAC_OFFSET + 6) fail('hash.record', 'network record too short');
        const code = payload[0];
        const medium = code === MEDIUM_ETHERNET ? 'ethernet' : code === MEDIUM_NATIVE_80211 || code === MEDIUM_WIRELESS_LAN ? 'wlan' : 'other';
        out.networkAdapters.push({ mac: bytesToMac(payload.subarray(NETWORK_MAC_OFFSET, NETWORK_MAC_OFFSET + 6)), medium, mediumCode: code });
        break;
      }
      case RecordType.SmbiosUuid:
        if (payload.length !== 16) fail('hash.record', 'SMBIOS UUID record is not 16 bytes');
        out.smbiosUuid = bytesToGuid(payload);
        break;
      case RecordType.TpmEkPub: {
        const raw = payload.length > 0 && payload[payload.length - 1] === 0 ? payload.subarray(0, payload.length - 1) : payload;
        out.tpmEkPub = raw.toString('base64');
        break;
      }
      default:
        out.unknownRecords.push({ type, length });
    }
  }
  for (let i = 0; i < Math.max(serials.length, diskInfo.length); i++) {
    out.disks.push({ ...(serials[i] !== undefined ? { serial: serials[i] } : {}), ...(diskInfo[i] ?? {}) });
  }
  return out;
}
