/** Creates a Windows compliance policy from the portal's most used settings; its page then assigns it. */
import { useState } from 'react';
import { Checkbox, Field, Input } from '@fluentui/react-components';
import { useConsole } from '../context.js';
import { CreateForm, NameFields } from '../components/CreateForm.js';
import { useAction } from '../components/useAction.js';
import { PATHS } from '../graph/client.js';
import { COMPLIANCE } from './policy-kinds.js';
import { complianceBody, complianceFormProblem, NEW_COMPLIANCE_POLICY, type ComplianceForm } from './compliance-body.js';

type Switch = 'bitLockerEnabled' | 'secureBootEnabled' | 'codeIntegrityEnabled' | 'storageRequireEncryption' | 'passwordRequired';
const SWITCHES: Array<{ key: Switch; label: string }> = [
  { key: 'bitLockerEnabled', label: 'Require BitLocker' },
  { key: 'secureBootEnabled', label: 'Require Secure Boot to be enabled' },
  { key: 'codeIntegrityEnabled', label: 'Require code integrity' },
  { key: 'storageRequireEncryption', label: 'Require encryption of data storage' },
  { key: 'passwordRequired', label: 'Require a password to unlock' },
];

export function NewCompliancePolicy() {
  const { graph, navigate } = useConsole();
  const action = useAction();
  const [form, setForm] = useState<ComplianceForm>(NEW_COMPLIANCE_POLICY);
  const problem = complianceFormProblem(form);
  const set = <K extends keyof ComplianceForm>(key: K, value: ComplianceForm[K]) => setForm((old) => ({ ...old, [key]: value }));
  const create = () =>
    action.run(async () => {
      const created = await graph.post<{ id: string }>(PATHS.compliancePolicies, complianceBody(form));
      if (created) navigate(COMPLIANCE.page(created.id));
    });

  return (
    <CreateForm id="new-policy-title" title="New compliance policy (Windows 10 and later)" submit="Create policy" action={action} problem={problem} onSubmit={() => void create()}>
      <NameFields name={form.displayName} description={form.description} onChange={set} />
      {SWITCHES.map((s) => (
        <Checkbox key={s.key} label={s.label} checked={form[s.key]} onChange={(_e, d) => set(s.key, d.checked === true)} />
      ))}
      <Field label="Minimum OS version" hint="e.g. 10.0.22631.0; empty for none">
        <Input value={form.osMinimumVersion} onChange={(_e, d) => set('osMinimumVersion', d.value)} />
      </Field>
      <Field label="Mark device noncompliant after (days)" validationMessage={form.displayName.trim() !== '' ? problem : undefined}>
        <Input value={form.graceDays} onChange={(_e, d) => set('graceDays', d.value)} />
      </Field>
    </CreateForm>
  );
}
