// Run as its own process with NODE_EXTRA_CA_CERTS set, the way an administrator points the
// Microsoft Graph JS SDK at Baton: demo.json for credentials, the local CA for trust.
import { readFileSync } from 'node:fs';
import { adminAccessToken } from './admin-token.js';
import { BatchRequestContent, BatchResponseContent, Client, GraphError } from '@microsoft/microsoft-graph-client';

const demo = JSON.parse(readFileSync(process.argv[2]!, 'utf8'));

const token = () => adminAccessToken(demo);

const client = Client.initWithMiddleware({
  authProvider: { getAccessToken: token },
  baseUrl: `${demo.baseUrl}/graph/`,
  defaultVersion: 'beta',
  customHosts: new Set([new URL(demo.baseUrl).hostname]),
});

const out: Record<string, unknown> = {};
const profiles = await client.api('/deviceManagement/windowsAutopilotDeploymentProfiles').get();
out.profiles = profiles.value.map((p: { displayName: string }) => p.displayName);
const devices = await client.api('/deviceManagement/windowsAutopilotDeviceIdentities').top(2).get();
out.autopilotDevices = devices.value.length;
out.nextLink = devices['@odata.nextLink'] ?? null;
const managed = await client.api('/deviceManagement/managedDevices').version('v1.0').get();
out.managedStates = managed.value.map((d: { managementState: string }) => d.managementState);
const directory = await client.api('/devices').version('v1.0').get();
out.joined = directory.value.filter((d: { trustType: string }) => d.trustType === 'AzureAd').length;
try {
  await client.api('/deviceManagement/windowsAutopilotDeviceIdentities/00000000-0000-0000-0000-000000000000').get();
} catch (error) {
  const e = error as GraphError;
  out.error = { statusCode: e.statusCode, code: e.code, requestId: e.requestId };
}
// One $batch over all three services' Graph. The SDK strips scheme and host from each step's
// URL, so steps name the origin and the path under the version, as for graph.microsoft.com.
const origin = new URL(demo.baseUrl).origin;
const steps = new BatchRequestContent([
  { id: 'profiles', request: new Request(`${origin}/deviceManagement/windowsAutopilotDeploymentProfiles?$select=displayName`) },
  { id: 'managed', request: new Request(`${origin}/deviceManagement/managedDevices`) },
]);
// Autopilot profiles are beta-only in Graph, as here.
const answered = new BatchResponseContent(await client.api('/$batch').version('beta').post(await steps.getContent()));
// A serial batch (the SDK's own dependsOn pattern, each step after the one before) whose second step fails.
const serial = new BatchRequestContent([
  { id: 'directory', request: new Request(`${origin}/devices?$count=true`, { headers: { ConsistencyLevel: 'eventual' } }) },
  { id: 'missing', dependsOn: ['directory'], request: new Request(`${origin}/deviceManagement/windowsAutopilotDeviceIdentities/00000000-0000-0000-0000-000000000000`) },
  { id: 'after-missing', request: new Request(`${origin}/deviceManagement/windowsAutopilotDeviceIdentities`), dependsOn: ['missing'] },
]);
const serialAnswered = new BatchResponseContent(await client.api('/$batch').version('v1.0').post(await serial.getContent()));
const statuses = (content: BatchResponseContent) => Object.fromEntries([...content.getResponses()].map(([id, r]) => [id, r.status]));
out.batch = {
  statuses: { ...statuses(answered), ...statuses(serialAnswered) },
  profiles: (await answered.getResponseById('profiles').json()).value.map((p: { displayName: string }) => p.displayName),
  managedStates: (await answered.getResponseById('managed').json()).value.map((d: { managementState: string }) => d.managementState),
  directoryCount: (await serialAnswered.getResponseById('directory').json())['@odata.count'],
  missingCode: (await serialAnswered.getResponseById('missing').json()).error.code,
};
process.stdout.write(JSON.stringify(out));
