/** Before sign-in: a button that goes to identity's sign-in page, for the host's tenant or another one. */
import { useState } from 'react';
import { Button, Card, Field, Input, Text, Title2 } from '@fluentui/react-components';
import type { Session } from './auth/session.js';
import { forgetTarget, keepTarget } from './auth/target.js';

export function SignIn({ session, tenant }: { session: Session; tenant?: string | undefined }) {
  const [other, setOther] = useState({ tenant: '', clientId: '' });
  const [problem, setProblem] = useState<string>();
  const useOther = (event: React.FormEvent) => {
    event.preventDefault();
    try {
      keepTarget(window.sessionStorage, { tenant: other.tenant.trim(), clientId: other.clientId.trim() });
      window.location.reload();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <main className="signin">
      <Card>
        <Title2 as="h1">Baton console</Title2>
        <Text>{tenant ? `Sign in with an administrator account of ${tenant}.` : 'Sign in with an administrator account of your tenant.'}</Text>
        <Button appearance="primary" onClick={() => void session.signIn()}>
          Sign in
        </Button>
        {tenant ? (
          <Button
            appearance="subtle"
            onClick={() => {
              forgetTarget(window.sessionStorage);
              window.location.reload();
            }}
          >
            Use this server's own tenant
          </Button>
        ) : null}
      </Card>
      <Card>
        <form onSubmit={useOther} aria-label="Another tenant">
          <Text as="h2" weight="semibold">
            Another tenant
          </Text>
          <Field label="Tenant domain or ID">
            <Input value={other.tenant} onChange={(_e, data) => setOther({ ...other, tenant: data.value })} />
          </Field>
          <Field label="Console application (client) ID" hint="Printed by baton tenant create --console-url" validationMessage={problem}>
            <Input value={other.clientId} onChange={(_e, data) => setOther({ ...other, clientId: data.value })} />
          </Field>
          <Button type="submit">Use this tenant</Button>
        </form>
      </Card>
    </main>
  );
}
