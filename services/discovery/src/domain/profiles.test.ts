import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphError } from '@baton/kit';
import type { DeploymentProfile } from '../store/types.js';
import { buildConfigurationFile, oobeConfig } from './configuration-file.js';
import { deviceNameTemplateProblem } from './device-name-template.js';
import { parseProfileInput, renderProfile } from './profiles.js';

const AZURE_AD = '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile';

function stored(body: Record<string, unknown>): DeploymentProfile {
  const input = parseProfileInput(body);
  return {
    id: 'b5d8a8f4-6b5c-4c8e-9f2b-1a2b3c4d5e6f',
    tenantId: 't',
    odataType: input.odataType,
    displayName: input.displayName,
    description: input.description,
    settings: input.settings as unknown as Record<string, unknown>,
    createdDateTime: '2025-01-01T00:00:00.000Z',
    lastModifiedDateTime: '2025-01-01T00:00:00.000Z',
  };
}

test('device name templates follow Intune rules', () => {
  for (const ok of ['DEMO-%SERIAL%', 'PC-%RAND:5%', 'CONTOSO-LAPTOP1', 'A%SERIAL%', '%RAND:15%']) {
    assert.equal(deviceNameTemplateProblem(ok), undefined, ok);
  }
  for (const bad of ['', 'CONTOSO-LAPTOP12', 'DEMO %SERIAL%', 'DEMO-%serial%', 'DEMO_1', '12345', 'PC-%RAND:14%', 'X-%RAND:0%', 'Ünï', 'PC-%RAND%']) {
    assert.ok(deviceNameTemplateProblem(bad), `expected a problem with '${bad}'`);
  }
});

test('legacy property names are accepted and both spellings come back', () => {
  const profile = stored({
    '@odata.type': AZURE_AD,
    displayName: 'Legacy',
    language: 'fr-FR',
    extractHardwareHash: true,
    enableWhiteGlove: true,
    outOfBoxExperienceSettings: {
      hidePrivacySettings: true,
      hideEULA: true,
      userType: 'standard',
      deviceUsageType: 'singleUser',
      skipKeyboardSelectionPage: true,
      hideEscapeLink: true,
    },
  });
  const out = renderProfile(profile);
  assert.equal(out.language, 'fr-FR');
  assert.equal(out.locale, 'fr-FR');
  assert.equal(out.extractHardwareHash, true);
  assert.equal(out.hardwareHashExtractionEnabled, true);
  assert.equal(out.enableWhiteGlove, true);
  assert.equal(out.preprovisioningAllowed, true);
  assert.deepEqual(out.outOfBoxExperienceSettings, {
    hidePrivacySettings: true,
    hideEULA: true,
    userType: 'standard',
    deviceUsageType: 'singleUser',
    skipKeyboardSelectionPage: true,
    hideEscapeLink: true,
  });
  assert.deepEqual(out.outOfBoxExperienceSetting, {
    privacySettingsHidden: true,
    eulaHidden: true,
    userType: 'standard',
    deviceUsageType: 'singleUser',
    keyboardSelectionPageSkipped: true,
    escapeLinkHidden: true,
  });
});

test('current names win over legacy ones when a client sends both', () => {
  const out = renderProfile(stored({ '@odata.type': 'microsoft.graph.azureADWindowsAutopilotDeploymentProfile', displayName: 'Both', language: 'de-DE', locale: 'en-GB' }));
  assert.equal(out.locale, 'en-GB');
  assert.equal(out['@odata.type'], AZURE_AD);
});

test('bad profiles are refused with a 400', () => {
  const bodies: Array<Record<string, unknown>> = [
    { displayName: 'no type' },
    { '@odata.type': '#microsoft.graph.windows10CompliancePolicy', displayName: 'wrong type' },
    { '@odata.type': AZURE_AD },
    { '@odata.type': AZURE_AD, displayName: 'x'.repeat(201) },
    { '@odata.type': AZURE_AD, displayName: 'bad name', deviceNameTemplate: 'has space' },
    { '@odata.type': AZURE_AD, displayName: 'bad oobe', outOfBoxExperienceSetting: { userType: 'root' } },
    { '@odata.type': AZURE_AD, displayName: 'bad bool', extractHardwareHash: 'yes' },
  ];
  for (const body of bodies) {
    assert.throws(() => parseProfileInput(body), (e: unknown) => e instanceof GraphError && e.statusCode === 400, JSON.stringify(body));
  }
});

test('the OOBE bitmask and configuration file follow Intune’s export', () => {
  const base = { privacySettingsHidden: false, eulaHidden: false, userType: 'administrator', deviceUsageType: 'singleUser', keyboardSelectionPageSkipped: false, escapeLinkHidden: false } as const;
  assert.equal(oobeConfig(base), 8 + 256);
  assert.equal(oobeConfig({ ...base, userType: 'standard', privacySettingsHidden: true, eulaHidden: true, keyboardSelectionPageSkipped: true }), 1310);
  assert.equal(oobeConfig({ ...base, deviceUsageType: 'shared' }), 8 + 256 + 32 + 64);

  const profile = stored({
    '@odata.type': AZURE_AD,
    displayName: 'Demo',
    deviceNameTemplate: 'DEMO-%SERIAL%',
    outOfBoxExperienceSetting: { userType: 'standard', privacySettingsHidden: true, eulaHidden: true, keyboardSelectionPageSkipped: true, escapeLinkHidden: true },
  });
  const file = buildConfigurationFile(profile, { tenantId: 'tid', domain: 'demo.baton.local' });
  assert.equal(file.CloudAssignedOobeConfig, 1310);
  assert.equal(file.CloudAssignedForcedEnrollment, 1);
  assert.equal(file.CloudAssignedDomainJoinMethod, 0);
  assert.equal(file.CloudAssignedDeviceName, 'DEMO-%SERIAL%');
  assert.equal(file.ZtdCorrelationId, profile.id);
  assert.equal(file.Version, 2049);
  assert.equal(file.CloudAssignedLanguage, undefined);
  assert.deepEqual(JSON.parse(file.CloudAssignedAadServerData), {
    ZeroTouchConfig: { CloudAssignedTenantDomain: 'demo.baton.local', CloudAssignedTenantUpn: '', ForcedEnrollment: 1 },
  });
});
