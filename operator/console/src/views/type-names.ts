/** How the Intune portal names a policy's, profile's or app's @odata.type. Pure. */
const NAMES: Record<string, string> = {
  windows10CompliancePolicy: 'Windows 10 and later',
  windows10GeneralConfiguration: 'Device restrictions',
  windows10EndpointProtectionConfiguration: 'Endpoint protection',
  windows10CustomConfiguration: 'Custom',
  win32LobApp: 'Windows app (Win32)',
  windowsMobileMSI: 'Line-of-business app (MSI)',
  windows10EnrollmentCompletionPageConfiguration: 'Enrollment Status Page',
};

/** Unknown types read as their Graph name without the namespace, rather than not at all. */
export function typeName(odataType: string | undefined): string {
  if (!odataType) return '—';
  const bare = odataType.replace('#microsoft.graph.', '');
  return Object.hasOwn(NAMES, bare) ? NAMES[bare]! : bare;
}
