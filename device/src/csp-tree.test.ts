import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CspTree, normalizeUri } from './csp-tree.js';
import { randomInventory } from './inventory.js';

const inv = randomInventory('csp', 0);
const tree = () => new CspTree(inv, { deviceId: 'ABCDEF0123456789ABCDEF0123456789', deviceName: 'DEMO-PC1' });

test('Gets of DevInfo and DevDetail answer from the inventory', () => {
  const t = tree();
  assert.deepEqual(t.get('./DevInfo/DevId'), { format: 'chr', data: 'ABCDEF0123456789ABCDEF0123456789' });
  assert.equal(t.get('./DevInfo/Man')?.data, inv.manufacturer);
  assert.equal(t.get('./DevInfo/Mod')?.data, inv.model);
  assert.equal(t.get('./DevDetail/SwV')?.data, inv.osBuild);
  assert.equal(t.get('./DevDetail/OEM')?.data, inv.manufacturer);
  assert.equal(t.get('./DevDetail/FwV')?.data, inv.biosVersion);
  assert.equal(t.get('./DevDetail/Ext/Microsoft/DeviceName')?.data, 'DEMO-PC1');
  assert.deepEqual(t.get('./DevDetail/Ext/Microsoft/TotalRAM'), { format: 'int', data: String(inv.totalRamMb) });
  assert.match(t.get('./DevDetail/Ext/Microsoft/LocalTime')!.data, /^\d{4}-\d\d-\d\dT/);
});

test('unknown nodes are absent and interior nodes list their children', () => {
  const t = tree();
  assert.equal(t.get('./DevDetail/Nope'), undefined);
  assert.equal(t.get('./Vendor/MSFT/Policy/Config/Camera/AllowCamera'), undefined);
  const devInfo = t.get('./DevInfo');
  assert.equal(devInfo?.format, 'node');
  assert.deepEqual(devInfo?.data.split('/').sort(), ['DevId', 'DmV', 'Lang', 'Man', 'Mod']);
});

test('policies can be written under Vendor/MSFT but inventory is read-only', () => {
  const t = tree();
  assert.equal(t.set('./Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera', '0', 'int'), '200');
  assert.deepEqual(t.get('./Vendor/MSFT/Policy/Config/Camera/AllowCamera'), { format: 'int', data: '0' });
  assert.equal(t.set('./Vendor/MSFT/Policy/Config/Camera/AllowCamera', '1', 'int', 'Add'), '418');
  assert.equal(t.set('./DevDetail/SwV', '1.0'), '405');
  assert.equal(t.set('./Random/Node', '1'), '405');
  assert.equal(t.delete('./Vendor/MSFT/Policy/Config/Camera'), '200');
  assert.equal(t.get('./Vendor/MSFT/Policy/Config/Camera/AllowCamera'), undefined);
  assert.equal(t.delete('./Vendor/MSFT/Policy/Config/Camera'), '404');
  assert.equal(t.delete('./DevInfo'), '405');
});

test('URIs are normalised to one spelling', () => {
  assert.equal(normalizeUri('./Device/Vendor/MSFT/DMClient/'), './Vendor/MSFT/DMClient');
  assert.equal(normalizeUri('DevInfo/Man'), './DevInfo/Man');
  assert.equal(normalizeUri('/DevInfo/Man'), './DevInfo/Man');
});
