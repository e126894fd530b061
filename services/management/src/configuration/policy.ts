/**
 * deviceConfiguration profiles as Baton stores them: Graph's base properties, the subtype
 * (`@odata.type`) and its own properties, validated. Two families: `windows10CustomConfiguration`
 * (OMA-URI settings) and the baseline templates of `templates.ts`. Either one comes down to the
 * settings `desiredSettings` lists, which is all delivery needs to know.
 */
import { omaDesiredSettings, parseOmaSettings, type OmaSetting } from './oma-settings.js';
import { configurationErrors, type DesiredSetting } from './setting.js';
import { parseTemplateValues, templateDesiredSettings, TEMPLATES, templateView, type TemplateValues } from './templates.js';

export const CUSTOM_TYPE = '#microsoft.graph.windows10CustomConfiguration';
export const SUPPORTED_TYPES: readonly string[] = [CUSTOM_TYPE, ...Object.keys(TEMPLATES)];

export type GraphVersion = 'v1.0' | 'beta';

export interface ConfigurationPolicy {
  id: string;
  tenantId: string;
  odataType: string;
  displayName: string;
  description: string | null;
  /** `{ omaSettings }` for a custom profile, the template's property values otherwise. */
  properties: { omaSettings?: OmaSetting[] } & Record<string, unknown>;
  /** Graph's `version`, bumped by every change. */
  version: number;
  createdAt: string;
  modifiedAt: string;
}

export interface ConfigurationInput {
  odataType?: string;
  displayName?: string;
  description?: string | null;
  properties: ConfigurationPolicy['properties'];
}

const BASE = new Set(['@odata.type', 'id', 'displayName', 'description', 'createdDateTime', 'lastModifiedDateTime', 'version', 'roleScopeTagIds', 'assignments', 'supportsScopeTags']);

function normalizeType(type: unknown): string | undefined {
  if (typeof type !== 'string') return undefined;
  const full = type.startsWith('#') ? type : `#${type}`;
  return SUPPORTED_TYPES.includes(full) ? full : undefined;
}

function checkText(body: Record<string, unknown>, name: string, max: number, required: boolean): string | null | undefined {
  const value = body[name];
  if (value === undefined) {
    if (required) throw configurationErrors.invalid(`Property '${name}' is required.`);
    return undefined;
  }
  if (value === null && !required) return null;
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > max) {
    throw configurationErrors.invalid(`Invalid value for property '${name}': expected a non-empty string of at most ${max} characters.`);
  }
  return value;
}

/**
 * Validates a create (`@odata.type` and `displayName` required) or a PATCH of a profile of
 * type `existingType`. Unknown properties, another type and wrong values are a Graph 400.
 */
export function parseConfigurationInput(raw: unknown, mode: 'create' | 'update', existingType?: string): ConfigurationInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw configurationErrors.invalid('The request body must be a JSON object.');
  const body = raw as Record<string, unknown>;
  const given = body['@odata.type'];
  if (mode === 'create' && given === undefined) throw configurationErrors.invalid("Property '@odata.type' is required: deviceConfiguration is abstract.");
  const type = given === undefined ? existingType : normalizeType(given);
  if (!type) {
    const shown = typeof given === 'string' ? given.slice(0, 100) : `a ${given === null ? 'null' : typeof given}`;
    throw configurationErrors.invalid(`Unsupported @odata.type '${shown}'; Baton manages ${SUPPORTED_TYPES.join(', ')}.`);
  }
  if (existingType && type !== existingType) throw configurationErrors.invalid(`The profile is a ${existingType.slice(1)}; its @odata.type cannot change.`);
  const input: ConfigurationInput = { odataType: type, properties: {} };
  if (type === CUSTOM_TYPE) {
    for (const name of Object.keys(body)) {
      if (!BASE.has(name) && name !== 'omaSettings' && !name.endsWith('@odata.type')) {
        throw configurationErrors.invalid(`Property '${name.slice(0, 100)}' does not exist on type 'microsoft.graph.windows10CustomConfiguration'.`);
      }
    }
    if (body.omaSettings !== undefined) input.properties.omaSettings = parseOmaSettings(body.omaSettings);
    else if (mode === 'create') input.properties.omaSettings = [];
  } else {
    input.properties = parseTemplateValues(type, body, BASE);
  }
  const displayName = checkText(body, 'displayName', 256, mode === 'create');
  if (displayName) input.displayName = displayName;
  const description = checkText(body, 'description', 1024, false);
  if (description !== undefined) input.description = description;
  return input;
}

export function desiredSettings(policy: Pick<ConfigurationPolicy, 'odataType' | 'properties'>): DesiredSetting[] {
  if (policy.odataType === CUSTOM_TYPE) return omaDesiredSettings(policy.properties.omaSettings ?? []);
  return templateDesiredSettings(policy.odataType, policy.properties as TemplateValues);
}

export function toGraphConfiguration(policy: ConfigurationPolicy, version: GraphVersion): Record<string, unknown> {
  const own = policy.odataType === CUSTOM_TYPE ? { omaSettings: policy.properties.omaSettings ?? [] } : templateView(policy.odataType, policy.properties as TemplateValues);
  return {
    '@odata.type': policy.odataType,
    id: policy.id,
    createdDateTime: policy.createdAt,
    description: policy.description,
    displayName: policy.displayName,
    lastModifiedDateTime: policy.modifiedAt,
    version: policy.version,
    ...(version === 'beta' ? { roleScopeTagIds: ['0'], supportsScopeTags: true } : {}),
    ...own,
  };
}
