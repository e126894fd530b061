/** What the host tells the bundle at /console/config.json: the tenant's authority, the client and the scopes. */
export interface ConsoleConfig {
  authority: string;
  clientId: string;
  /** Identity's base URL: another tenant's authority is `<identity>/<tenant id or domain>`. */
  identity: string;
  scopes: string[];
}

export async function loadConfig(base: string): Promise<ConsoleConfig> {
  const response = await fetch(`${base}config.json`, { cache: 'no-store' });
  if (!response.ok) throw new Error(`The console's configuration could not be read (${response.status}).`);
  return (await response.json()) as ConsoleConfig;
}
