import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Database } from '@baton/kit';
import { evaluateRule } from '@baton/protocols';
import { backends, openIdentityDatabase, testContext, type TestContext } from '../../testing/harness.js';
import { KyselyIdentityStore } from '../../store/kysely-store.js';
import type { IdentityDatabase } from '../../store/schema.js';
import type { DeviceRecord, GroupRecord } from '../../store/store.js';
import { MembershipEngine } from './engine.js';
import { compileRule } from './rules.js';
import { deviceSubject } from './subject.js';

const at = '2025-01-01T00:00:00.000Z';

// Few values per attribute, so random devices keep landing in and out of random groups.
const TAGS = ['Sales', 'SALES', 'Kiosk', 'Lab-1', 'Lab-2'];
const NAMES = ['PC-1', 'pc-2', 'LAB-1', 'Spare', ''];
const OS = ['Windows', 'windows', 'iOS'];
const VERSIONS = ['10.0.19045.1', '10.0.22631.2', '10.0.2', '14.1'];

const quote = (s: string) => `"${s}"`;
const atom = fc.oneof(
  fc.constantFrom(...TAGS).map((t) => `(device.devicePhysicalIds -any (_ -eq "[OrderID]:${t}"))`),
  fc.constantFrom('[OrderID]:Lab', '[orderid]:', '[PurchaseOrderId]:').map((p) => `(device.devicePhysicalIds -any (_ -startsWith ${quote(p)}))`),
  fc.constant('(device.devicePhysicalIds -any (_ -contains "[ZTDId]"))'),
  fc.constantFrom(...OS).map((o) => `device.deviceOSType -eq ${quote(o)}`),
  fc.constantFrom('10.0.1', '10.0.2', '1').map((v) => `device.deviceOSVersion -startsWith ${quote(v)}`),
  fc.constantFrom(...NAMES, 'PC-', 'lab').map((n) => `device.displayName -startsWith ${quote(n)}`),
  fc.subarray(NAMES, { minLength: 1 }).map((ns) => `device.displayName -in [${ns.map(quote).join(', ')}]`),
  fc.constantFrom(...NAMES).map((n) => `device.displayName -ne ${quote(n)}`),
  fc.constantFrom('-1', '2').map((n) => `device.displayName -endsWith ${quote(n)}`),
  fc.constant('device.displayName -match "^(pc|lab)-\\d$"'),
  fc.constantFrom('true', 'false').map((b) => `device.accountEnabled -eq ${b}`),
  fc.constant('device.managementType -eq "MDM"'),
  fc.constant('device.deviceTrustType -eq null'),
);
const rule: fc.Arbitrary<string> = fc.letrec<{ rule: string }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    atom,
    fc.tuple(tie('rule'), fc.constantFrom('-and', '-or'), tie('rule')).map(([a, op, b]) => `(${a}) ${op} (${b})`),
    tie('rule').map((r) => `-not (${r})`),
  ),
})).rule;

const attributes = fc.record({
  tags: fc.subarray(TAGS, { maxLength: 2 }),
  ztd: fc.boolean(),
  displayName: fc.constantFrom(...NAMES),
  operatingSystem: fc.constantFrom(...OS, null),
  operatingSystemVersion: fc.constantFrom(...VERSIONS, null),
  accountEnabled: fc.boolean(),
  isManaged: fc.constantFrom(true, false, null),
  trustType: fc.constantFrom('AzureAd' as const, null),
});
type Attributes = typeof attributes extends fc.Arbitrary<infer A> ? A : never;

const command = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('create' as const), attributes }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('update' as const), pick: fc.nat(), attributes }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rule' as const), pick: fc.nat(), rule }) },
);

function withAttributes(d: DeviceRecord, a: Attributes): DeviceRecord {
  return {
    ...d,
    physicalIds: [...(a.ztd ? [`[ZTDID]:${d.id}`] : []), ...a.tags.map((t) => `[OrderID]:${t}`)],
    displayName: a.displayName,
    operatingSystem: a.operatingSystem,
    operatingSystemVersion: a.operatingSystemVersion,
    accountEnabled: a.accountEnabled,
    isManaged: a.isManaged,
    trustType: a.trustType,
  };
}

function newDevice(tenantId: string, a: Attributes): DeviceRecord {
  const id = randomUUID();
  return withAttributes(
    {
      id,
      deviceId: randomUUID(),
      tenantId,
      displayName: '',
      physicalIds: [],
      ztdId: null,
      trustType: null,
      accountEnabled: true,
      operatingSystem: null,
      operatingSystemVersion: null,
      isCompliant: null,
      isManaged: null,
      certThumbprint: null,
      certPem: null,
      transportKey: null,
      registeredOwnerUserId: null,
      approximateLastSignIn: null,
      registeredAt: null,
      createdAt: at,
      modifiedAt: at,
    },
    a,
  );
}

function dynamicGroup(tenantId: string, membershipRule: string): GroupRecord {
  return {
    id: randomUUID(),
    tenantId,
    displayName: 'g',
    description: null,
    mailNickname: 'g',
    mailEnabled: false,
    securityEnabled: true,
    groupTypes: ['DynamicMembership'],
    membershipRule,
    membershipRuleProcessingState: 'On',
    ruleSubject: 'device',
    membershipUpdatedAt: null,
    createdAt: at,
    modifiedAt: at,
  };
}

for (const backend of backends()) {
  describe(`membership engine (${backend.name})`, () => {
    let env: TestContext;
    let database: Database<IdentityDatabase>;
    let store: KyselyIdentityStore;
    before(async () => {
      env = testContext(backend);
      database = await openIdentityDatabase(env);
      store = new KyselyIdentityStore(database.db, database.dialect);
    });
    after(async () => {
      await database.close();
      await env.cleanup();
    });

    test('incremental updates leave every group exactly as a full evaluation would, across two replicas', async () => {
      const runs = backend.name === 'sqlite' ? 60 : 25;
      let memberships = 0;
      let incrementalChanges = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(rule, { minLength: 1, maxLength: 5 }), fc.array(command, { minLength: 1, maxLength: 25 }), async (rules, commands) => {
          const tenantId = randomUUID();
          await store.insertTenant({
            id: tenantId,
            domain: `${tenantId}.example.test`,
            displayName: 'T',
            branding: { companyName: 'C' },
            signingKey: '-',
            deviceCaCertPem: '-',
            deviceCaKey: '-',
            createdAt: at,
            modifiedAt: at,
          });
          // Two engines on one database stand for two replicas: each caches rules, and a
          // rule changed through one must be seen by the other's next write.
          const replicas = [new MembershipEngine(), new MembershipEngine()];
          const groups = rules.map((r) => dynamicGroup(tenantId, r));
          await store.transaction(async (tx) => {
            for (const g of groups) {
              await tx.insertGroup(g);
              await tx.setGroupRuleProperties(tenantId, g.id, compileRule(g.membershipRule!).properties);
              await replicas[0]!.recomputeGroup(tx, g);
            }
          });
          const devices: DeviceRecord[] = [];
          for (const [step, c] of commands.entries()) {
            const engine = replicas[step % 2]!;
            if (c.kind === 'create') {
              const d = newDevice(tenantId, c.attributes);
              await store.transaction(async (tx) => {
                await tx.insertDevice(d);
                incrementalChanges += (await engine.objectChanged(tx, tenantId, 'device', undefined, d)).length;
              });
              devices.push(d);
            } else if (c.kind === 'update' && devices.length > 0) {
              const i = c.pick % devices.length;
              const next = withAttributes(devices[i]!, c.attributes);
              await store.transaction(async (tx) => {
                const { physicalIds, displayName, operatingSystem, operatingSystemVersion, accountEnabled, isManaged, trustType } = next;
                await tx.updateDevice(tenantId, next.id, { physicalIds, displayName, operatingSystem, operatingSystemVersion, accountEnabled, isManaged, trustType });
                incrementalChanges += (await engine.objectChanged(tx, tenantId, 'device', devices[i], next)).length;
              });
              devices[i] = next;
            } else if (c.kind === 'delete' && devices.length > 0) {
              const [gone] = devices.splice(c.pick % devices.length, 1);
              await store.transaction(async (tx) => {
                await tx.deleteDevice(tenantId, gone!.id);
                await engine.objectChanged(tx, tenantId, 'device', gone, undefined);
              });
            } else if (c.kind === 'rule') {
              const i = c.pick % groups.length;
              groups[i] = { ...groups[i]!, membershipRule: c.rule };
              await store.transaction(async (tx) => {
                await tx.updateGroup(tenantId, groups[i]!.id, { membershipRule: c.rule });
                await tx.setGroupRuleProperties(tenantId, groups[i]!.id, compileRule(c.rule).properties);
                await engine.recomputeGroup(tx, groups[i]!);
              });
            }
            for (const g of groups) {
              const ast = compileRule(g.membershipRule!).ast;
              const expected = devices.filter((d) => evaluateRule(ast, deviceSubject(d))).map((d) => d.id).sort();
              const actual = (await store.groupMemberIds(tenantId, g.id, 'dynamic')).sort();
              assert.deepEqual(actual, expected, `${g.membershipRule} after step ${step} (${c.kind})`);
              memberships += actual.length;
            }
          }
          // The full recompute path agrees: it finds nothing to change.
          await store.transaction(async (tx) => {
            for (const g of groups) assert.deepEqual(await replicas[1]!.recomputeGroup(tx, g), [], g.membershipRule!);
          });
        }),
        { numRuns: runs },
      );
      // Not vacuous: devices did land in groups, and the incremental path moved them. The
      // counts depend on the random runs, so the floors are per run and low.
      assert.ok(memberships > runs, `only ${memberships} memberships seen in ${runs} runs`);
      assert.ok(incrementalChanges > runs / 5, `only ${incrementalChanges} incremental membership changes in ${runs} runs`);
    });
  });
}
