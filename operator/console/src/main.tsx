/** Reads the host's configuration, completes a sign-in that is coming back from identity, and renders. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { loadConfig } from './auth/config.js';
import { startSession } from './auth/session.js';
import { chooseTarget, forgetTarget } from './auth/target.js';
import { App } from './App.js';
import { SignIn } from './SignIn.js';
import { BASE } from './routes.js';
import { describeError } from './graph/errors.js';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
const render = (node: React.ReactNode) =>
  root.render(
    <StrictMode>
      <FluentProvider theme={webLightTheme}>{node}</FluentProvider>
    </StrictMode>,
  );

async function start() {
  const config = await loadConfig(BASE);
  const chosen = chooseTarget(config, window.location, window.sessionStorage, () => window.history.replaceState(null, '', window.location.pathname));
  const started = await startSession(chosen.config, `${window.location.origin}${BASE}`);
  // Signing out of another tenant brings the console back to the host's own.
  const session = { ...started, signOut: () => (forgetTarget(window.sessionStorage), started.signOut()) };
  render(session.account ? <App session={session} /> : <SignIn session={session} tenant={chosen.tenant} />);
}

start().catch((error: unknown) => {
  const { code, message } = describeError(error);
  render(
    <main className="signin" role="alert">
      <p>
        <strong>{code}</strong>: {message}
      </p>
    </main>,
  );
});
