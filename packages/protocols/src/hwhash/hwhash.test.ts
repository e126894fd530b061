import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { onlyParseErrors, rejectsWith } from '../testing/assert.js';
import { defined, opt } from '../testing/syncml-arbitraries.js';
import { decodeHardwareHash } from './decode.js';
import { encodeHardwareHash } from './encode.js';
import { hardwareIdentity, requiredFieldsMissing } from './identity.js';
import { StorageBusType } from './layout.js';
import type { HardwareInventory } from './types.js';

const text = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('\0'));
const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9A-F]{${n}}$`));
const guid = fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((p) => p.join('-'));
const mac = hex(12).map((h) => h.match(/../g)!.join(':'));
const u16 = fc.integer({ min: 0, max: 0xffff });

const inventory: fc.Arbitrary<HardwareInventory> = fc
  .record({
    osBuild: fc.record({ major: u16, minor: u16, build: u16, revision: u16 }),
    osType: opt(fc.integer({ min: 0, max: 255 })),
    cpuArch: opt(fc.constantFrom(0, 9, 12)),
    processorManufacturer: text,
    processorModel: text,
    totalRamMb: opt(fc.integer({ min: 0, max: 0xffffffff })),
    disks: fc.array(
      fc.record({ serial: text, capacityGb: opt(fc.integer({ min: 1, max: 0xffffffff })), bus: opt(fc.constantFrom(...Object.values(StorageBusType))), ssd: opt(fc.boolean()) }).map(defined),
      { maxLength: 3 },
    ),
    networkAdapters: fc.array(fc.record({ mac, medium: fc.constantFrom('ethernet' as const, 'wlan' as const) }), { maxLength: 4 }),
    smbiosUuid: guid,
    tpmVersion: opt(text),
    smbiosSerial: text,
    smbiosManufacturer: text,
    smbiosProduct: text,
    smbiosSku: opt(text),
    smbiosFamily: opt(text),
    productKeyId: opt(text),
    tpmEkPub: opt(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('base64'))),
  })
  .map(defined);

function expectedDecoding(inv: HardwareInventory) {
  const { osType, cpuArch, ...rest } = structuredClone(inv);
  return {
    ...rest,
    osType: osType ?? 2,
    cpuArch: cpuArch ?? 9,
    networkAdapters: inv.networkAdapters.map((n) => ({ ...n, mediumCode: n.medium === 'ethernet' ? 14 : 9 })),
  };
}

test('encode → decode round trip', () => {
  fc.assert(
    fc.property(inventory, (inv) => {
      const bytes = encodeHardwareHash(inv);
      const decoded = decodeHardwareHash(bytes);
      const { totalLength, toolBuild, toolVersion, unknownRecords, trailingBytes, ...fields } = decoded;
      assert.equal(totalLength, bytes.length);
      assert.ok(toolBuild && toolVersion !== undefined);
      assert.deepStrictEqual(unknownRecords, []);
      assert.equal(trailingBytes, 0);
      assert.deepStrictEqual(fields, expectedDecoding(inv));
      assert.deepStrictEqual(decodeHardwareHash(bytes.toString('base64')), decoded);
    }),
    { numRuns: 300 },
  );
});

test('layout matches the published TLV format', () => {
  const inv: HardwareInventory = {
    osBuild: { major: 10, minor: 0, build: 26100, revision: 2894 },
    processorManufacturer: 'GenuineIntel',
    processorModel: 'Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz',
    disks: [{ serial: 'S4EWNX0N123456', capacityGb: 512, bus: StorageBusType.NVMe, ssd: true }],
    networkAdapters: [{ mac: '00155D010203', medium: 'ethernet' }],
    smbiosUuid: '{4F1D3A5C-2B7E-4C9A-8D61-0E5F7A9B3C21}',
    smbiosSerial: 'PF2ABCDE',
    smbiosManufacturer: 'LENOVO',
    smbiosProduct: '20L7S0A100',
  };
  const bytes = encodeHardwareHash(inv);
  assert.equal(bytes.subarray(0, 2).toString('latin1'), 'OA');
  assert.equal(bytes.readUInt16LE(2), bytes.length);
  assert.deepStrictEqual([...bytes.subarray(4, 8)], [1, 0, 28, 0]);
  const cpu = bytes.indexOf(Buffer.from('GenuineIntel\0'));
  assert.deepStrictEqual([...bytes.subarray(cpu - 4, cpu)], [3, 0, 0x11, 0]);
  const uuidAt = bytes.indexOf(Buffer.from([12, 0, 20, 0])) + 4;
  assert.equal(bytes.subarray(uuidAt, uuidAt + 16).toString('hex'), '5c3a1d4f7e2b9a4c8d610e5f7a9b3c21');
  const nicAt = bytes.indexOf(Buffer.from([8, 0, 16, 0])) + 4;
  assert.equal(bytes[nicAt], 14);
  assert.equal(bytes.subarray(nicAt + 4, nicAt + 10).toString('hex'), '00155d010203');
  assert.equal(decodeHardwareHash(bytes).smbiosUuid, '4F1D3A5C-2B7E-4C9A-8D61-0E5F7A9B3C21');
});

test('an OS update changes the bytes but not the hardware identity', () => {
  fc.assert(
    fc.property(inventory, fc.record({ major: u16, minor: u16, build: u16, revision: u16 }), (inv, newer) => {
      fc.pre(JSON.stringify(newer) !== JSON.stringify(inv.osBuild));
      const before = encodeHardwareHash(inv);
      const after = encodeHardwareHash({ ...inv, osBuild: newer, totalRamMb: Math.min((inv.totalRamMb ?? 0) + 1, 0xffffffff) });
      assert.notDeepStrictEqual(before, after);
      assert.equal(hardwareIdentity(decodeHardwareHash(before)), hardwareIdentity(decodeHardwareHash(after)));
    }),
    { numRuns: 200 },
  );
});

test('identity differs when a serial, MAC or EK changes, and ignores MAC order', () => {
  const inv = fc.sample(inventory, { numRuns: 1, seed: 42 })[0];
  const base = { ...inv, smbiosSerial: 'A1', networkAdapters: [{ mac: '00:00:00:00:00:01', medium: 'ethernet' as const }, { mac: '00:00:00:00:00:02', medium: 'wlan' as const }] };
  const id = hardwareIdentity(decodeHardwareHash(encodeHardwareHash(base)));
  assert.notEqual(id, hardwareIdentity(decodeHardwareHash(encodeHardwareHash({ ...base, smbiosSerial: 'A2' }))));
  assert.notEqual(id, hardwareIdentity(decodeHardwareHash(encodeHardwareHash({ ...base, tpmEkPub: 'AQID' }))));
  assert.equal(id, hardwareIdentity(decodeHardwareHash(encodeHardwareHash({ ...base, networkAdapters: [...base.networkAdapters].reverse() }))));
});

test('required fields are reported when blank or absent', () => {
  const inv: HardwareInventory = {
    osBuild: { major: 10, minor: 0, build: 1, revision: 0 },
    processorManufacturer: 'x',
    processorModel: 'y',
    disks: [],
    networkAdapters: [],
    smbiosUuid: '00000000-0000-0000-0000-000000000000',
    smbiosSerial: ' ',
    smbiosManufacturer: 'M',
    smbiosProduct: '',
  };
  assert.deepStrictEqual(requiredFieldsMissing(decodeHardwareHash(encodeHardwareHash(inv))), ['SmbiosSerial', 'SmbiosProduct', 'SmbiosUuid', 'DiskSerial', 'Mac']);
  const full = { ...inv, smbiosSerial: 'S', smbiosProduct: 'P', smbiosUuid: '4F1D3A5C-2B7E-4C9A-8D61-0E5F7A9B3C21', disks: [{ serial: 'D' }], networkAdapters: [{ mac: '00:15:5D:00:00:01', medium: 'wlan' as const }] };
  assert.deepStrictEqual(requiredFieldsMissing(decodeHardwareHash(encodeHardwareHash(full))), []);
});

test('unpadded base64 is accepted; non-base64 is rejected', () => {
  const inv = fc.sample(inventory, { numRuns: 5, seed: 3 }).find((i) => encodeHardwareHash(i).length % 3 !== 0)!;
  const padded = encodeHardwareHash(inv).toString('base64');
  assert.ok(padded.endsWith('='));
  assert.deepStrictEqual(decodeHardwareHash(padded.replace(/=+$/, '')), decodeHardwareHash(padded));
  assert.deepStrictEqual(decodeHardwareHash(` ${padded.slice(0, 10)}\r\n${padded.slice(10)} `), decodeHardwareHash(padded));
  rejectsWith('hash.base64', () => decodeHardwareHash('T0E*AAA'));
  rejectsWith('hash.base64', () => decodeHardwareHash('T0EAA'));
  rejectsWith('hash.base64', () => decodeHardwareHash('T0E=AAAA'));
});

test('structural errors carry specific codes', () => {
  rejectsWith('hash.magic', () => decodeHardwareHash(Buffer.from('XX\x04\x00', 'latin1')));
  rejectsWith('hash.magic', () => decodeHardwareHash(Buffer.alloc(2)));
  rejectsWith('hash.truncated', () => decodeHardwareHash(Buffer.from([0x4f, 0x41, 0x10, 0x00])));
  rejectsWith('hash.truncated', () => decodeHardwareHash(Buffer.from([0x4f, 0x41, 0x08, 0x00, 0x03, 0x00, 0x02, 0x00])));
  rejectsWith('hash.truncated', () => decodeHardwareHash(Buffer.from([0x4f, 0x41, 0x08, 0x00, 0x03, 0x00, 0x09, 0x00])));
  rejectsWith('hash.truncated', () => decodeHardwareHash(Buffer.from([0x4f, 0x41, 0x06, 0x00, 0x03, 0x00])));
  rejectsWith('hash.record', () => decodeHardwareHash(Buffer.from([0x4f, 0x41, 0x09, 0x00, 0x0c, 0x00, 0x05, 0x00, 0x01])));
  assert.deepStrictEqual(decodeHardwareHash(Buffer.from([0x4f, 0x41, 0x09, 0x00, 0x63, 0x00, 0x05, 0x00, 0x01, 0xaa])).unknownRecords, [{ type: 0x63, length: 5 }]);
  assert.equal(decodeHardwareHash(Buffer.from([0x4f, 0x41, 0x09, 0x00, 0x63, 0x00, 0x05, 0x00, 0x01, 0xaa])).trailingBytes, 1);
});

test('encoder refuses what the format cannot hold', () => {
  const inv = fc.sample(inventory, { numRuns: 1, seed: 1 })[0];
  assert.throws(() => encodeHardwareHash({ ...inv, smbiosSerial: 'x'.repeat(70_000) }), RangeError);
  assert.throws(() => encodeHardwareHash({ ...inv, smbiosUuid: 'nope' }), RangeError);
  assert.throws(() => encodeHardwareHash({ ...inv, networkAdapters: [{ mac: '00:11', medium: 'wlan' }] }), RangeError);
  assert.throws(() => encodeHardwareHash({ ...inv, osBuild: { ...inv.osBuild, build: 70_000 } }), RangeError);
});

test('hostile input only ever raises ProtocolParseError', () => {
  const valid = fc.sample(inventory, { numRuns: 20, seed: 9 }).map(encodeHardwareHash);
  const corrupt = fc.tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat()).map(([bytes, edits, cut]) => {
    const copy = Buffer.from(bytes);
    for (const [at, value] of edits) copy[at % copy.length] = value;
    return copy.subarray(0, Math.max(0, copy.length - (cut % 40)));
  });
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
    fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.concat([Buffer.from('OA'), Buffer.from(b)])),
    corrupt,
    corrupt.map((b) => b.toString('base64').replace(/=+$/, '')),
    fc.string({ maxLength: 200 }),
  );
  fc.assert(fc.property(input, (value) => onlyParseErrors(() => decodeHardwareHash(value))), { numRuns: 3000 });
  onlyParseErrors(() => decodeHardwareHash(42 as unknown as string));
  rejectsWith('hash.size', () => decodeHardwareHash('A'.repeat(300_000)));
});
