/**
 * A new deployment profile as the console's form describes it, and the Graph body discovery
 * takes for it (beta `windowsAutopilotDeploymentProfile`, the portal's own fields). Pure.
 * The device name rules are discovery's to check; the form sends the template as typed.
 */
export interface ProfileForm {
  displayName: string;
  description: string;
  /** User-driven (one user per device) or self-deploying (no user; TPM attestation). */
  mode: 'userDriven' | 'selfDeploying';
  userType: 'standard' | 'administrator';
  deviceNameTemplate: string;
  eulaHidden: boolean;
  privacySettingsHidden: boolean;
  /** "Hide change account options". */
  escapeLinkHidden: boolean;
  keyboardSelectionPageSkipped: boolean;
}

export const NEW_PROFILE: ProfileForm = {
  displayName: '',
  description: '',
  mode: 'userDriven',
  userType: 'standard',
  deviceNameTemplate: '',
  eulaHidden: true,
  privacySettingsHidden: true,
  escapeLinkHidden: true,
  keyboardSelectionPageSkipped: true,
};

/** What is wrong with the form before anything is sent, or undefined. */
export function profileFormProblem(form: ProfileForm): string | undefined {
  if (form.displayName.trim() === '') return 'A profile needs a name.';
  return undefined;
}

export function profileBody(form: ProfileForm): Record<string, unknown> {
  const template = form.deviceNameTemplate.trim();
  return {
    // Self-deploying devices join Entra alone: no hybrid join without a user.
    '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
    displayName: form.displayName.trim(),
    ...(form.description.trim() ? { description: form.description.trim() } : {}),
    ...(template ? { deviceNameTemplate: template } : {}),
    locale: 'os-default',
    hardwareHashExtractionEnabled: true,
    outOfBoxExperienceSetting: {
      deviceUsageType: form.mode === 'selfDeploying' ? 'shared' : 'singleUser',
      // A self-deploying device has no user to make an administrator.
      userType: form.mode === 'selfDeploying' ? 'standard' : form.userType,
      eulaHidden: form.eulaHidden,
      privacySettingsHidden: form.privacySettingsHidden,
      escapeLinkHidden: form.escapeLinkHidden,
      keyboardSelectionPageSkipped: form.keyboardSelectionPageSkipped,
    },
  };
}
