/**
 * Intune's rules for a deployment profile's device name template: at most 15 characters,
 * letters, digits and hyphens, not only digits, no spaces, and the case-sensitive macros
 * %SERIAL% and %RAND:n%. The length counts %RAND:n% as its n digits and %SERIAL% as one
 * character, because Windows truncates the serial to what fits in the 15-character name.
 */
const MAX_LENGTH = 15;
const MACRO_RE = /%SERIAL%|%RAND:(\d{1,2})%/g;

export function deviceNameTemplateProblem(template: string): string | undefined {
  if (template.length === 0) return 'the device name template is empty';
  let length = 0;
  let literal = '';
  let hasMacro = false;
  let last = 0;
  for (const match of template.matchAll(MACRO_RE)) {
    literal += template.slice(last, match.index);
    last = match.index + match[0].length;
    hasMacro = true;
    if (match[1] !== undefined) {
      const digits = Number(match[1]);
      if (digits < 1) return '%RAND:n% needs at least one digit';
      length += digits;
    } else {
      length += 1;
    }
  }
  literal += template.slice(last);
  length += literal.length;
  if (!/^[A-Za-z0-9-]*$/.test(literal)) {
    return 'the device name template may contain only letters, digits, hyphens and the macros %SERIAL% and %RAND:n% (macros are case-sensitive)';
  }
  if (length > MAX_LENGTH) return `the device name template yields more than ${MAX_LENGTH} characters`;
  if (!hasMacro && /^\d+$/.test(literal)) return 'the device name template cannot be only digits';
  return undefined;
}
