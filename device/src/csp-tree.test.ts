import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CspTree, HEALTHY_SECURITY, normalizeUri } from './csp-tree.js';
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

const enrolledTree = () => new CspTree(inv, { deviceId: 'ABCDEF0123456789ABCDEF0123456789', deviceName: 'DEMO-PC1', providerId: 'Baton' });

test('Reboot/RebootNow executes under either spelling and counts reboots', () => {
  const t = enrolledTree();
  assert.equal(t.state.rebootCount, 0);
  assert.equal(t.exec('./Device/Vendor/MSFT/Reboot/RebootNow'), '200');
  assert.equal(t.exec('./Vendor/MSFT/Reboot/RebootNow'), '200');
  assert.equal(t.state.rebootCount, 2);
  assert.equal(t.state.enrolled, true);
  assert.equal(t.state.wiped, undefined);
});

test('each RemoteWipe node wipes and keeps what its CSP says it keeps', () => {
  const cases = [
    ['doWipe', false, false],
    ['doWipeProtected', false, false],
    ['doWipePersistProvisionedData', true, false],
    ['doWipePersistUserData', true, true],
  ] as const;
  for (const [method, enrollmentKept, userDataKept] of cases) {
    const t = enrolledTree();
    assert.equal(t.exec(`./Device/Vendor/MSFT/RemoteWipe/${method}`), '200', method);
    assert.equal(t.state.wiped?.method, method);
    assert.equal(t.state.wiped?.enrollmentKept, enrollmentKept, method);
    assert.equal(t.state.wiped?.userDataKept, userDataKept, method);
    assert.equal(t.state.enrolled, enrollmentKept, method);
  }
});

test('Exec of a missing node is 404, of a readable non-executable node 405; neither changes state', () => {
  const t = enrolledTree();
  assert.equal(t.exec('./Device/Vendor/MSFT/RemoteWipe/doWipeEverything'), '404');
  assert.equal(t.exec('./DevInfo/DevId'), '405');
  assert.equal(t.exec('./Vendor/MSFT/RemoteWipe'), '405');
  const before = JSON.stringify(enrolledTree().state);
  assert.deepEqual({ enrolled: t.state.enrolled, rebootCount: t.state.rebootCount, security: t.state.security }, { enrolled: true, rebootCount: 0, security: HEALTHY_SECURITY });
  assert.equal(JSON.stringify(t.state), before);
  assert.deepEqual(t.get('./Vendor/MSFT/RemoteWipe')?.data.split('/').sort(), [
    'doWipe',
    'doWipePersistProvisionedData',
    'doWipePersistUserData',
    'doWipeProtected',
  ]);
});

test('Delete of the DMClient provider unenrolls; deleting one of its settings does not', () => {
  const t = enrolledTree();
  assert.equal(t.get('./Vendor/MSFT/DMClient/Provider/Baton/EntDMID')?.data, 'ABCDEF0123456789ABCDEF0123456789');
  assert.equal(t.delete('./Device/Vendor/MSFT/DMClient/Provider/Baton/EntDeviceName'), '200');
  assert.equal(t.state.enrolled, true);
  assert.equal(t.delete('./Device/Vendor/MSFT/DMClient/Provider/Baton'), '200');
  assert.equal(t.state.enrolled, false);
  assert.equal(t.delete('./Device/Vendor/MSFT/DMClient/Provider/Baton'), '404');
});

test('DeviceStatus and Defender health report the simulated security state, live', () => {
  const tree = new CspTree(inv, { deviceId: 'D1', deviceName: 'DEMO-1' });
  assert.deepEqual(tree.get('./Vendor/MSFT/DeviceStatus/Compliance/EncryptionCompliance'), { format: 'int', data: '1' });
  assert.deepEqual(tree.get('./Device/Vendor/MSFT/DeviceStatus/SecureBootState'), { format: 'int', data: '1' });
  assert.equal(tree.get('./Vendor/MSFT/DeviceStatus/TPM/SpecificationVersion')?.data, '2.0');
  assert.equal(tree.get('./Vendor/MSFT/DeviceStatus/Firewall/Status')?.data, '0');
  assert.equal(tree.get('./Vendor/MSFT/Defender/Health/RtpEnabled')?.data, 'true');
  tree.setSecurity({ bitLocker: false, secureBoot: false, firewall: false, tpmVersion: null, realTimeProtection: false });
  assert.equal(tree.get('./Vendor/MSFT/DeviceStatus/Compliance/EncryptionCompliance')?.data, '0');
  assert.equal(tree.get('./Vendor/MSFT/DeviceStatus/SecureBootState')?.data, '2');
  assert.equal(tree.get('./Vendor/MSFT/DeviceStatus/TPM/SpecificationVersion')?.data, 'Not available');
  assert.equal(tree.get('./Vendor/MSFT/DeviceStatus/Firewall/Status')?.data, '1');
  assert.equal(tree.get('./Vendor/MSFT/Defender/Health/RtpEnabled')?.data, 'false');
  assert.equal(tree.set('./Vendor/MSFT/DeviceStatus/SecureBootState', '1'), '405', 'status nodes are read-only');
});

test('a Defender quick scan moves its time and overdue flag; a full scan takes 2; other scan data is refused', () => {
  const t = tree();
  const health = (node: string) => t.get(`./Device/Vendor/MSFT/Defender/Health/${node}`)?.data;
  assert.equal(health('QuickScanTime'), '');
  assert.equal(health('QuickScanOverdue'), 'true');
  assert.equal(Number(health('ProductStatus')) & (1 << 7), 1 << 7, 'no quick scan yet');
  assert.equal(t.exec('./Device/Vendor/MSFT/Defender/Scan', '1'), '200');
  assert.match(health('QuickScanTime')!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(health('QuickScanOverdue'), 'false');
  assert.equal(health('QuickScanSigVersion'), health('SignatureVersion'));
  assert.equal(health('FullScanTime'), '');
  assert.equal(t.exec('./Vendor/MSFT/Defender/Scan', '2'), '200');
  assert.equal(health('FullScanOverdue'), 'false');
  assert.equal(health('ProductStatus'), String(1 << 19), 'no flags set once both scans ran');
  assert.equal(t.exec('./Vendor/MSFT/Defender/Scan', '3'), '400');
  assert.equal(t.exec('./Vendor/MSFT/Defender/Scan/Quick'), '404', 'the CSP has no Scan/Quick node');
});

test('a signature update bumps the signature version and clears the out-of-date flags', () => {
  const t = tree();
  t.setSecurity({ antivirusSignaturesUpToDate: false });
  const before = t.get('./Vendor/MSFT/Defender/Health/SignatureVersion')!.data;
  assert.equal(t.get('./Vendor/MSFT/Defender/Health/SignatureOutOfDate')!.data, 'true');
  assert.equal(t.exec('./Device/Vendor/MSFT/Defender/UpdateSignature'), '200');
  const after = t.get('./Vendor/MSFT/Defender/Health/SignatureVersion')!.data;
  assert.notEqual(after, before);
  assert.equal(t.get('./Vendor/MSFT/Defender/Health/SignatureOutOfDate')!.data, 'false');
  assert.equal(t.get('./Vendor/MSFT/DeviceStatus/Antivirus/SignatureStatus')!.data, '0');
});

test('a BitLocker rotation is accepted with 202, records a new key and reports its request; without BitLocker it fails', () => {
  const t = tree();
  const status = () => t.get('./Device/Vendor/MSFT/BitLocker/Status/RotateRecoveryPasswordsStatus')!.data;
  const request = () => t.get('./Device/Vendor/MSFT/BitLocker/Status/RotateRecoveryPasswordsRequestID')!.data;
  assert.equal(status(), '2', 'not started');
  assert.equal(t.exec('./Device/Vendor/MSFT/BitLocker/RotateRecoveryPasswords', 'req-1'), '202');
  assert.equal(t.exec('./Device/Vendor/MSFT/BitLocker/RotateRecoveryPasswords', 'req-2'), '202');
  assert.deepEqual([status(), request()], ['0', 'req-2']);
  const [first, second] = t.state.bitLockerRotations;
  assert.ok(first!.keyId && second!.keyId && first!.keyId !== second!.keyId);
  assert.equal(t.exec('./Device/Vendor/MSFT/BitLocker/RotateRecoveryPasswords'), '400', 'a request id is required');
  t.setSecurity({ bitLocker: false });
  assert.equal(t.exec('./Device/Vendor/MSFT/BitLocker/RotateRecoveryPasswords', 'req-3'), '202');
  assert.equal(request(), 'req-3');
  assert.notEqual(status(), '0');
});

test('the recovery password exists while BitLocker is on, is BitLocker-shaped, and a rotation replaces it with the rotated key id', () => {
  const t = tree();
  const first = t.currentRecoveryPassword()!;
  assert.ok(first);
  assert.equal(t.currentRecoveryPassword(), first, 'stable until rotated');
  const groups = first.password.split('-');
  assert.equal(groups.length, 8);
  for (const g of groups) {
    assert.match(g, /^\d{6}$/);
    assert.equal(Number(g) % 11, 0);
    assert.ok(Number(g) < 720896);
  }
  assert.equal(t.exec('./Device/Vendor/MSFT/BitLocker/RotateRecoveryPasswords', 'req-1'), '202');
  const rotated = t.currentRecoveryPassword()!;
  assert.notEqual(rotated.keyId, first.keyId);
  assert.notEqual(rotated.password, first.password);
  assert.equal(t.state.bitLockerRotations.at(-1)!.keyId, rotated.keyId);
  t.setSecurity({ bitLocker: false });
  assert.equal(t.currentRecoveryPassword(), null, 'nothing to escrow while BitLocker is off');
});

test('a rename replaces DNSComputerName and DevDetail reports the new name; bad names and Add are refused', () => {
  const t = tree();
  assert.equal(t.set('./DevDetail/Ext/Microsoft/DNSComputerName', 'KIOSK-07'), '200');
  assert.equal(t.get('./DevDetail/Ext/Microsoft/DeviceName')!.data, 'KIOSK-07');
  assert.equal(t.get('./DevDetail/Ext/Microsoft/DNSComputerName')!.data, 'KIOSK-07');
  assert.equal(t.state.deviceName, 'KIOSK-07');
  assert.equal(t.set('./DevDetail/Ext/Microsoft/DNSComputerName', 'has space'), '400');
  assert.equal(t.set('./DevDetail/Ext/Microsoft/DNSComputerName', 'OTHER', 'chr', 'Add'), '405');
  assert.equal(t.set('./DevDetail/Ext/Microsoft/DeviceName', 'OTHER'), '405', 'DeviceName itself stays read-only on desktops');
  assert.equal(t.get('./DevDetail/Ext/Microsoft/DeviceName')!.data, 'KIOSK-07');
  // An Atomic that fails rolls a rename back with the rest.
  const snap = t.snapshot();
  t.set('./DevDetail/Ext/Microsoft/DNSComputerName', 'ROLLED-BACK');
  t.restore(snap);
  assert.equal(t.get('./DevDetail/Ext/Microsoft/DeviceName')!.data, 'KIOSK-07');
});
