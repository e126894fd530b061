/**
 * AutopilotConfigurationFile.json as Windows consumes it, built from a deployment profile
 * the way Intune's offline export (ConvertTo-AutopilotConfigurationJSON) builds it.
 */
import type { AutopilotConfigurationFile } from '@baton/contracts';
import type { DeploymentProfile } from '../store/types.js';
import { profileSettings, type OobeSetting } from './profiles.js';

/** CloudAssignedOobeConfig bits. */
export const OOBE_BITS = {
  userNotLocalAdmin: 2,
  skipExpressSettings: 4,
  skipOemRegistration: 8,
  skipEula: 16,
  tpmAttestation: 32,
  aadDeviceAuth: 64,
  skipWindowsUpgradeUx: 256,
  skipKeyboardSelection: 1024,
} as const;

export function oobeConfig(oobe: OobeSetting): number {
  let bits = OOBE_BITS.skipOemRegistration + OOBE_BITS.skipWindowsUpgradeUx;
  if (oobe.userType === 'standard') bits += OOBE_BITS.userNotLocalAdmin;
  if (oobe.privacySettingsHidden) bits += OOBE_BITS.skipExpressSettings;
  if (oobe.eulaHidden) bits += OOBE_BITS.skipEula;
  if (oobe.keyboardSelectionPageSkipped) bits += OOBE_BITS.skipKeyboardSelection;
  // Self-deploying (shared) devices join with the TPM, without a user.
  if (oobe.deviceUsageType === 'shared') bits += OOBE_BITS.tpmAttestation + OOBE_BITS.aadDeviceAuth;
  return bits;
}

export interface TenantFacts {
  tenantId: string;
  domain: string;
}

export const HYBRID_JOIN_PROFILE = '#microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile';

/** The file with the hybrid-join key Windows reads (AutopilotDDSZTDFile.json), which contracts does not name. */
export type ConfigurationFile = AutopilotConfigurationFile & { HybridJoinSkipDCConnectivityCheck?: number };

export function buildConfigurationFile(profile: DeploymentProfile, tenant: TenantFacts): ConfigurationFile {
  const settings = profileSettings(profile);
  const hybrid = profile.odataType === HYBRID_JOIN_PROFILE;
  const oobe = settings.outOfBoxExperienceSetting;
  const forcedEnrollment = oobe.escapeLinkHidden ? 1 : 0;
  const file: ConfigurationFile = {
    Comment_File: `Profile ${profile.displayName}`,
    Version: 2049,
    ZtdCorrelationId: profile.id,
    CloudAssignedTenantId: tenant.tenantId,
    CloudAssignedTenantDomain: tenant.domain,
    CloudAssignedOobeConfig: oobeConfig(oobe),
    CloudAssignedDomainJoinMethod: hybrid ? 1 : 0,
    CloudAssignedForcedEnrollment: forcedEnrollment,
    CloudAssignedAadServerData: JSON.stringify({
      ZeroTouchConfig: {
        CloudAssignedTenantDomain: tenant.domain,
        CloudAssignedTenantUpn: '',
        ForcedEnrollment: forcedEnrollment,
      },
    }),
    CloudAssignedAutopilotUpdateDisabled: 1,
    CloudAssignedAutopilotUpdateTimeout: 1_800_000,
  };
  if (hybrid) {
    file.HybridJoinSkipDCConnectivityCheck = settings.hybridAzureADJoinSkipConnectivityCheck ? 1 : 0;
  } else if (settings.deviceNameTemplate) {
    // Hybrid-joined devices are named by the Intune domain join profile, so the template is ignored there.
    file.CloudAssignedDeviceName = settings.deviceNameTemplate;
  }
  if (settings.locale && settings.locale !== 'os-default') file.CloudAssignedLanguage = settings.locale;
  return file;
}
