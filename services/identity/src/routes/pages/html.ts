/**
 * Server-rendered sign-in pages: no script, one form per page, the tenant's branding.
 * Accessibility: a language, a label for every field, focus on the first thing to do
 * (autofocus), and errors in a role=alert region tied to the field with aria-describedby.
 */
import type { TenantBranding } from '../../store/store.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Branding values reach CSS and src attributes only in shapes that cannot break out. */
function safeColour(value: string | undefined): string {
  return value && /^#[0-9a-f]{3,8}$/i.test(value) ? value : '#0F6CBD';
}

function safeLogo(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

export interface PageInput {
  branding: TenantBranding;
  title: string;
  /** Already-escaped HTML of the page's main content. */
  body: string;
  lang?: string;
}

export function page({ branding, title, body, lang = 'en' }: PageInput): string {
  const colour = safeColour(branding.backgroundColor);
  const logo = safeLogo(branding.bannerLogoUrl);
  const company = escapeHtml(branding.companyName || 'Sign in');
  return `<!doctype html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} - ${company}</title>
<style>
body{margin:0;font-family:system-ui,'Segoe UI',sans-serif;background:${colour};color:#1b1b1b}
main{max-width:26rem;margin:8vh auto;background:#fff;padding:2rem;border-radius:4px}
label{display:block;margin-top:1rem;font-weight:600}
input{display:block;width:100%;box-sizing:border-box;padding:.5rem;margin-top:.25rem;font-size:1rem}
button{margin-top:1.5rem;padding:.6rem 1.5rem;font-size:1rem;background:${colour};color:#fff;border:0;border-radius:2px}
:focus-visible{outline:3px solid #000;outline-offset:2px}
[role=alert]{color:#a80000;margin-top:1rem}
</style>
</head>
<body>
<main>
${logo ? `<img src="${escapeHtml(logo)}" alt="${company}" height="36">` : `<p>${company}</p>`}
<h1>${escapeHtml(title)}</h1>
${branding.signInPageText ? `<p>${escapeHtml(branding.signInPageText)}</p>` : ''}
${body}
</main>
</body>
</html>`;
}

export interface FieldInput {
  name: string;
  label: string;
  type?: string;
  autocomplete?: string;
  value?: string;
  inputmode?: string;
  autofocus?: boolean;
  /** The id of the error message that describes this field. */
  describedBy?: string;
}

export function field(input: FieldInput): string {
  const id = `f-${input.name}`;
  const attrs = [
    `id="${id}"`,
    `name="${escapeHtml(input.name)}"`,
    `type="${input.type ?? 'text'}"`,
    'required',
    input.autocomplete ? `autocomplete="${input.autocomplete}"` : '',
    input.inputmode ? `inputmode="${input.inputmode}"` : '',
    input.value ? `value="${escapeHtml(input.value)}"` : '',
    input.autofocus ? 'autofocus' : '',
    input.describedBy ? `aria-describedby="${input.describedBy}" aria-invalid="true"` : '',
  ].filter(Boolean);
  return `<label for="${id}">${escapeHtml(input.label)}</label>\n<input ${attrs.join(' ')}>`;
}

export function alert(message: string | undefined): string {
  return message ? `<p id="error" role="alert">${escapeHtml(message)}</p>` : '';
}

export function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}
