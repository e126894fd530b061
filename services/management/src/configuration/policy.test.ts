import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { GraphError } from '@baton/kit';
import { CUSTOM_TYPE, desiredSettings, parseConfigurationInput, toGraphConfiguration, type ConfigurationPolicy } from './policy.js';
import { TEMPLATE_TYPES } from './templates.js';

const custom = (omaSettings: unknown[]) => ({ '@odata.type': CUSTOM_TYPE, displayName: 'Custom', omaSettings });
const oma = (type: string, value: unknown, omaUri = './Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera', extra: Record<string, unknown> = {}) => ({
  '@odata.type': `#microsoft.graph.${type}`,
  displayName: type,
  omaUri,
  value,
  ...extra,
});
const rejects = (body: unknown, pattern: RegExp, mode: 'create' | 'update' = 'create', existing?: string) =>
  assert.throws(
    () => parseConfigurationInput(body, mode, existing),
    (e: unknown) => e instanceof GraphError && e.statusCode === 400 && pattern.test(e.message),
  );
const stored = (input: ReturnType<typeof parseConfigurationInput>): ConfigurationPolicy => ({
  id: 'p',
  tenantId: 't',
  odataType: input.odataType!,
  displayName: input.displayName!,
  description: null,
  properties: input.properties,
  version: 1,
  createdAt: '',
  modifiedAt: '',
});

test('every omaSetting type maps to its SyncML format and value', () => {
  const xml = '<Policy name="x"/>';
  const input = parseConfigurationInput(
    custom([
      oma('omaSettingString', 'text', './Vendor/MSFT/A/S'),
      oma('omaSettingInteger', 3, './Vendor/MSFT/A/I'),
      oma('omaSettingBoolean', true, './Vendor/MSFT/A/B'),
      oma('omaSettingBase64', Buffer.from('bin').toString('base64'), './Vendor/MSFT/A/64', { fileName: 'a.bin' }),
      oma('omaSettingDateTime', '2026-11-26T10:00:00Z', './Vendor/MSFT/A/D'),
      oma('omaSettingStringXml', Buffer.from(xml).toString('base64'), './Vendor/MSFT/A/X'),
    ]),
    'create',
  );
  assert.deepEqual(
    desiredSettings(stored(input)).map((s) => [s.format, s.value]),
    [
      ['chr', 'text'],
      ['int', '3'],
      ['bool', 'true'],
      ['b64', Buffer.from('bin').toString('base64')],
      ['chr', '2026-11-26T10:00:00Z'],
      ['chr', xml],
    ],
  );
});

test('bad omaSettings are Graph 400s naming what is wrong', () => {
  rejects(custom([oma('omaSettingInteger', 'three')]), /32-bit integer/);
  rejects(custom([oma('omaSettingInteger', 2 ** 31)]), /32-bit integer/);
  rejects(custom([oma('omaSettingBoolean', 'true')]), /boolean/);
  rejects(custom([oma('omaSettingBase64', 'not base64!')]), /base64/);
  rejects(custom([oma('omaSettingStringXml', Buffer.from('plain').toString('base64'))]), /XML/);
  rejects(custom([oma('omaSettingDateTime', 'yesterday')]), /ISO 8601/);
  rejects(custom([oma('omaSettingString', 'x', 'Vendor/MSFT/NoDot')]), /start with '\.\/'/);
  rejects(custom([oma('omaSettingNope', 'x')]), /@odata.type/);
  rejects(custom([oma('omaSettingString', 'a'), oma('omaSettingString', 'b', './Vendor/MSFT/Policy/Config/Camera/AllowCamera')]), /appears twice/);
  rejects({ displayName: 'x' }, /@odata.type' is required/);
  rejects({ '@odata.type': '#microsoft.graph.iosGeneralDeviceConfiguration', displayName: 'x' }, /Unsupported/);
  rejects({ ...custom([]), passwordRequired: true }, /does not exist/);
  rejects({ '@odata.type': TEMPLATE_TYPES.general }, /displayName/);
  rejects({ '@odata.type': TEMPLATE_TYPES.endpointProtection }, /cannot change/, 'update', CUSTOM_TYPE);
});

test('the baseline templates map to the CSP URIs and values Windows applies', () => {
  const ep = parseConfigurationInput(
    {
      '@odata.type': TEMPLATE_TYPES.endpointProtection,
      displayName: 'BitLocker and Firewall',
      bitLockerEncryptDevice: true,
      firewallProfileDomain: { firewallEnabled: 'allowed', inboundConnectionsBlocked: true },
      firewallProfilePublic: { firewallEnabled: 'blocked' },
      firewallProfilePrivate: { firewallEnabled: 'notConfigured' },
    },
    'create',
  );
  assert.deepEqual(
    desiredSettings(stored(ep)).map((s) => [s.omaUri, s.format, s.value]),
    [
      ['./Device/Vendor/MSFT/BitLocker/RequireDeviceEncryption', 'int', '1'],
      ['./Vendor/MSFT/Firewall/MdmStore/DomainProfile/EnableFirewall', 'bool', 'true'],
      ['./Vendor/MSFT/Firewall/MdmStore/DomainProfile/DefaultInboundAction', 'int', '1'],
      ['./Vendor/MSFT/Firewall/MdmStore/PublicProfile/EnableFirewall', 'bool', 'false'],
    ],
  );
  const general = parseConfigurationInput(
    { '@odata.type': TEMPLATE_TYPES.general, displayName: 'Defender and password', defenderRequireRealTimeMonitoring: true, defenderRequireCloudProtection: false, passwordRequired: true, passwordMinimumLength: 12, passwordRequiredType: 'alphanumeric' },
    'create',
  );
  assert.deepEqual(
    desiredSettings(stored(general)).map((s) => [s.omaUri.replace('./Device/Vendor/MSFT/Policy/Config/', ''), s.value]),
    [
      ['Defender/AllowRealtimeMonitoring', '1'],
      ['DeviceLock/DevicePasswordEnabled', '0'],
      ['DeviceLock/MinDevicePasswordLength', '12'],
      ['DeviceLock/AlphanumericDevicePasswordRequired', '0'],
    ],
  );
  const ring = parseConfigurationInput({ '@odata.type': TEMPLATE_TYPES.updateRing, displayName: 'Ring 1', qualityUpdatesDeferralPeriodInDays: 7, featureUpdatesDeferralPeriodInDays: null }, 'create');
  assert.deepEqual(desiredSettings(stored(ring)).map((s) => [s.omaUri, s.value]), [['./Device/Vendor/MSFT/Policy/Config/Update/DeferQualityUpdatesPeriodInDays', '7']]);
  // Graph shows every mapped property, unset ones empty.
  const shown = toGraphConfiguration(stored(ring), 'v1.0');
  assert.equal(shown.qualityUpdatesPaused, false);
  assert.equal(shown.featureUpdatesDeferralPeriodInDays, null);
  rejects({ '@odata.type': TEMPLATE_TYPES.updateRing, displayName: 'x', qualityUpdatesDeferralPeriodInDays: 31 }, /0 to 30/);
  rejects({ '@odata.type': TEMPLATE_TYPES.general, displayName: 'x', passwordRequiredType: 'emoji' }, /alphanumeric/);
  rejects({ '@odata.type': TEMPLATE_TYPES.endpointProtection, displayName: 'x', firewallProfileDomain: { firewallEnabled: 'on' } }, /firewallEnabled/);
  rejects({ '@odata.type': TEMPLATE_TYPES.endpointProtection, displayName: 'x', smartScreenEnableInShell: true }, /not one Baton maps/);
});

test('property: any JSON body is a valid profile or a Graph 400, never another error', () => {
  const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.double(), fc.array(fc.anything(), { maxLength: 2 }), fc.dictionary(fc.string(), fc.anything(), { maxKeys: 2 }));
  const key = fc.constantFrom('@odata.type', 'displayName', 'omaSettings', 'bitLockerEncryptDevice', 'firewallProfileDomain', 'passwordMinimumLength', 'value', 'omaUri', '__proto__', 'constructor', 'toString');
  const type = fc.constantFrom(CUSTOM_TYPE, ...Object.values(TEMPLATE_TYPES), 'x');
  const omaItem = fc.record({ '@odata.type': fc.constantFrom('#microsoft.graph.omaSettingString', '#microsoft.graph.omaSettingInteger', '#microsoft.graph.omaSettingStringXml', 'x', '__proto__', 'constructor'), displayName: value, omaUri: fc.oneof(value, fc.constant('./A/B')), value });
  fc.assert(
    fc.property(fc.dictionary(key, value, { maxKeys: 5 }), type, fc.array(omaItem, { maxLength: 3 }), (body, t, items) => {
      const parsedAsJson = JSON.parse(JSON.stringify({ ...body, '@odata.type': t, displayName: 'x', firewallProfileDomain: { constructor: true } })) as Record<string, unknown>;
      for (const candidate of [body, { ...body, '@odata.type': t }, { ...body, '@odata.type': CUSTOM_TYPE, displayName: 'x', omaSettings: items }, parsedAsJson]) {
        try {
          const input = parseConfigurationInput(candidate, 'create');
          desiredSettings(stored(input));
        } catch (error) {
          assert.ok(error instanceof GraphError && error.statusCode === 400, String(error));
        }
      }
    }),
  );
});
