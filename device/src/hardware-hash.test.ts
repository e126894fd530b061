import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeHardwareHash, requiredFieldsMissing } from '@baton/protocols';
import { hardwareHash } from './hardware-hash.js';
import { randomInventory } from './inventory.js';

test('the hash decodes back to the inventory it was made from', () => {
  for (let i = 0; i < 20; i++) {
    const inv = randomInventory('hash', i);
    const decoded = decodeHardwareHash(hardwareHash(inv));
    assert.equal(decoded.smbiosSerial, inv.serialNumber);
    assert.equal(decoded.smbiosManufacturer, inv.manufacturer);
    assert.equal(decoded.smbiosProduct, inv.model);
    assert.equal(decoded.smbiosUuid, inv.smbiosUuid);
    assert.deepEqual(decoded.networkAdapters.map((n) => n.mac), inv.macAddresses);
    assert.deepEqual(decoded.disks.map((d) => d.serial), inv.disks.map((d) => d.serial));
    assert.equal(decoded.tpmEkPub, inv.tpm.ekPublicKey);
    assert.deepEqual(decoded.osBuild, { major: 10, minor: 0, build: Number(inv.osBuild.split('.')[2]), revision: Number(inv.osBuild.split('.')[3]) });
    assert.deepEqual(requiredFieldsMissing(decoded), []);
  }
});

test('the hash is deterministic per machine and differs between machines', () => {
  assert.equal(hardwareHash(randomInventory('h', 1)), hardwareHash(randomInventory('h', 1)));
  assert.notEqual(hardwareHash(randomInventory('h', 1)), hardwareHash(randomInventory('h', 2)));
});
