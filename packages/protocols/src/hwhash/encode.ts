import { normalizeBase64 } from '../encoding/base64.js';
import { guidToBytes } from './guid.js';
import {
  BUILD_PAYLOAD_BYTES,
  DISK_HDD,
  DISK_INFO_PAYLOAD_BYTES,
  DISK_SSD,
  DISK_UNKNOWN,
  HEADER_BYTES,
  MAGIC,
  MAX_HASH_BYTES,
  MEDIUM_ETHERNET,
  MEDIUM_NATIVE_80211,
  MEMORY_PAYLOAD_BYTES,
  NETWORK_MAC_OFFSET,
  NETWORK_PAYLOAD_BYTES,
  RECORD_HEADER_BYTES,
  RecordType,
} from './layout.js';
import { macToBytes } from './mac.js';
import type { FourPartVersion, HardwareInventory } from './types.js';

/** The tool build our encoder stamps into record 1. */
const TOOL_BUILD: FourPartVersion = { major: 10, minor: 0, build: 26100, revision: 1 };
const TOOL_VERSION = 1;

function record(type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(RECORD_HEADER_BYTES);
  head.writeUInt16LE(type, 0);
  head.writeUInt16LE(RECORD_HEADER_BYTES + payload.length, 2);
  return Buffer.concat([head, payload]);
}

function cstring(value: string): Buffer {
  if (value.includes('\0')) throw new RangeError('hash strings cannot contain NUL');
  return Buffer.concat([Buffer.from(value, 'utf8'), Buffer.alloc(1)]);
}

function u16(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError(`${what} must be an integer in 0..65535`);
  return value;
}

function writeVersion(buf: Buffer, offset: number, v: FourPartVersion): void {
  buf.writeUInt16LE(u16(v.minor, 'minor'), offset);
  buf.writeUInt16LE(u16(v.major, 'major'), offset + 2);
  buf.writeUInt16LE(u16(v.revision, 'revision'), offset + 4);
  buf.writeUInt16LE(u16(v.build, 'build'), offset + 6);
}

function buildRecord(inv: HardwareInventory): Buffer {
  const payload = Buffer.alloc(BUILD_PAYLOAD_BYTES);
  writeVersion(payload, 0, TOOL_BUILD);
  writeVersion(payload, 8, inv.osBuild);
  payload.writeUInt8(u16(inv.osType ?? 2, 'osType') & 0xff, BUILD_PAYLOAD_BYTES - 3);
  payload.writeUInt8(u16(inv.cpuArch ?? 9, 'cpuArch') & 0xff, BUILD_PAYLOAD_BYTES - 2);
  payload.writeUInt8(TOOL_VERSION, BUILD_PAYLOAD_BYTES - 1);
  return record(RecordType.Build, payload);
}

function diskInfoRecord(disk: HardwareInventory['disks'][number]): Buffer {
  const payload = Buffer.alloc(DISK_INFO_PAYLOAD_BYTES);
  const capacity = disk.capacityGb ?? 0;
  if (!Number.isInteger(capacity) || capacity < 0 || capacity > 0xffffffff) throw new RangeError('capacityGb must be a u32');
  payload.writeUInt32LE(capacity, 0);
  payload.writeUInt8(u16(disk.bus ?? 0, 'bus') & 0xff, 8);
  payload.writeUInt8(disk.ssd === undefined ? DISK_UNKNOWN : disk.ssd ? DISK_SSD : DISK_HDD, 10);
  return record(RecordType.DiskInfo, payload);
}

/**
 * Encodes an inventory as the TLV area of an Autopilot 4K hash ("OA" + u16 length + records).
 * Real hashes append a signature we cannot produce; ours stop after the TLV area.
 * Throws RangeError when a field cannot be represented.
 */
export function encodeHardwareHash(inv: HardwareInventory): Buffer {
  const parts: Buffer[] = [buildRecord(inv)];
  parts.push(record(RecordType.ProcessorManufacturer, cstring(inv.processorManufacturer)));
  parts.push(record(RecordType.ProcessorModel, cstring(inv.processorModel)));
  if (inv.totalRamMb !== undefined) {
    if (!Number.isInteger(inv.totalRamMb) || inv.totalRamMb < 0 || inv.totalRamMb > 0xffffffff) throw new RangeError('totalRamMb must be a u32');
    const payload = Buffer.alloc(MEMORY_PAYLOAD_BYTES);
    payload.writeUInt32LE(inv.totalRamMb, 0);
    parts.push(record(RecordType.Memory, payload));
  }
  for (const disk of inv.disks) parts.push(diskInfoRecord(disk));
  for (const disk of inv.disks) parts.push(record(RecordType.DiskSerial, cstring(disk.serial)));
  for (const nic of inv.networkAdapters) {
    const payload = Buffer.alloc(NETWORK_PAYLOAD_BYTES);
    payload.writeUInt8(nic.medium === 'ethernet' ? MEDIUM_ETHERNET : MEDIUM_NATIVE_80211, 0);
    macToBytes(nic.mac).copy(payload, NETWORK_MAC_OFFSET);
    parts.push(record(RecordType.NetworkAdapter, payload));
  }
  parts.push(record(RecordType.SmbiosUuid, guidToBytes(inv.smbiosUuid)));
  if (inv.tpmVersion !== undefined) parts.push(record(RecordType.TpmVersion, cstring(inv.tpmVersion)));
  parts.push(record(RecordType.SmbiosSerial, cstring(inv.smbiosSerial)));
  parts.push(record(RecordType.SmbiosManufacturer, cstring(inv.smbiosManufacturer)));
  parts.push(record(RecordType.SmbiosProduct, cstring(inv.smbiosProduct)));
  if (inv.smbiosSku !== undefined) parts.push(record(RecordType.SmbiosSku, cstring(inv.smbiosSku)));
  if (inv.smbiosFamily !== undefined) parts.push(record(RecordType.SmbiosFamily, cstring(inv.smbiosFamily)));
  if (inv.productKeyId !== undefined) parts.push(record(RecordType.ProductKeyId, cstring(inv.productKeyId)));
  if (inv.tpmEkPub !== undefined) {
    const normal = normalizeBase64(inv.tpmEkPub);
    if (normal === undefined) throw new RangeError('tpmEkPub is not base64');
    parts.push(record(RecordType.TpmEkPub, Buffer.concat([Buffer.from(normal, 'base64'), Buffer.alloc(1)])));
  }
  const body = Buffer.concat(parts);
  const total = HEADER_BYTES + body.length;
  if (total > MAX_HASH_BYTES) throw new RangeError(`hash would be ${total} bytes; the format addresses at most ${MAX_HASH_BYTES}`);
  for (const part of parts) if (part.length > MAX_HASH_BYTES) throw new RangeError('record too long');
  const head = Buffer.alloc(HEADER_BYTES);
  head.writeUInt16LE(MAGIC, 0);
  head.writeUInt16LE(total, 2);
  return Buffer.concat([head, body]);
}
