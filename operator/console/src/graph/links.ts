/**
 * Where the console may send the administrator's token: its own origin only. A nextLink
 * that names another origin is refused rather than followed with the token. Pure.
 */
export function sameOriginUrl(link: string, origin: string): string {
  const url = new URL(link, origin);
  if (url.origin !== origin) throw new Error(`Refusing to follow a link to another origin: ${url.origin}`);
  return url.toString();
}

/** An OData string literal: single quotes doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
