/**
 * Graph `mobileApp` for the two Windows line-of-business types Baton delivers:
 * `#microsoft.graph.windowsMobileMSI` (an MSI, installed through the EnterpriseDesktopAppManagement
 * CSP) and `#microsoft.graph.win32LobApp` (an .intunewin package with install and uninstall
 * command lines, detection and requirement rules). Input is validated property by property
 * into a stored shape; unknown properties are refused so that a typo is not silently dropped.
 */
import { GraphError } from '@baton/kit';

export type AppType = 'win32LobApp' | 'windowsMobileMSI';
export type GraphVersion = 'v1.0' | 'beta';

export interface MobileApp {
  id: string;
  tenantId: string;
  type: AppType;
  displayName: string;
  productCode: string;
  properties: Record<string, unknown>;
  createdAt: string;
  modifiedAt: string;
}

export const appErrors = {
  invalid: (message: string) => new GraphError(400, 'BadRequest', message),
  notFound: (id: string) => new GraphError(404, 'ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`),
};

const TYPES: Record<string, AppType> = {
  '#microsoft.graph.win32LobApp': 'win32LobApp',
  '#microsoft.graph.windowsMobileMSI': 'windowsMobileMSI',
};
const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;
const MAX_TEXT = 10_000;
const MAX_RULES = 25;

type Check = (value: unknown, name: string) => unknown;

const bad = (name: string, what: string) => appErrors.invalid(`Invalid value for property '${name}': expected ${what}.`);
const text: Check = (v, name) => {
  if (v === null) return null;
  if (typeof v !== 'string' || v.length > MAX_TEXT) throw bad(name, `a string of at most ${MAX_TEXT} characters`);
  return v;
};
const bool: Check = (v, name) => {
  if (typeof v !== 'boolean') throw bad(name, 'a boolean');
  return v;
};
const int: Check = (v, name) => {
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > 2 ** 31) throw bad(name, 'an integer');
  return v;
};
const oneOf =
  (...values: string[]): Check =>
  (v, name) => {
    if (typeof v !== 'string' || !values.includes(v)) throw bad(name, `one of ${values.join(', ')}`);
    return v;
  };
/** Graph's flag enums are comma-separated member names ("x64,x86"). */
const flags =
  (...values: string[]): Check =>
  (v, name) => {
    if (typeof v !== 'string' || !v.split(',').every((f) => values.includes(f.trim()))) throw bad(name, `a comma-separated list of ${values.join(', ')}`);
    return v;
  };
const productCode: Check = (v, name) => {
  if (v === null) return null;
  const m = typeof v === 'string' ? GUID.exec(v.trim()) : null;
  if (!m) throw bad(name, 'an MSI product code ({GUID})');
  return `{${m[1]!.toUpperCase()}}`;
};
const object =
  (shape: Record<string, Check>): Check =>
  (v, name) => {
    if (v === null) return null;
    if (typeof v !== 'object' || Array.isArray(v)) throw bad(name, 'an object');
    return pick(v as Record<string, unknown>, shape, `${name}.`, true);
  };
const list =
  (item: Check, max: number): Check =>
  (v, name) => {
    if (v === null) return [];
    if (!Array.isArray(v) || v.length > max) throw bad(name, `an array of at most ${max} items`);
    return v.map((x, i) => item(x, `${name}[${i}]`));
  };

/** Validates the properties present in `raw` against `shape`; unknown ones are refused. */
function pick(raw: Record<string, unknown>, shape: Record<string, Check>, prefix: string, keepType = false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === '@odata.type') {
      if (keepType) out[key] = value;
      continue;
    }
    const check = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (!check) throw appErrors.invalid(`Property '${prefix}${key}' does not exist on this type or cannot be set.`);
    out[key] = check(value, `${prefix}${key}`);
  }
  return out;
}

const OPERATORS = oneOf('notConfigured', 'equal', 'notEqual', 'greaterThan', 'greaterThanOrEqual', 'lessThan', 'lessThanOrEqual');

/** Detection and requirement rules by their @odata.type (beta's detectionRules/requirementRules, v1.0's rules). */
const RULES: Record<string, { kind: 'detection' | 'requirement' | 'rule'; shape: Record<string, Check> }> = {
  '#microsoft.graph.win32LobAppFileSystemDetection': {
    kind: 'detection',
    shape: { path: text, fileOrFolderName: text, check32BitOn64System: bool, detectionType: oneOf('notConfigured', 'exists', 'modifiedDate', 'createdDate', 'version', 'sizeInMB', 'doesNotExist'), operator: OPERATORS, detectionValue: text },
  },
  '#microsoft.graph.win32LobAppProductCodeDetection': {
    kind: 'detection',
    shape: { productCode, productVersionOperator: OPERATORS, productVersion: text },
  },
  '#microsoft.graph.win32LobAppRegistryDetection': {
    kind: 'detection',
    shape: { check32BitOn64System: bool, keyPath: text, valueName: text, detectionType: oneOf('notConfigured', 'exists', 'doesNotExist', 'string', 'integer', 'version'), operator: OPERATORS, detectionValue: text },
  },
  '#microsoft.graph.win32LobAppPowerShellScriptDetection': {
    kind: 'detection',
    shape: { enforceSignatureCheck: bool, runAs32Bit: bool, scriptContent: text },
  },
  '#microsoft.graph.win32LobAppFileSystemRequirement': {
    kind: 'requirement',
    shape: { operator: OPERATORS, detectionValue: text, path: text, fileOrFolderName: text, check32BitOn64System: bool, detectionType: oneOf('notConfigured', 'exists', 'modifiedDate', 'createdDate', 'version', 'sizeInMB', 'doesNotExist') },
  },
  '#microsoft.graph.win32LobAppRegistryRequirement': {
    kind: 'requirement',
    shape: { operator: OPERATORS, detectionValue: text, check32BitOn64System: bool, keyPath: text, valueName: text, detectionType: oneOf('notConfigured', 'exists', 'doesNotExist', 'string', 'integer', 'version') },
  },
  '#microsoft.graph.win32LobAppPowerShellScriptRequirement': {
    kind: 'requirement',
    shape: { operator: OPERATORS, detectionValue: text, displayName: text, enforceSignatureCheck: bool, runAs32Bit: bool, runAsAccount: oneOf('system', 'user'), scriptContent: text, detectionType: oneOf('notConfigured', 'string', 'dateTime', 'integer', 'float', 'version', 'boolean') },
  },
  '#microsoft.graph.win32LobAppFileSystemRule': {
    kind: 'rule',
    shape: { ruleType: oneOf('detection', 'requirement'), path: text, fileOrFolderName: text, check32BitOn64System: bool, operationType: oneOf('notConfigured', 'exists', 'modifiedDate', 'createdDate', 'version', 'sizeInMB', 'doesNotExist', 'sizeInBytes', 'appVersion'), operator: OPERATORS, comparisonValue: text },
  },
  '#microsoft.graph.win32LobAppProductCodeRule': {
    kind: 'rule',
    shape: { ruleType: oneOf('detection', 'requirement'), productCode, productVersionOperator: OPERATORS, productVersion: text },
  },
  '#microsoft.graph.win32LobAppRegistryRule': {
    kind: 'rule',
    shape: { ruleType: oneOf('detection', 'requirement'), check32BitOn64System: bool, keyPath: text, valueName: text, operationType: oneOf('notConfigured', 'exists', 'doesNotExist', 'string', 'integer', 'version'), operator: OPERATORS, comparisonValue: text },
  },
};

const rule =
  (allowed: ReadonlyArray<'detection' | 'requirement' | 'rule'>): Check =>
  (v, name) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(name, 'a rule object');
    const type = (v as Record<string, unknown>)['@odata.type'];
    const ruleType = typeof type === 'string' ? (type.startsWith('#') ? type : `#${type}`) : '';
    const spec = Object.hasOwn(RULES, ruleType) ? RULES[ruleType] : undefined;
    if (!spec || !allowed.includes(spec.kind)) throw bad(name, `a rule whose @odata.type is one of ${Object.keys(RULES).filter((k) => allowed.includes(RULES[k]!.kind)).join(', ')}`);
    const out = pick(v as Record<string, unknown>, spec.shape, `${name}.`);
    return { '@odata.type': typeof type === 'string' && type.startsWith('#') ? type : `#${String(type)}`, ...out };
  };

const COMMON: Record<string, Check> = {
  displayName: text,
  description: text,
  publisher: text,
  developer: text,
  owner: text,
  notes: text,
  informationUrl: text,
  privacyInformationUrl: text,
  isFeatured: bool,
  fileName: text,
  size: int,
  roleScopeTagIds: list(text, 100),
};

const MSI: Record<string, Check> = {
  ...COMMON,
  productCode,
  productVersion: text,
  commandLine: text,
  ignoreVersionDetection: bool,
  identityVersion: text,
  useDeviceContext: bool,
};

const RETURN_CODE_TYPES = ['failed', 'success', 'softReboot', 'hardReboot', 'retry'] as const;
export type ReturnCodeType = (typeof RETURN_CODE_TYPES)[number];

const WIN32: Record<string, Check> = {
  ...COMMON,
  setupFilePath: text,
  installCommandLine: text,
  uninstallCommandLine: text,
  applicableArchitectures: flags('none', 'x86', 'x64', 'arm', 'neutral', 'arm64'),
  allowedArchitectures: flags('none', 'x86', 'x64', 'arm', 'neutral', 'arm64'),
  minimumFreeDiskSpaceInMB: int,
  minimumMemoryInMB: int,
  minimumNumberOfProcessors: int,
  minimumCpuSpeedInMHz: int,
  minimumSupportedWindowsRelease: text,
  minimumSupportedOperatingSystem: (v, name) => (v === null ? null : object(Object.fromEntries(['v8_0', 'v8_1', 'v10_0', 'v10_1607', 'v10_1703', 'v10_1709', 'v10_1803', 'v10_1809', 'v10_1903', 'v10_1909', 'v10_2004', 'v10_2H20', 'v10_21H1'].map((k) => [k, bool])))(v, name)),
  displayVersion: text,
  allowAvailableUninstall: bool,
  installExperience: object({
    runAsAccount: oneOf('system', 'user'),
    deviceRestartBehavior: oneOf('basedOnReturnCode', 'allow', 'suppress', 'force'),
    maxRunTimeInMinutes: int,
  }),
  msiInformation: object({
    productCode,
    productVersion: text,
    upgradeCode: text,
    requiresReboot: bool,
    packageType: oneOf('perMachine', 'perUser', 'dualPurpose'),
    productName: text,
    publisher: text,
  }),
  returnCodes: list(object({ returnCode: int, type: oneOf(...RETURN_CODE_TYPES) }), 100),
  rules: list(rule(['rule']), MAX_RULES),
  detectionRules: list(rule(['detection']), MAX_RULES),
  requirementRules: list(rule(['requirement']), MAX_RULES),
};

/** Intune's default return codes for a Win32 app (used when none are given). */
export const DEFAULT_RETURN_CODES: Array<{ returnCode: number; type: ReturnCodeType }> = [
  { returnCode: 0, type: 'success' },
  { returnCode: 1707, type: 'success' },
  { returnCode: 3010, type: 'softReboot' },
  { returnCode: 1641, type: 'hardReboot' },
  { returnCode: 1618, type: 'retry' },
];

/** Properties only beta spells; v1.0 answers without them. */
const BETA_ONLY = new Set(['detectionRules', 'requirementRules', 'minimumSupportedOperatingSystem', 'displayVersion', 'allowAvailableUninstall', 'identityVersion', 'useDeviceContext', 'roleScopeTagIds']);

export interface AppInput {
  type: AppType;
  properties: Record<string, unknown>;
}

/** Validates a create (needs @odata.type and displayName) or update body. */
export function parseAppInput(body: unknown, mode: 'create' | 'update', existingType?: AppType): AppInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw appErrors.invalid('The request body must be a JSON object.');
  const raw = body as Record<string, unknown>;
  const rawType = raw['@odata.type'];
  let type = existingType;
  if (typeof rawType === 'string') {
    const key = rawType.startsWith('#') ? rawType : `#${rawType}`;
    const named = Object.hasOwn(TYPES, key) ? TYPES[key] : undefined;
    if (!named) throw appErrors.invalid(`Unsupported '@odata.type' '${rawType}'; expected ${Object.keys(TYPES).join(' or ')}.`);
    if (existingType && named !== existingType) throw appErrors.invalid("An app's '@odata.type' cannot change.");
    type = named;
  } else if (rawType !== undefined) {
    throw appErrors.invalid("'@odata.type' must be a string.");
  }
  if (!type) throw appErrors.invalid("'@odata.type' is required: #microsoft.graph.win32LobApp or #microsoft.graph.windowsMobileMSI.");
  const properties = pick(raw, type === 'win32LobApp' ? WIN32 : MSI, '');
  if (mode === 'create') {
    if (typeof properties.displayName !== 'string' || properties.displayName.trim() === '') throw appErrors.invalid("'displayName' is required.");
    if (type === 'windowsMobileMSI' && typeof properties.productCode !== 'string') throw appErrors.invalid("'productCode' is required for a windowsMobileMSI.");
    if (type === 'win32LobApp') {
      for (const name of ['installCommandLine', 'uninstallCommandLine', 'setupFilePath']) {
        if (typeof properties[name] !== 'string' || (properties[name] as string).trim() === '') throw appErrors.invalid(`'${name}' is required for a win32LobApp.`);
      }
    }
  }
  if (properties.displayName !== undefined && (typeof properties.displayName !== 'string' || properties.displayName.trim() === '')) throw appErrors.invalid("'displayName' cannot be empty.");
  return { type, properties };
}

/** A Win32 app is detected by at least one rule, as Intune insists. */
export function checkWin32Complete(properties: Record<string, unknown>): void {
  const rules = (properties.rules as Array<Record<string, unknown>> | undefined) ?? [];
  const detection = ((properties.detectionRules as unknown[] | undefined) ?? []).length + rules.filter((r) => r.ruleType === 'detection').length;
  if (detection === 0) throw appErrors.invalid('A win32LobApp needs at least one detection rule (detectionRules, or rules with ruleType detection).');
}

/**
 * The product code the CSP names the app by. An MSI has its own; a Win32 app that wraps an
 * MSI names it in msiInformation or a product-code rule; any other Win32 app gets a stable
 * code derived from its id.
 */
export function productCodeOf(type: AppType, id: string, properties: Record<string, unknown>): string {
  if (type === 'windowsMobileMSI') return properties.productCode as string;
  const msi = (properties.msiInformation as { productCode?: string | null } | null | undefined)?.productCode;
  if (msi) return msi;
  const rules = [...((properties.detectionRules as Array<Record<string, unknown>> | undefined) ?? []), ...((properties.rules as Array<Record<string, unknown>> | undefined) ?? [])];
  const byRule = rules.find((r) => typeof r.productCode === 'string' && r.ruleType !== 'requirement')?.productCode;
  return typeof byRule === 'string' ? byRule : `{${id.toUpperCase()}}`;
}

/** What an installer's exit code means for a Win32 app (its returnCodes, or Intune's defaults). */
export function returnCodeType(app: MobileApp, win32Code: number): ReturnCodeType | undefined {
  const codes = (app.properties.returnCodes as typeof DEFAULT_RETURN_CODES | undefined) ?? (app.type === 'win32LobApp' ? DEFAULT_RETURN_CODES : []);
  return codes.find((c) => c.returnCode === win32Code)?.type;
}

export function toGraphApp(app: MobileApp, version: GraphVersion, extra: { isAssigned?: boolean } = {}): Record<string, unknown> {
  const properties = Object.fromEntries(Object.entries(app.properties).filter(([k]) => version === 'beta' || !BETA_ONLY.has(k)));
  const base: Record<string, unknown> = {
    '@odata.type': `#microsoft.graph.${app.type}`,
    id: app.id,
    displayName: app.displayName,
    description: null,
    publisher: null,
    developer: null,
    owner: null,
    notes: null,
    informationUrl: null,
    privacyInformationUrl: null,
    isFeatured: false,
    largeIcon: null,
    fileName: null,
    size: 0,
    committedContentVersion: null,
    createdDateTime: app.createdAt,
    lastModifiedDateTime: app.modifiedAt,
    // Baton keeps no content: an app is published as soon as it is created.
    publishingState: 'published',
  };
  if (app.type === 'windowsMobileMSI') Object.assign(base, { productCode: app.productCode, productVersion: null, commandLine: null, ignoreVersionDetection: false });
  if (app.type === 'win32LobApp') {
    Object.assign(base, { installCommandLine: null, uninstallCommandLine: null, setupFilePath: null, applicableArchitectures: 'x64,x86', returnCodes: DEFAULT_RETURN_CODES, rules: [], msiInformation: null, installExperience: { runAsAccount: 'system', deviceRestartBehavior: 'basedOnReturnCode' } });
    if (version === 'beta') Object.assign(base, { detectionRules: [], requirementRules: [] });
  }
  if (version === 'beta') Object.assign(base, { isAssigned: extra.isAssigned ?? false, roleScopeTagIds: ['0'], dependentAppCount: 0, supersededAppCount: 0, supersedingAppCount: 0, uploadState: 1 });
  return { ...base, ...properties };
}
