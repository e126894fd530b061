import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deviceNameFromTemplate, hardwareDeviceId, mdmDeviceId, randomInventory } from './inventory.js';
import { SimulatedTpm } from './tpm.js';

test('the same seed and index give the same machine', () => {
  assert.deepEqual(randomInventory('fleet-a', 7), randomInventory('fleet-a', 7));
  assert.deepEqual(randomInventory(42, 0), randomInventory('42', 0));
});

test('different indexes and seeds give different machines', () => {
  const serials = new Set(Array.from({ length: 200 }, (_, i) => randomInventory('fleet-a', i).serialNumber));
  assert.equal(serials.size, 200);
  assert.notEqual(randomInventory('fleet-a', 1).serialNumber, randomInventory('fleet-b', 1).serialNumber);
  assert.notEqual(randomInventory('fleet-a', 1).smbiosUuid, randomInventory('fleet-a', 2).smbiosUuid);
});

test('values look like what Windows reports', () => {
  for (let i = 0; i < 50; i++) {
    const inv = randomInventory('shape', i);
    assert.match(inv.serialNumber, /^[A-Z0-9]{10}$/);
    assert.ok(['Contoso', 'Fabrikam', 'Northwind'].includes(inv.manufacturer));
    assert.ok(inv.model.startsWith(inv.manufacturer));
    assert.match(inv.smbiosUuid, /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    assert.equal(inv.macAddresses.length, 2);
    for (const mac of inv.macAddresses) assert.match(mac, /^([0-9A-F]{2}:){5}[0-9A-F]{2}$/);
    assert.match(inv.osBuild, /^10\.0\.\d{5}\.\d+$/);
    assert.equal(Buffer.from(inv.tpm.ekPublicKey, 'base64').length, 91);
    assert.ok(inv.disks.length >= 1);
  }
  assert.ok(Array.from({ length: 50 }, (_, i) => randomInventory('shape', i).serialNumber).some((s) => s.startsWith('5CG')));
});

test('the EK public key is a P-256 SPKI of a key the TPM holds, the same for the same machine', async () => {
  const inv = randomInventory('ek', 3);
  const key = await crypto.subtle.importKey('spki', Buffer.from(inv.tpm.ekPublicKey, 'base64'), { name: 'ECDH', namedCurve: 'P-256' }, true, []);
  assert.equal((key.algorithm as EcKeyAlgorithm).namedCurve, 'P-256');
  assert.equal(randomInventory('ek', 3).tpm.ekPublicKey, inv.tpm.ekPublicKey);
  assert.notEqual(randomInventory('ek', 4).tpm.ekPublicKey, inv.tpm.ekPublicKey);
  assert.equal(new SimulatedTpm(inv.tpm.endorsementSeed).ekPublicDer.toString('base64'), inv.tpm.ekPublicKey);
});

test('MDM DeviceID is 32 uppercase hex and HWDevID 64, both stable per machine', () => {
  const inv = randomInventory('ids', 1);
  assert.match(mdmDeviceId(inv), /^[0-9A-F]{32}$/);
  assert.match(hardwareDeviceId(inv), /^[0-9A-F]{64}$/);
  assert.equal(mdmDeviceId(inv), mdmDeviceId(randomInventory('ids', 1)));
  assert.notEqual(mdmDeviceId(inv), mdmDeviceId(randomInventory('ids', 2)));
});

test('device names follow the Autopilot template and NetBIOS length', () => {
  const inv = { ...randomInventory('name', 0), serialNumber: '5CG1234XYZ' };
  assert.equal(deviceNameFromTemplate('DEMO-%SERIAL%', inv), 'DEMO-5CG1234XYZ');
  assert.equal(deviceNameFromTemplate('CONTOSO-LAPTOP-%SERIAL%', inv), 'CONTOSO-LAPTOP-');
  assert.match(deviceNameFromTemplate('PC-%RAND:5%', inv), /^PC-\d{5}$/);
  assert.match(deviceNameFromTemplate(undefined, inv), /^DESKTOP-[A-Z0-9]{7}$/);
});
