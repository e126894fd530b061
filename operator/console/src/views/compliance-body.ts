/**
 * A new Windows compliance policy as the console's form describes it, and the Graph body
 * management takes (v1.0 `windows10CompliancePolicy`). Pure. Management checks the values
 * (the OS version's shape among them) and its Graph error is shown as it says it.
 */
export interface ComplianceForm {
  displayName: string;
  description: string;
  bitLockerEnabled: boolean;
  secureBootEnabled: boolean;
  codeIntegrityEnabled: boolean;
  storageRequireEncryption: boolean;
  passwordRequired: boolean;
  /** Empty: no minimum. */
  osMinimumVersion: string;
  /** Days after which a noncompliant device is marked noncompliant (the block action's grace period). */
  graceDays: string;
}

export const NEW_COMPLIANCE_POLICY: ComplianceForm = {
  displayName: '',
  description: '',
  bitLockerEnabled: true,
  secureBootEnabled: true,
  codeIntegrityEnabled: false,
  storageRequireEncryption: false,
  passwordRequired: false,
  osMinimumVersion: '',
  graceDays: '0',
};

/** The largest grace period Intune offers for marking a device noncompliant. */
const MAX_GRACE_DAYS = 365;

export function complianceFormProblem(form: ComplianceForm): string | undefined {
  if (form.displayName.trim() === '') return 'A policy needs a name.';
  const days = form.graceDays.trim();
  if (!/^\d{1,3}$/.test(days) || Number(days) > MAX_GRACE_DAYS) return `Days before a device is marked noncompliant: a whole number from 0 to ${MAX_GRACE_DAYS}.`;
  return undefined;
}

export function complianceBody(form: ComplianceForm): Record<string, unknown> {
  const osMinimumVersion = form.osMinimumVersion.trim();
  return {
    '@odata.type': '#microsoft.graph.windows10CompliancePolicy',
    displayName: form.displayName.trim(),
    ...(form.description.trim() ? { description: form.description.trim() } : {}),
    bitLockerEnabled: form.bitLockerEnabled,
    secureBootEnabled: form.secureBootEnabled,
    codeIntegrityEnabled: form.codeIntegrityEnabled,
    storageRequireEncryption: form.storageRequireEncryption,
    passwordRequired: form.passwordRequired,
    ...(osMinimumVersion ? { osMinimumVersion } : {}),
    // Graph requires the block action: it is what "mark noncompliant after" sets.
    scheduledActionsForRule: [
      { ruleName: 'PasswordRequired', scheduledActionConfigurations: [{ actionType: 'block', gracePeriodHours: Number(form.graceDays.trim()) * 24 }] },
    ],
  };
}
