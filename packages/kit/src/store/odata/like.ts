/**
 * LIKE patterns whose needle matches literally: `%`, `_` and the escape character itself are
 * escaped with `!`, which means the same on SQLite and PostgreSQL (unlike a backslash, which
 * PostgreSQL treats as an escape by default and SQLite does not).
 */
export const LIKE_ESCAPE = '!';

export function escapeLike(text: string): string {
  return text.replace(/[!%_]/g, (c) => LIKE_ESCAPE + c);
}
