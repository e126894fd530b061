/** Creates a Windows compliance policy from the portal's most used settings; its page then assigns it. */
import { useState } from 'react';
import { Button, Checkbox, Field, Input, Title3 } from '@fluentui/react-components';
import { useConsole } from '../context.js';
import { ErrorBar } from '../components/ErrorBar.js';
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
  const [form, setForm] = useState<ComplianceForm>(NEW_COMPLIANCE_POLICY);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const problem = complianceFormProblem(form);
  const set = <K extends keyof ComplianceForm>(key: K, value: ComplianceForm[K]) => setForm((old) => ({ ...old, [key]: value }));

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const created = await graph.post<{ id: string }>(PATHS.compliancePolicies, complianceBody(form));
      if (created) navigate(COMPLIANCE.page(created.id));
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="new-policy-title" className="stack">
      <Title3 as="h2" id="new-policy-title">
        New compliance policy (Windows 10 and later)
      </Title3>
      <form
        aria-labelledby="new-policy-title"
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Field label="Name" required>
          <Input value={form.displayName} onChange={(_e, d) => set('displayName', d.value)} />
        </Field>
        <Field label="Description">
          <Input value={form.description} onChange={(_e, d) => set('description', d.value)} />
        </Field>
        {SWITCHES.map((s) => (
          <Checkbox key={s.key} label={s.label} checked={form[s.key]} onChange={(_e, d) => set(s.key, d.checked === true)} />
        ))}
        <Field label="Minimum OS version" hint="e.g. 10.0.22631.0; empty for none">
          <Input value={form.osMinimumVersion} onChange={(_e, d) => set('osMinimumVersion', d.value)} />
        </Field>
        <Field label="Mark device noncompliant after (days)" validationMessage={form.displayName.trim() !== '' ? problem : undefined}>
          <Input value={form.graceDays} onChange={(_e, d) => set('graceDays', d.value)} />
        </Field>
        <Button type="submit" appearance="primary" disabled={busy || problem !== undefined}>
          {busy ? 'Creating…' : 'Create policy'}
        </Button>
      </form>
      <ErrorBar error={error} />
    </section>
  );
}
