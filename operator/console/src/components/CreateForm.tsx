/** A "New …" section: its heading names the form, the submit button waits for the write, and the service's refusal shows below. */
import type { ReactNode } from 'react';
import { Button, Field, Input, Title3 } from '@fluentui/react-components';
import { ErrorBar } from './ErrorBar.js';
import type { Action } from './useAction.js';

export function CreateForm({ id, title, submit, action, problem, onSubmit, children }: { id: string; title: string; submit: string; action: Action; problem: string | undefined; onSubmit(): void; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="stack">
      <Title3 as="h2" id={id}>
        {title}
      </Title3>
      <form
        aria-labelledby={id}
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        {children}
        <Button type="submit" appearance="primary" disabled={action.busy || problem !== undefined}>
          {action.busy ? 'Creating…' : submit}
        </Button>
      </form>
      <ErrorBar error={action.error} />
    </section>
  );
}

/** The name and description every created object starts with. */
export function NameFields({ name, description, onChange }: { name: string; description: string; onChange(field: 'displayName' | 'description', value: string): void }) {
  return (
    <>
      <Field label="Name" required>
        <Input value={name} onChange={(_e, d) => onChange('displayName', d.value)} />
      </Field>
      <Field label="Description">
        <Input value={description} onChange={(_e, d) => onChange('description', d.value)} />
      </Field>
    </>
  );
}
