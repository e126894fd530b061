/**
 * A user whose account asks for a second factor cannot sign in with a password alone
 * (AADSTS50076), so the device shows a code and the user signs in on identity's own pages:
 * the device-code flow, with the password page and then the TOTP page, as a person would
 * fill them in. The device then redeems its device code for the same tokens a password
 * sign-in gives, with `amr` carrying `mfa`.
 */
import { DEVICE_AGENT_CLIENT_ID, DRS_RESOURCE } from '@baton/contracts';
import { ChainError, transportError } from '../errors.js';
import { json, postForm, requireString, type DeviceHttp } from '../http.js';
import { totpCode } from '../totp.js';
import type { AuthenticateFacts } from './authenticate.js';

export interface PageSignInInput {
  authority: string;
  tokenEndpoint: string;
  upn: string;
  password: string;
  /** The base32 secret of the user's authenticator app. */
  totpSecret: string;
  /** Time between typing a code the server refused and reading the next one (RFC 6238 steps are 30 s). */
  nextCode?: (waitMs: number) => Promise<void>;
  now?: () => number;
}

interface FormPage {
  status: number;
  html: string;
  action?: string;
  ctx?: string;
}

const STEP_MS = 30_000;

export async function signInOnPages(http: DeviceHttp, input: PageSignInInput): Promise<AuthenticateFacts> {
  const authority = input.authority.replace(/\/+$/, '');
  const started = json<{ device_code?: string; user_code?: string; verification_uri?: string }>(
    'identity',
    `${authority}/oauth2/v2.0/devicecode`,
    await postForm(http, 'identity', `${authority}/oauth2/v2.0/devicecode`, { client_id: DEVICE_AGENT_CLIENT_ID, scope: `${DRS_RESOURCE}/.default openid offline_access` }),
  );
  const deviceCode = requireString('identity', 'device_code', started?.device_code);
  const verificationUri = requireString('identity', 'verification_uri', started?.verification_uri);
  const passwordPage = expectForm(await submit(http, verificationUri, { user_code: requireString('identity', 'user_code', started.user_code) }), 'the sign-in page');
  const secondFactor = expectForm(await submit(http, passwordPage.action, { ctx: passwordPage.ctx, username: input.upn, password: input.password }), 'the verification page');
  const now = input.now ?? Date.now;
  let answer = await submit(http, secondFactor.action, { ctx: secondFactor.ctx, otp: totpCode(input.totpSecret, now()) });
  if (answer.status === 400 && /not valid/.test(answer.html)) {
    // Each code is accepted once: when this step's code was spent already, the next one is typed.
    await (input.nextCode ?? wait)(STEP_MS - (now() % STEP_MS) + 1_000);
    answer = await submit(http, secondFactor.action, { ctx: secondFactor.ctx, otp: totpCode(input.totpSecret, now()) });
  }
  if (answer.status !== 200 || !/signed in/i.test(answer.html)) throw pageError(answer, 'the verification page');
  const tokens = json<{ access_token?: string; refresh_token?: string; id_token?: string }>(
    'identity',
    input.tokenEndpoint,
    await postForm(http, 'identity', input.tokenEndpoint, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: DEVICE_AGENT_CLIENT_ID, device_code: deviceCode }),
  );
  const facts: AuthenticateFacts = {
    issuer: '',
    tokenEndpoint: input.tokenEndpoint,
    accessToken: requireString('identity', 'access_token', tokens?.access_token),
    refreshToken: requireString('identity', 'refresh_token', tokens?.refresh_token),
  };
  if (typeof tokens.id_token === 'string') facts.idToken = tokens.id_token;
  return facts;
}

/** Posts a page's form; pages answer 4xx with the page again, so the status is read, not thrown. */
async function submit(http: DeviceHttp, url: string, form: Record<string, string>): Promise<FormPage> {
  if (!/^https:\/\//i.test(url)) throw new ChainError('identity', 'insecure_url', `Refusing to post to ${url}: the chain runs over HTTPS only.`);
  let html: string;
  let status: number;
  try {
    const response = await http.fetch(url, {
      method: 'POST',
      headers: { traceparent: http.traceparent, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams(form).toString(),
      signal: http.signal,
    });
    status = response.status;
    html = await response.text();
  } catch (err) {
    throw transportError('identity', url, err);
  }
  return { status, html, ...readForm(html, url) };
}

/** The form a sign-in page asks to be posted: where to, and the sealed state it carries. */
export function readForm(html: string, pageUrl: string): { action?: string; ctx?: string } {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const ctx = /name="ctx" value="([^"]+)"/.exec(html)?.[1];
  let target: string | undefined;
  try {
    target = action ? new URL(decodeHtml(action), pageUrl).toString() : undefined;
  } catch {
    // An action that is no URL leaves the page without a form to post; the caller says so.
  }
  return { ...(target ? { action: target } : {}), ...(ctx ? { ctx: decodeHtml(ctx) } : {}) };
}

function expectForm(page: FormPage, what: string): FormPage & { action: string; ctx: string } {
  if (page.status !== 200 || !page.action || !page.ctx) throw pageError(page, what);
  return page as FormPage & { action: string; ctx: string };
}

/** The page's own alert is the message: it says what the user would read. */
function pageError(page: FormPage, what: string): ChainError {
  const alert = /role="alert"[^>]*>([^<]*)</.exec(page.html)?.[1]?.trim();
  const locked = /temporarily locked/.test(page.html);
  const code = locked ? 'account_locked' : page.status === 429 ? 'rate_limited' : 'sign_in_refused';
  return new ChainError('identity', code, `Sign-in stopped at ${what}: ${alert ? decodeHtml(alert) : `HTTP ${page.status}`}`, page.status);
}

function decodeHtml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
