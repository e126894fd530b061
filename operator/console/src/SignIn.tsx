/** Before sign-in: one button that goes to identity's sign-in page. */
import { Button, Card, Text, Title2 } from '@fluentui/react-components';
import type { Session } from './auth/session.js';

export function SignIn({ session }: { session: Session }) {
  return (
    <main className="signin">
      <Card>
        <Title2 as="h1">Baton console</Title2>
        <Text>Sign in with an administrator account of your tenant.</Text>
        <Button appearance="primary" onClick={() => void session.signIn()}>
          Sign in
        </Button>
      </Card>
    </main>
  );
}
