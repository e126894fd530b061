/**
 * `windows10CustomConfiguration.omaSettings`: each element names its subtype with
 * `@odata.type` and carries `displayName`, `omaUri` and a `value` of that subtype's type
 * (Graph v1.0 omaSetting*). Validation turns them into settings to deliver or a Graph 400.
 */
import { configurationErrors, settingKey, type DesiredSetting, type SettingFormat } from './setting.js';

const PREFIX = '#microsoft.graph.';
type Kind = 'string' | 'integer' | 'boolean' | 'floatingPoint' | 'dateTime' | 'base64' | 'stringXml';

/** Subtype → the SyncML format its value is written with. StringXml is XML text, sent as chr. */
const KINDS: Record<string, { kind: Kind; format: SettingFormat }> = {
  omaSettingString: { kind: 'string', format: 'chr' },
  omaSettingInteger: { kind: 'integer', format: 'int' },
  omaSettingBoolean: { kind: 'boolean', format: 'bool' },
  omaSettingFloatingPoint: { kind: 'floatingPoint', format: 'float' },
  omaSettingDateTime: { kind: 'dateTime', format: 'chr' },
  omaSettingBase64: { kind: 'base64', format: 'b64' },
  omaSettingStringXml: { kind: 'stringXml', format: 'chr' },
};

export const MAX_OMA_SETTINGS = 1000;
const MAX_VALUE_BYTES = 64 * 1024;
const OMA_URI_RE = /^\.\/[^\s<>&]{1,1022}$/;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An omaSetting as stored and shown: Graph's own properties, validated. */
export interface OmaSetting {
  '@odata.type': string;
  displayName: string;
  description: string | null;
  omaUri: string;
  value: string | number | boolean;
  fileName?: string | null;
}

function text(o: Record<string, unknown>, name: string, max: number, required: boolean): string | null {
  const v = o[name];
  if (v === undefined || v === null) {
    if (required) throw configurationErrors.invalid(`Each omaSetting needs '${name}'.`);
    return null;
  }
  if (typeof v !== 'string' || v.length > max || (required && v.trim() === '')) throw configurationErrors.invalid(`omaSetting '${name}' must be a string of at most ${max} characters.`);
  return v;
}

function checkValue(kind: Kind, value: unknown, where: string): string | number | boolean {
  const bad = (what: string) => configurationErrors.invalid(`${where}: 'value' must be ${what}.`);
  switch (kind) {
    case 'string':
      if (typeof value !== 'string' || Buffer.byteLength(value) > MAX_VALUE_BYTES) throw bad('a string of at most 64 KiB');
      return value;
    case 'integer':
      if (!Number.isInteger(value) || (value as number) < -(2 ** 31) || (value as number) > 2 ** 31 - 1) throw bad('a 32-bit integer');
      return value as number;
    case 'boolean':
      if (typeof value !== 'boolean') throw bad('a boolean');
      return value;
    case 'floatingPoint':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad('a number');
      return value;
    case 'dateTime':
      if (typeof value !== 'string' || !DATE_TIME_RE.test(value) || Number.isNaN(Date.parse(value))) throw bad('an ISO 8601 date and time with an offset');
      return value;
    case 'base64':
    case 'stringXml': {
      if (typeof value !== 'string' || value.length > (MAX_VALUE_BYTES * 4) / 3 + 4 || !BASE64_RE.test(value)) throw bad('base64');
      if (kind === 'stringXml') {
        const xml = Buffer.from(value, 'base64').toString('utf8');
        if (!xml.trimStart().startsWith('<')) throw bad('the base64 of an XML document');
      }
      return value;
    }
  }
}

/** The SyncML Data for a stored setting: booleans as true/false, StringXml decoded to its XML text. */
function wireValue(kind: Kind, value: string | number | boolean): string {
  if (kind === 'stringXml') return Buffer.from(String(value), 'base64').toString('utf8');
  return String(value);
}

/** Validates `omaSettings` of a create or PATCH; duplicate OMA-URIs in one profile are a 400. */
export function parseOmaSettings(raw: unknown): OmaSetting[] {
  if (!Array.isArray(raw) || raw.length > MAX_OMA_SETTINGS) throw configurationErrors.invalid(`'omaSettings' must be an array of at most ${MAX_OMA_SETTINGS} omaSetting objects.`);
  const seen = new Set<string>();
  return raw.map((item: unknown, index) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw configurationErrors.invalid('Each omaSetting must be an object.');
    const o = item as Record<string, unknown>;
    const type = typeof o['@odata.type'] === 'string' ? (o['@odata.type'] as string).replace(/^#?microsoft\.graph\./, '') : '';
    const spec = Object.hasOwn(KINDS, type) ? KINDS[type] : undefined;
    if (!spec) throw configurationErrors.invalid(`omaSettings[${index}] needs an '@odata.type' of ${Object.keys(KINDS).map((k) => PREFIX + k).join(', ')}.`);
    const omaUri = text(o, 'omaUri', 1024, true)!;
    if (!OMA_URI_RE.test(omaUri)) throw configurationErrors.invalid(`omaSettings[${index}]: 'omaUri' must start with './' and contain no spaces.`);
    const key = settingKey(omaUri);
    if (seen.has(key)) throw configurationErrors.invalid(`omaSettings[${index}]: the OMA-URI '${omaUri}' appears twice in this profile.`);
    seen.add(key);
    const setting: OmaSetting = {
      '@odata.type': PREFIX + type,
      displayName: text(o, 'displayName', 256, true)!,
      description: text(o, 'description', 1024, false),
      omaUri,
      value: checkValue(spec.kind, o.value, `omaSettings[${index}]`),
    };
    if (spec.kind === 'base64' || spec.kind === 'stringXml') setting.fileName = text(o, 'fileName', 256, false);
    return setting;
  });
}

export function omaDesiredSettings(settings: readonly OmaSetting[]): DesiredSetting[] {
  return settings.map((s) => {
    const spec = KINDS[s['@odata.type'].slice(PREFIX.length)]!;
    return { omaUri: s.omaUri, settingName: s.displayName, format: spec.format, value: wireValue(spec.kind, s.value) };
  });
}
