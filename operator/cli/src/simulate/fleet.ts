/**
 * A fleet run: register N devices with discovery through Graph (as an administrator
 * imports them), then let N device agents go through the chain with bounded
 * concurrency, their starts spread over the ramp-up. The agents are configured with
 * discovery's URL only.
 */
import { GRAPH_RESOURCE } from '@baton/contracts';
import { createHttpsFetch, type Fetch } from '@baton/kit';
import {
  abortableSleep,
  availableFaults,
  hardwareHash,
  paceByName,
  randomInventory,
  type KeyPool,
  refusingFetch,
  runDevice,
  SeededRandom,
  type DeviceInventory,
  type DeviceRunResult,
  type FaultName,
  type FaultSetup,
  type FaultUser,
  type PaceName,
  type ProvisioningMode,
} from '@baton/device';
import { awaitProfile, drawModes, ensureModeProfile, modeTag, USER_DRIVEN_ONLY, type ModeShares } from './modes.js';
import { adminToken, graphJson, type DemoInfo } from '../host/demo.js';
import { arrangeFaultUsers, type FaultUsers } from './fault-users.js';
import { whileResealed } from './resealed-faults.js';

export interface FleetOptions {
  demo: DemoInfo;
  caPem: string;
  devices: number;
  concurrency: number;
  seed: number;
  groupTag?: string;
  /** Share of devices (0..1) given a fault drawn from the catalogue, reproducibly from `seed`. */
  faultRate?: number;
  /** The fault of each device, instead of a draw (null: healthy); its length is the fleet's size. */
  faultPlan?: Array<FaultName | null>;
  /**
   * Identity's and management's base URLs when they are not on discovery's origin (for the
   * users and policies some faults need); by default identity's is the authority's origin
   * and management's is `demo.baseUrl`.
   */
  urls?: { identity?: string; management?: string };
  /** Each mode's share of the fleet (see `parseModes`); all user-driven by default. */
  modes?: ModeShares;
  /** Share of devices (0..1) assigned a self-deploying profile, the rest user-driven; `modes` wins. */
  selfDeployingShare?: number;
  /** Where the devices' join and MDM key pairs come from; each device generates its own by default. */
  keyPool?: KeyPool;
  /** `real` waits the device-side durations of OOBE, typing, installs and reboots (`fast` by default). */
  pace?: PaceName;
  /** Multiplies real-pace waits (1 by default); a test shrinks minutes to milliseconds with it. */
  paceScale?: number;
  /** Device starts are spread evenly over this many milliseconds instead of all at once. */
  rampUpMs?: number;
  onRegistered?: (done: number) => void;
  onDeviceDone?: (result: DeviceRunResult, done: number) => void;
}

export interface FleetResult {
  results: DeviceRunResult[];
  /** The fault injected into each device, or null for a healthy one. */
  faults: Array<FaultName | null>;
  /** Failed attempts before the result (a device that could not reach a service tries again). */
  retries: number[];
  registerMs: number;
  runMs: number;
}

export async function runFleet(options: FleetOptions): Promise<FleetResult> {
  const fetch = createHttpsFetch({ caPem: options.caPem, connections: Math.max(8, options.concurrency * 2) });
  try {
    const inventories = Array.from({ length: options.devices }, (_, i) => randomInventory(options.seed, i));
    if (options.faultPlan) {
      const unknown = options.faultPlan.find((f) => f !== null && !FLEET_FAULTS.has(f));
      if (options.faultPlan.length !== options.devices) throw new Error(`the fault plan names ${options.faultPlan.length} devices, the fleet has ${options.devices}`);
      if (unknown) throw new Error(`${unknown} is not a fault a one-tenant fleet can carry`);
    }
    const faults = options.faultPlan ?? drawFaults(options);
    const setups = faults.map((name) => (name ? FLEET_FAULTS.get(name)!.setup() : undefined));
    const users = setups.map((s) => s?.user).filter((u): u is FaultUser => u !== undefined);
    const faultUsers = users.length > 0 ? await arrangeFaultUsers(faultUserTarget(options, fetch), users) : undefined;
    // A fault that needs a self-deploying device makes its device one.
    const modes = drawModes(options.devices, options.seed, modeShares(options)).map((mode, i) => setups[i]?.mode ?? mode);
    const pace = paceByName(options.pace ?? 'fast', options.paceScale !== undefined ? { scale: options.paceScale } : {});
    const t0 = performance.now();
    const profiles = new Map<ProvisioningMode, string>();
    for (const mode of ['selfDeploying', 'preProvisioned'] as const) {
      if (modes.includes(mode)) profiles.set(mode, await ensureModeProfile(options.demo, fetch, mode));
    }
    const registered = inventories.map((inventory, i) => ({ inventory, mode: modes[i]! })).filter((_, i) => setups[i]?.registration !== 'none');
    const ztdIds = await registerDevices(options, registered, fetch);
    for (const [mode, profileId] of profiles) {
      await awaitProfile(options.demo, fetch, registered.flatMap((d, i) => (d.mode === mode && ztdIds[i] ? [ztdIds[i]] : [])), profileId);
    }
    const t1 = performance.now();
    const results: DeviceRunResult[] = new Array(inventories.length);
    const retries: number[] = new Array(inventories.length).fill(0);
    let done = 0;
    const rampUpMs = options.rampUpMs ?? 0;
    const admin = faultUserTarget(options, fetch);
    await eachLimited(inventories, options.concurrency, async (inventory, i) => {
      const setup = setups[i];
      const resealed = whileResealed(setup?.whileResealed, admin);
      const run = (deviceFetch: Fetch) =>
        runDevice({
          discoveryUrl: options.demo.discoveryUrl,
          caPem: options.caPem,
          inventory,
          user: userFor(options, setup, faultUsers),
          fetch: deviceFetch,
          pace,
          ...(modes[i] === 'preProvisioned' ? { preProvision: true } : {}),
          ...(resealed ? { whileResealed: resealed } : {}),
          ...(setup?.behaviour || options.keyPool ? { behaviour: { ...pooledKeys(options.keyPool), ...setup?.behaviour } } : {}),
        });
      if (setup?.user) await faultUsers!.beforeSignIn(setup.user);
      let result = await run(setup?.unreachable ? refusingFetch(fetch, setup.unreachable) : fetch);
      if (!result.ok && setup?.unreachable) {
        // The service is back; the device's next attempt (a new trace) goes through.
        retries[i]++;
        result = await run(fetch);
      }
      results[i] = result;
      options.onDeviceDone?.(result, ++done);
    }, { startAt: (i) => rampStart(i, inventories.length, rampUpMs) });
    return { results, faults, retries, registerMs: t1 - t0, runMs: performance.now() - t1 };
  } finally {
    await fetch.close();
  }
}

function pooledKeys(pool: KeyPool | undefined) {
  return pool ? { joinKeys: () => pool.take(), mdmKeys: () => pool.take() } : {};
}

function modeShares(options: Pick<FleetOptions, 'modes' | 'selfDeployingShare'>): ModeShares {
  if (options.modes) return options.modes;
  const self = options.selfDeployingShare ?? 0;
  return self > 0 ? { userDriven: 1 - self, selfDeploying: self, preProvisioned: 0 } : USER_DRIVEN_ONLY;
}

/** When device `index` of `devices` may start, in ms after the first: evenly over the ramp-up. */
export function rampStart(index: number, devices: number, rampUpMs: number): number {
  return devices > 0 && rampUpMs > 0 ? (index * rampUpMs) / devices : 0;
}

/** Faults one tenant's fleet can carry (no second tenant, no service restart). */
const FLEET_FAULTS = new Map(availableFaults({ fleet: true }).map((f) => [f.name, f]));

/** Which device gets which fault: the same for the same seed, rate and fleet size. */
export function drawFaults(options: Pick<FleetOptions, 'devices' | 'seed' | 'faultRate'>): Array<FaultName | null> {
  const rate = options.faultRate ?? 0;
  const random = new SeededRandom(`faults:${options.seed}`);
  const names = [...FLEET_FAULTS.keys()];
  return Array.from({ length: options.devices }, () => {
    const hit = random.nextUint32() / 4294967296 < rate;
    return hit ? random.pick(names) : null;
  });
}

function userFor(options: FleetOptions, setup: FaultSetup | undefined, faultUsers: FaultUsers | undefined): { upn: string; password: string } {
  const user = setup?.user ? faultUsers!.credentials(setup.user) : options.demo.user;
  return setup?.password === 'wrong' ? { upn: user.upn, password: `${user.password}-typo` } : user;
}

export function faultUserTarget(options: Pick<FleetOptions, 'demo' | 'urls'>, fetch: Fetch) {
  const authority = new URL(options.demo.authority);
  const identityUrl = options.urls?.identity ?? `${authority.origin}${authority.pathname.replace(/\/[^/]*\/?$/, '')}`;
  return { demo: options.demo, identityUrl, managementUrl: options.urls?.management ?? options.demo.baseUrl, fetch };
}

/** Registers the devices; answers each one's ZTDId, in order. */
async function registerDevices(options: FleetOptions, devices: Array<{ inventory: DeviceInventory; mode: ProvisioningMode }>, fetch: Fetch): Promise<string[]> {
  const token = await adminToken(options.demo, fetch);
  const url = `${options.demo.discoveryUrl}/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities`;
  const ztdIds: string[] = new Array(devices.length);
  let done = 0;
  await eachLimited(devices, Math.min(8, options.concurrency), async ({ inventory, mode }, i) => {
    const imported = await graphJson(fetch, url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        '@odata.type': '#microsoft.graph.importedWindowsAutopilotDeviceIdentity',
        serialNumber: inventory.serialNumber,
        productKey: '',
        hardwareIdentifier: hardwareHash(inventory),
        groupTag: modeTag(mode) ?? options.groupTag ?? '',
        state: { deviceImportStatus: 'pending', deviceRegistrationId: '', deviceErrorCode: 0, deviceErrorName: '' },
      }),
    });
    const status = imported.state?.deviceImportStatus;
    // 806 (already registered in this tenant) is fine on a re-run with the same seed.
    if (status !== 'complete' && imported.state?.deviceErrorCode !== 806) {
      throw new Error(`import of ${inventory.serialNumber} failed: ${imported.state?.deviceErrorCode} ${imported.state?.deviceErrorName}`);
    }
    ztdIds[i] = imported.state?.deviceRegistrationId ?? '';
    options.onRegistered?.(++done);
  });
  return ztdIds;
}

export interface Schedule {
  /** Milliseconds after the start before item `index` may begin (none by default). */
  startAt?: (index: number) => number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `fn` over the items, at most `limit` at once, in order; an item with a start time waits
 * for it, so a ramp-up holds back the later devices even when workers are free.
 */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>, schedule: Schedule = {}): Promise<void> {
  const now = schedule.now ?? (() => performance.now());
  const sleep = schedule.sleep ?? ((ms: number) => abortableSleep(ms));
  const started = now();
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      const due = schedule.startAt ? started + schedule.startAt(i) - now() : 0;
      if (due > 0) await sleep(due);
      await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
}

export { GRAPH_RESOURCE };
