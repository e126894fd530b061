/** Creates a deployment profile from the portal's own fields; discovery checks them and says what it refuses. */
import { useState } from 'react';
import { Checkbox, Field, Input, Radio, RadioGroup } from '@fluentui/react-components';
import { useConsole } from '../context.js';
import { CreateForm, NameFields } from '../components/CreateForm.js';
import { useAction } from '../components/useAction.js';
import { PATHS } from '../graph/client.js';
import { NEW_PROFILE, profileBody, profileFormProblem, type ProfileForm } from './profile-body.js';

const SWITCHES: Array<{ key: 'eulaHidden' | 'privacySettingsHidden' | 'escapeLinkHidden' | 'keyboardSelectionPageSkipped'; label: string }> = [
  { key: 'eulaHidden', label: 'Hide Microsoft Software License Terms' },
  { key: 'privacySettingsHidden', label: 'Hide privacy settings' },
  { key: 'escapeLinkHidden', label: 'Hide change account options' },
  { key: 'keyboardSelectionPageSkipped', label: 'Skip keyboard selection' },
];

export function NewProfile({ onCreated }: { onCreated(profile: { id: string; displayName: string }): void }) {
  const { graph } = useConsole();
  const action = useAction();
  const [form, setForm] = useState<ProfileForm>(NEW_PROFILE);
  const set = <K extends keyof ProfileForm>(key: K, value: ProfileForm[K]) => setForm((old) => ({ ...old, [key]: value }));
  const create = () =>
    action.run(async () => {
      const created = await graph.post<{ id: string; displayName: string }>(PATHS.profiles, profileBody(form));
      setForm(NEW_PROFILE);
      if (created) onCreated(created);
    });

  return (
    <CreateForm id="new-profile-title" title="New deployment profile" submit="Create profile" action={action} problem={profileFormProblem(form)} onSubmit={() => void create()}>
      <NameFields name={form.displayName} description={form.description} onChange={set} />
      <Field label="Deployment mode">
        <RadioGroup layout="horizontal" value={form.mode} onChange={(_e, d) => set('mode', d.value as ProfileForm['mode'])}>
          <Radio value="userDriven" label="User-driven" />
          <Radio value="selfDeploying" label="Self-deploying" />
        </RadioGroup>
      </Field>
      <Field label="User account type" hint={form.mode === 'selfDeploying' ? 'A self-deploying device has no user.' : undefined}>
        <RadioGroup layout="horizontal" value={form.userType} disabled={form.mode === 'selfDeploying'} onChange={(_e, d) => set('userType', d.value as ProfileForm['userType'])}>
          <Radio value="standard" label="Standard" />
          <Radio value="administrator" label="Administrator" />
        </RadioGroup>
      </Field>
      <Field label="Device name template" hint="Up to 15 characters; %SERIAL% and %RAND:x% are replaced. Empty keeps the name Windows picks.">
        <Input value={form.deviceNameTemplate} onChange={(_e, d) => set('deviceNameTemplate', d.value)} />
      </Field>
      {SWITCHES.map((s) => (
        <Checkbox key={s.key} label={s.label} checked={form[s.key]} onChange={(_e, d) => set(s.key, d.checked === true)} />
      ))}
    </CreateForm>
  );
}
