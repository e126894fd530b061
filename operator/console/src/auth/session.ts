/**
 * Sign-in with MSAL Browser against identity's authorization endpoint: authorization code
 * with PKCE (S256) as a public SPA client, response_mode=query (identity answers codes in
 * the query or a form post, not the fragment). The authority is Baton's own, so it is
 * listed in knownAuthorities and MSAL reads its openid-configuration instead of asking
 * Microsoft's instance discovery. Tokens stay in sessionStorage: closing the tab signs out.
 */
import { InteractionRequiredAuthError, PublicClientApplication, ResponseMode, type AccountInfo } from '@azure/msal-browser';
import type { ConsoleConfig } from './config.js';

export interface Session {
  account: AccountInfo | null;
  signIn(): Promise<void>;
  signOut(): Promise<void>;
  /** The administrator's access token for Graph, renewed silently when it expires. */
  token(): Promise<string>;
}

export async function startSession(config: ConsoleConfig, consoleUrl: string): Promise<Session> {
  const msal = new PublicClientApplication({
    auth: {
      clientId: config.clientId,
      authority: config.authority,
      knownAuthorities: [new URL(config.authority).host],
      redirectUri: consoleUrl,
      postLogoutRedirectUri: consoleUrl,
      OIDCOptions: { responseMode: ResponseMode.QUERY },
    },
    cache: { cacheLocation: 'sessionStorage' },
  });
  await msal.initialize();
  const result = await msal.handleRedirectPromise();
  const account = result?.account ?? msal.getAllAccounts()[0] ?? null;
  if (account) msal.setActiveAccount(account);
  const request = { scopes: config.scopes };
  return {
    account,
    signIn: () => msal.loginRedirect(request),
    // The ID token names the sign-in identity ends (its `sid`) and lets identity trust the
    // post-logout redirect; MSAL leaves it out unless it is given.
    signOut: () => msal.logoutRedirect({ account: account ?? undefined, idTokenHint: account?.idToken }),
    async token() {
      if (!account) throw new Error('Not signed in.');
      try {
        return (await msal.acquireTokenSilent({ ...request, account })).accessToken;
      } catch (error) {
        // A refresh token identity no longer honours: sign in again.
        if (error instanceof InteractionRequiredAuthError) await msal.acquireTokenRedirect({ ...request, account });
        throw error;
      }
    },
  };
}
