// Restart decisions at their edges: Secrets, ephemeral containers, mixed deliveries, names and prefixes.
import { describe, expect, it } from 'vitest';
import { planRollout } from '../../src/plan/plan.js';
import { configMap, deployment, objects, plan } from './helpers.js';

const mount = (name: string) => `{name: ${name}, mountPath: /etc/${name}}`;
const reader = (container: string, pod = '') => deployment('api', container, pod);
const cm = (name: string, data: Record<string, string>) => configMap(name, data);
const secret = (data: Record<string, string>) =>
  `---\napiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: ${JSON.stringify(data)}\n`;
const withSecrets = (base: string, head: string) =>
  planRollout({
    base: objects(base, 'base.yaml'),
    head: objects(head, 'head.yaml'),
    options: { volumeMounts: 'restart', secrets: true, fingerprintKey: 'k' },
  });
const decided = (p: ReturnType<typeof plan>) => p.consumers.map((c) => [c.action, c.reasons, c.configMaps]);
const found = (p: ReturnType<typeof plan>) => p.findings.map((f) => `${f.code}: ${f.message}`);

describe('restart decisions at their edges', () => {
  it('blocks a removed Secret an env var requires, and a removed Secret key', () => {
    const envFrom = '        envFrom: [{secretRef: {name: creds}}]';
    const gone = withSecrets(secret({ a: '1' }) + reader(envFrom), reader(envFrom));
    expect(found(gone)).toEqual([
      'missing-secret: Deployment/default/api requires Secret creds, which this change removes: new pods would not start. Needed by container `app` envFrom. Keep it, or mark the source `optional: true`.',
    ]);
    const key = '        env: [{name: A, valueFrom: {secretKeyRef: {name: creds, key: a}}}]';
    const keyGone = withSecrets(secret({ a: '1', b: '1' }) + reader(key), secret({ b: '1' }) + reader(key));
    expect(decided(keyGone)).toEqual([
      [
        'blocked',
        [
          'Container `app` requires key `a` of Secret creds (secretKeyRef, not optional), which this change removes: new pods would not start.',
        ],
        ['Secret/default/creds'],
      ],
    ]);
  });

  it('names an ephemeral container', () => {
    const pod = '      ephemeralContainers: [{name: debug, envFrom: [{configMapRef: {name: a}}]}]\n';
    const p = plan(cm('a', { k: '1' }) + reader('', pod), cm('a', { k: '2' }) + reader('', pod));
    expect(decided(p)).toEqual([
      [
        'restart',
        [
          'Ephemeral container `debug` loads a (changed `k`) through envFrom: env vars are fixed when a container starts.',
        ],
        ['default/a'],
      ],
    ]);
  });

  it('restarts when one reader needs new pods and another only a sync; lists the ConfigMaps sorted', () => {
    const container = `        envFrom: [{configMapRef: {name: z}}]\n        volumeMounts: [${mount('a')}]`;
    const pod = '      volumes: [{name: a, configMap: {name: a}}]\n';
    const p = plan(
      cm('z', { k: '1' }) + cm('a', { k: '1' }) + reader(container, pod),
      cm('z', { k: '2' }) + cm('a', { k: '2' }) + reader(container, pod),
      'hot-reload',
    );
    expect(decided(p)).toEqual([
      [
        'restart',
        [
          'Container `app` loads z (changed `k`) through envFrom: env vars are fixed when a container starts.',
          'Container `app` mounts a (changed `k`) as a volume and hot-reloads it.',
        ],
        ['default/a', 'default/z'],
      ],
    ]);
    // Reloader needs to name only the ConfigMap that needs new pods.
    const annotated = (names: string) =>
      reader(container, pod).replace(
        'metadata:\n  name: api',
        `metadata:\n  name: api\n  annotations: {configmap.reloader.stakater.com/reload: "${names}"}`,
      );
    const reloaded = plan(
      cm('z', { k: '1' }) + cm('a', { k: '1' }) + annotated('z'),
      cm('z', { k: '2' }) + cm('a', { k: '2' }) + annotated('z'),
      'hot-reload',
    );
    expect(reloaded.consumers.map((c) => c.action)).toEqual(['none']);
  });

  it('says so when a subPath mount reaches none of the changed keys', () => {
    const container = '        volumeMounts: [{name: a, mountPath: /x, subPath: dir/x}]';
    const pod = '      volumes: [{name: a, configMap: {name: a}}]\n';
    const p = plan(
      cm('a', { k: '1' }) + reader(container, pod),
      cm('a', { k: '2' }) + reader(container, pod),
    );
    expect(decided(p)).toEqual([
      ['none', ['Reads only keys that did not change (none of the changed keys).'], ['default/a']],
    ]);
  });

  it('names five keys without counting more', () => {
    const keys = (v: string) => Object.fromEntries([...'abcde'].map((k) => [k, v]));
    const envFrom = '        envFrom: [{configMapRef: {name: a}}]';
    const p = plan(cm('a', keys('1')) + reader(envFrom), cm('a', keys('2')) + reader(envFrom));
    expect(p.consumers[0]!.reasons[0]).toBe(
      'Container `app` loads a (changed `a`, `b`, `c`, `d`, `e`) through envFrom: env vars are fixed when a container starts.',
    );
  });

  it('checks the whole env var name an envFrom prefix makes', () => {
    const envFrom = '        envFrom: [{configMapRef: {name: a}, prefix: "MY APP_"}]';
    const p = plan(cm('a', { k: '1' }) + reader(envFrom), cm('a', { k: '2', l: '1' }) + reader(envFrom));
    expect(found(p)).toEqual([
      'invalid-env-name: Deployment/default/api: envFrom a (prefix `MY APP_`) skips `MY APP_k`, `MY APP_l`: not valid env var names, so Kubernetes leaves them out silently.',
    ]);
  });

  it('reads an unquoted boolean hot-reload annotation', () => {
    const container = `        volumeMounts: [${mount('a')}]`;
    const pod = '      volumes: [{name: a, configMap: {name: a}}]\n';
    const w = deployment(
      'api',
      container,
      pod,
      '',
      '      annotations: {config-rollout.io/hot-reload: true}\n',
    );
    expect(plan(cm('a', { k: '1' }) + w, cm('a', { k: '2' }) + w).consumers.map((c) => c.action)).toEqual([
      'wait-for-sync',
    ]);
  });

  it('sees a container added to the pod template as a pod spec change', () => {
    const envFrom = '        envFrom: [{configMapRef: {name: a}}]';
    const sidecar = `${envFrom}\n      - name: extra\n        image: example/extra:1`;
    const p = plan(cm('a', { k: '1' }) + reader(envFrom), cm('a', { k: '2' }) + reader(sidecar));
    expect(p.consumers[0]!.reasons.at(-1)).toBe(
      'Its pod template changes in this change (pod spec), so applying it rolls new pods.',
    );
  });
});
