/** The sign-in pages' forms: password, second factor, device code, and the final notices. */
import type { TenantBranding } from '../../store/store.js';
import { alert, escapeHtml, field, hidden, page } from './html.js';

export function passwordPage(branding: TenantBranding, action: string, context: string, options: { error?: string; username?: string } = {}) {
  const describedBy = options.error ? 'error' : undefined;
  return page({
    branding,
    title: 'Sign in',
    body: `${alert(options.error)}
<form method="post" action="${escapeHtml(action)}">
${hidden('ctx', context)}
${field({ name: 'username', label: 'Email or username', type: 'email', autocomplete: 'username', value: options.username, autofocus: !options.username, describedBy })}
${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', autofocus: Boolean(options.username), describedBy })}
<button type="submit">Sign in</button>
</form>`,
  });
}

export function secondFactorPage(branding: TenantBranding, action: string, context: string, error?: string) {
  return page({
    branding,
    title: 'Verify your identity',
    body: `<p>Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
${alert(error)}
<form method="post" action="${escapeHtml(action)}">
${hidden('ctx', context)}
${field({ name: 'otp', label: 'Code', autocomplete: 'one-time-code', inputmode: 'numeric', autofocus: true, describedBy: error ? 'error' : undefined })}
<button type="submit">Verify</button>
</form>`,
  });
}

export function userCodePage(branding: TenantBranding, action: string, error?: string) {
  return page({
    branding,
    title: 'Enter code',
    body: `<p>Enter the code displayed on your device to allow it to sign in.</p>
${alert(error)}
<form method="post" action="${escapeHtml(action)}">
${field({ name: 'user_code', label: 'Code', autocomplete: 'off', autofocus: true, describedBy: error ? 'error' : undefined })}
<button type="submit">Next</button>
</form>`,
  });
}

export function noticePage(branding: TenantBranding, title: string, message: string) {
  return page({ branding, title, body: `<p role="status">${escapeHtml(message)}</p>` });
}

/** response_mode=form_post: a form the browser posts to the client (the only script-free way is a button). */
export function formPostPage(branding: TenantBranding, redirectUri: string, values: Record<string, string>) {
  const inputs = Object.entries(values)
    .map(([k, v]) => hidden(k, v))
    .join('\n');
  return page({
    branding,
    title: 'Continue',
    body: `<form method="post" action="${escapeHtml(redirectUri)}">\n${inputs}\n<button type="submit" autofocus>Continue</button>\n</form>`,
  });
}
