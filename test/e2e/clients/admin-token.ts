// What an administrator's script does before calling Graph: client credentials for the admin
// application in demo.json, against Baton's token endpoint, with the platform's own fetch.
export interface DemoCredentials {
  authority: string;
  adminApp: { clientId: string; clientSecret: string };
}

export async function adminAccessToken(demo: DemoCredentials): Promise<string> {
  const res = await fetch(`${demo.authority}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: demo.adminApp.clientId,
      client_secret: demo.adminApp.clientSecret,
      scope: 'https://graph.baton.local/.default',
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}
