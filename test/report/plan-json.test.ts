import { describe, expect, it } from 'vitest';
import { secretFingerprint } from '../../src/plan/configmap-diff.js';
import { planRollout, type Plan } from '../../src/plan/plan.js';
import { planToJson } from '../../src/report/plan-json.js';
import { testdataObjects } from '../testdata.js';

const objects = (...files: string[]) => files.flatMap(testdataObjects);

const planWithSecrets = () =>
  planRollout({
    base: objects('configmap-base.yaml', 'secret-base.yaml', 'deployment-envfrom.yaml'),
    head: objects('configmap-head.yaml', 'secret-head.yaml', 'deployment-envfrom.yaml'),
    options: { volumeMounts: 'restart', secrets: true, fingerprintKey: 'k' },
  });

const secretOf = (plan: Plan) => plan.configMaps.find((c) => c.kind === 'Secret')!;

/** A Secret value's fingerprint under a key (the plan reads `stringData` as base64 of its bytes). */
const fingerprint = (text: string, key: string) =>
  secretFingerprint(Buffer.from(text).toString('base64'), key);

describe('planToJson', () => {
  it('gives the plan as the JSON contract names it, Secrets apart with fingerprints only', () => {
    const plan = planWithSecrets();
    const fp = (text: string) => fingerprint(text, 'k');
    const json = planToJson(plan);
    // toMatchObject: other parts of the contract (the objects a change writes) have tests of their own.
    expect(json).toMatchObject({
      configMaps: [
        {
          ref: 'shop/app-config',
          change: 'modified',
          keys: { added: ['retries'], removed: ['mode'], changed: ['level', 'logo'] },
          immutable: false,
        },
      ],
      secrets: [
        {
          ref: 'shop/app-creds',
          change: 'modified',
          keys: { added: [], removed: [], changed: ['password'] },
          immutable: false,
          fingerprints: {
            base: { password: fp('old'), user: fp('admin') },
            head: { password: fp('new'), user: fp('admin') },
          },
        },
      ],
      consumers: [
        {
          workload: 'Deployment/shop/api',
          action: 'restart',
          reasons: plan.consumers[0]!.reasons,
          configMaps: ['Secret/shop/app-creds', 'shop/app-config'],
        },
      ],
      findings: [],
    });
    expect(JSON.stringify(json)).not.toMatch(/"(old|new|admin|debug|info)"/);
  });

  // Under the empty key, fingerprints would be the same in every run and open to a dictionary look-up.
  it('fingerprints Secret values under the run key given in the options', () => {
    expect(secretOf(planWithSecrets()).fingerprints).toEqual({
      base: { password: fingerprint('old', 'k'), user: fingerprint('admin', 'k') },
      head: { password: fingerprint('new', 'k'), user: fingerprint('admin', 'k') },
    });
  });

  it('leaves Secrets out when there are none, and lists findings with where they are', () => {
    const plan = planRollout({
      base: objects('configmap-base.yaml'),
      head: objects('configmap-head-immutable.yaml'),
      options: { volumeMounts: 'restart' },
    });
    const json = planToJson({
      ...plan,
      findings: [{ severity: 'warning', code: 'drift', message: 'm', file: 'f.yaml', line: 3 }],
    });
    expect(json).toMatchObject({
      configMaps: [
        {
          ref: 'shop/app-config',
          change: 'unchanged',
          keys: { added: [], removed: [], changed: [] },
          immutable: true,
        },
      ],
      consumers: [],
      findings: [{ severity: 'warning', code: 'drift', message: 'm', file: 'f.yaml', line: 3 }],
    });
  });
});
