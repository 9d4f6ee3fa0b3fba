// Every restart decision carries its reasons, in the words a reviewer reads: each case here pins the action, the
// reasons and the findings exactly, so a changed rule or a changed word shows up as a failing test.
import { describe, expect, it } from 'vitest';
import { configMap, deployment, plan } from './helpers.js';

const cm = (data: Record<string, string>) => configMap('app-config', data);
const envFrom = '        envFrom: [{configMapRef: {name: app-config}}]';
const env = (key: string) =>
  `        env:\n        - name: V\n          valueFrom: {configMapKeyRef: {name: app-config, key: ${key}}}`;
const mount = '        volumeMounts: [{name: cfg, mountPath: /etc/cfg}]';
const volume = (source: string) => `      volumes: [{name: cfg, ${source}}]\n`;
const annotated = (annotations: string, container = envFrom) =>
  deployment('api', container).replace(
    'metadata:\n  name: api',
    `metadata:\n  name: api\n  annotations: {${annotations}}`,
  );
const workload = (kind: string, apiVersion: string, spec: string) =>
  `---\napiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: api}\nspec:\n${spec}`;
const template = (indent: string) =>
  `${indent}template:\n${indent}  spec:\n${indent}    containers: [{name: app, envFrom: [{configMapRef: {name: app-config}}]}]\n`;

const loads = (what = 'changed `a`') =>
  `Container \`app\` loads app-config (${what}) through envFrom: env vars are fixed when a container starts.`;
const reload = 'config-rollout.io/hot-reload: "true"';

/** [name, base YAML, head YAML, volume-mount policy, action, reasons, findings as `code: message`] */
const cases: [string, string, string, 'restart' | 'hot-reload', string, string[], string[]][] = [
  [
    'more than five keys: five named',
    cm(Object.fromEntries([...'abcdefgh'].map((k) => [k, '1']))) + deployment('api', envFrom),
    cm(Object.fromEntries([...'abcdefgh'].map((k) => [k, '2']))) + deployment('api', envFrom),
    'restart',
    'restart',
    [loads('changed `a`, `b`, `c`, `d`, `e` and 3 more')],
    [],
  ],
  [
    'a Job',
    cm({ a: '1' }) + workload('Job', 'batch/v1', template('  ')),
    cm({ a: '2' }) + workload('Job', 'batch/v1', template('  ')),
    'restart',
    'recreate',
    [loads(), "A Job's pod template is immutable: delete and create it again to run with the new values."],
    [],
  ],
  [
    'a bare Pod',
    cm({ a: '1' }) +
      workload('Pod', 'v1', '  containers: [{name: app, envFrom: [{configMapRef: {name: app-config}}]}]\n'),
    cm({ a: '2' }) +
      workload('Pod', 'v1', '  containers: [{name: app, envFrom: [{configMapRef: {name: app-config}}]}]\n'),
    'restart',
    'recreate',
    [loads(), 'A bare Pod is never replaced by a controller: delete and create it again.'],
    [],
  ],
  [
    'a ReplicaSet',
    cm({ a: '1' }) + workload('ReplicaSet', 'apps/v1', template('  ')),
    cm({ a: '2' }) + workload('ReplicaSet', 'apps/v1', template('  ')),
    'restart',
    'delete-pods',
    [loads(), 'A ReplicaSet replaces a pod only when it is deleted: delete its pods one by one.'],
    [],
  ],
  [
    'a StatefulSet with OnDelete',
    cm({ a: '1' }) +
      workload('StatefulSet', 'apps/v1', `  updateStrategy: {type: OnDelete}\n${template('  ')}`),
    cm({ a: '2' }) +
      workload('StatefulSet', 'apps/v1', `  updateStrategy: {type: OnDelete}\n${template('  ')}`),
    'restart',
    'delete-pods',
    [
      loads(),
      'updateStrategy is OnDelete: a template change replaces no pod until it is deleted; delete its pods one by one.',
    ],
    [],
  ],
  [
    'a CronJob',
    cm({ a: '1' }) + workload('CronJob', 'batch/v1', `  jobTemplate:\n    spec:\n${template('      ')}`),
    cm({ a: '2' }) + workload('CronJob', 'batch/v1', `  jobTemplate:\n    spec:\n${template('      ')}`),
    'restart',
    'next-run',
    [
      loads(),
      'CronJob: the next scheduled Job reads the new values; Jobs already running keep the old ones.',
    ],
    [],
  ],
  [
    'a suspended CronJob',
    cm({ a: '1' }) +
      workload('CronJob', 'batch/v1', `  suspend: true\n  jobTemplate:\n    spec:\n${template('      ')}`),
    cm({ a: '2' }) +
      workload('CronJob', 'batch/v1', `  suspend: true\n  jobTemplate:\n    spec:\n${template('      ')}`),
    'restart',
    'next-run',
    [
      loads(),
      'CronJob is suspended: its next run, once resumed, reads the new values; nothing is started now.',
    ],
    [],
  ],
  [
    'a removed ConfigMap read through env',
    cm({ a: '1' }) + deployment('api', envFrom),
    deployment('api', envFrom),
    'restart',
    'blocked',
    [
      'Container `app` requires ConfigMap app-config, which this change removes: new pods would not start (CreateContainerConfigError).',
    ],
    [
      'missing-configmap: Deployment/default/api requires ConfigMap app-config, which this change removes: new pods would not start. Needed by container `app` envFrom. Keep it, or mark the source `optional: true`.',
    ],
  ],
  [
    'a removed ConfigMap mounted as a volume',
    cm({ a: '1' }) + deployment('api', mount, volume('configMap: {name: app-config}')),
    deployment('api', mount, volume('configMap: {name: app-config}')),
    'restart',
    'blocked',
    [
      'Container `app` requires ConfigMap app-config, which this change removes: new pods would not start (stuck in ContainerCreating).',
    ],
    [
      'missing-configmap: Deployment/default/api requires ConfigMap app-config, which this change removes: new pods would not start. Needed by container `app` volume `cfg` at `/etc/cfg`. Keep it, or mark the source `optional: true`.',
    ],
  ],
  [
    'a removed key an env var requires',
    cm({ a: '1', b: '1' }) + deployment('api', env('b')),
    cm({ a: '1' }) + deployment('api', env('b')),
    'restart',
    'blocked',
    [
      'Container `app` requires key `b` of app-config (configMapKeyRef, not optional), which this change removes: new pods would not start.',
    ],
    [
      'missing-key: app-config no longer has key `b`, which Deployment/default/api requires: new pods would not start. Needed by container `app` env `V` (key `b`). Keep the key, or mark the references `optional: true`.',
    ],
  ],
  [
    'a removed key a volume lists in items',
    cm({ a: '1', b: '1' }) +
      deployment('api', mount, volume('configMap: {name: app-config, items: [{key: b, path: b}]}')),
    cm({ a: '1' }) +
      deployment('api', mount, volume('configMap: {name: app-config, items: [{key: b, path: b}]}')),
    'restart',
    'blocked',
    [
      'Container `app` requires key `b` of app-config (volume `items`, not optional), which this change removes: new pods would not start.',
    ],
    [
      'missing-key: app-config no longer has key `b`, which Deployment/default/api requires: new pods would not start. Needed by container `app` volume `cfg` at `/etc/cfg`. Keep the key, or mark the source `optional: true`.',
    ],
  ],
  [
    'a projected volume under the hot-reload setting',
    cm({ a: '1' }) +
      deployment('api', mount, volume('projected: {sources: [{configMap: {name: app-config}}]}')),
    cm({ a: '2' }) +
      deployment('api', mount, volume('projected: {sources: [{configMap: {name: app-config}}]}')),
    'hot-reload',
    'wait-for-sync',
    [
      'Container `app` mounts app-config (changed `a`) as a projected volume and hot-reloads it.',
      'The kubelet refreshes mounted files in place (about 60–90 s); no restart.',
    ],
    [],
  ],
  [
    'a projected volume without hot reload',
    cm({ a: '1' }) +
      deployment('api', mount, volume('projected: {sources: [{configMap: {name: app-config}}]}')),
    cm({ a: '2' }) +
      deployment('api', mount, volume('projected: {sources: [{configMap: {name: app-config}}]}')),
    'restart',
    'restart',
    [
      `Container \`app\` mounts app-config (changed \`a\`) as a projected volume: the files refresh in place, but the workload does not declare hot reload (\`${reload}\`), so it needs a restart to read them.`,
    ],
    [],
  ],
  [
    'a volume hot-reloaded by annotation on the workload',
    cm({ a: '1' }) +
      annotated(reload, mount).replace(
        '      containers:',
        `${volume('configMap: {name: app-config}')}      containers:`,
      ),
    cm({ a: '2' }) +
      annotated(reload, mount).replace(
        '      containers:',
        `${volume('configMap: {name: app-config}')}      containers:`,
      ),
    'restart',
    'wait-for-sync',
    [
      'Container `app` mounts app-config (changed `a`) as a volume and hot-reloads it.',
      'The kubelet refreshes mounted files in place (about 60–90 s); no restart.',
    ],
    [],
  ],
  [
    'a volume no container mounts',
    cm({ a: '1' }) + deployment('api', '', volume('configMap: {name: app-config}')),
    cm({ a: '2' }) + deployment('api', '', volume('configMap: {name: app-config}')),
    'restart',
    'none',
    ['Volume of app-config (changed `a`) is mounted by no container.'],
    [],
  ],
  [
    'a sidecar',
    cm({ a: '1' }) +
      deployment(
        'api',
        '',
        '      initContainers:\n      - {name: side, restartPolicy: Always, envFrom: [{configMapRef: {name: app-config}}]}\n',
      ),
    cm({ a: '2' }) +
      deployment(
        'api',
        '',
        '      initContainers:\n      - {name: side, restartPolicy: Always, envFrom: [{configMapRef: {name: app-config}}]}\n',
      ),
    'restart',
    'restart',
    [
      'Sidecar `side` loads app-config (changed `a`) through envFrom: env vars are fixed when a container starts.',
    ],
    [],
  ],
  [
    'an init container that runs once, under the hot-reload setting',
    cm({ a: '1' }) +
      deployment(
        'api',
        '',
        `      initContainers:\n      - {name: init, volumeMounts: [{name: cfg, mountPath: /c}]}\n${volume('configMap: {name: app-config}')}`,
      ),
    cm({ a: '2' }) +
      deployment(
        'api',
        '',
        `      initContainers:\n      - {name: init, volumeMounts: [{name: cfg, mountPath: /c}]}\n${volume('configMap: {name: app-config}')}`,
      ),
    'hot-reload',
    'restart',
    [
      'Init container `init` mounts app-config (changed `a`), but an init container runs only when a pod starts.',
    ],
    [],
  ],
  [
    'a subPath mount',
    cm({ a: '1' }) +
      deployment(
        'api',
        '        volumeMounts: [{name: cfg, mountPath: /etc/a, subPath: a}]',
        volume('configMap: {name: app-config}'),
      ),
    cm({ a: '2' }) +
      deployment(
        'api',
        '        volumeMounts: [{name: cfg, mountPath: /etc/a, subPath: a}]',
        volume('configMap: {name: app-config}'),
      ),
    'hot-reload',
    'restart',
    ['Container `app` mounts app-config (changed `a`) with subPath, which never receives updates.'],
    [],
  ],
  [
    'only labels of the pod template change too',
    cm({ a: '1' }) + deployment('api', envFrom).replace('labels: {app: api}', 'labels: {app: api, v: "1"}'),
    cm({ a: '2' }) + deployment('api', envFrom).replace('labels: {app: api}', 'labels: {app: api, v: "2"}'),
    'restart',
    'none',
    [loads(), 'Its pod template changes in this change (labels), so applying it rolls new pods.'],
    [],
  ],
  [
    'an annotation and the pod spec change too',
    cm({ a: '1' }) +
      deployment('api', envFrom, '', '', '      annotations: {a: "1", b: "1"}\n').replace('app:1', 'app:2'),
    cm({ a: '2' }) +
      deployment('api', envFrom, '', '', '      annotations: {a: "2", b: "1"}\n').replace('app:1', 'app:3'),
    'restart',
    'none',
    [
      loads(),
      'Its pod template changes in this change (annotation `a` and pod spec), so applying it rolls new pods.',
    ],
    [],
  ],
  [
    'an annotation is added',
    cm({ a: '1' }) + deployment('api', envFrom),
    cm({ a: '2' }) + deployment('api', envFrom, '', '', '      annotations: {z: "1"}\n'),
    'restart',
    'none',
    [loads(), 'Its pod template changes in this change (annotation `z`), so applying it rolls new pods.'],
    [],
  ],
  [
    'stale checksums',
    cm({ a: '1' }) +
      deployment(
        'api',
        envFrom,
        '',
        '',
        '      annotations: {checksum/dashboards: "1", checksum/app: "1", checksum/config: "1", other: "x"}\n',
      ),
    cm({ a: '2' }) +
      deployment(
        'api',
        envFrom,
        '',
        '',
        '      annotations: {checksum/dashboards: "1", checksum/app: "1", checksum/config: "1", other: "x"}\n',
      ),
    'restart',
    'restart',
    [
      loads(),
      '`checksum/app`, `checksum/config` did not change with the ConfigMap: the checksum is stale, so it will not roll by itself.',
    ],
    [
      'stale-checksum: Deployment/default/api: `checksum/app`, `checksum/config` did not change although default/app-config did; update the checksum, or let config-rollout restart it.',
    ],
  ],
  [
    'a paused Deployment',
    cm({ a: '1' }) + deployment('api', envFrom, '', '  paused: true\n'),
    cm({ a: '2' }) + deployment('api', envFrom, '', '  paused: true\n'),
    'restart',
    'restart',
    [loads(), 'The Deployment is paused: the new template is recorded but rolls only when it is resumed.'],
    [
      'paused-deployment: Deployment/default/api is paused: it needs a restart for the new config but rolls nothing until resumed (`kubectl rollout resume`).',
    ],
  ],
  [
    'Reloader auto',
    cm({ a: '1' }) + annotated('reloader.stakater.com/auto: "true"'),
    cm({ a: '2' }) + annotated('reloader.stakater.com/auto: "true"'),
    'restart',
    'none',
    [loads(), 'Reloader restarts it (`reloader.stakater.com/auto`): config-rollout leaves it to Reloader.'],
    [],
  ],
  [
    "Reloader's ConfigMap-only auto",
    cm({ a: '1' }) + annotated('configmap.reloader.stakater.com/auto: "true"'),
    cm({ a: '2' }) + annotated('configmap.reloader.stakater.com/auto: "true"'),
    'restart',
    'none',
    [
      loads(),
      'Reloader restarts it (`configmap.reloader.stakater.com/auto`): config-rollout leaves it to Reloader.',
    ],
    [],
  ],
  [
    'Wave',
    cm({ a: '1' }) + annotated('wave.pusher.com/update-on-config-change: "true"'),
    cm({ a: '2' }) + annotated('wave.pusher.com/update-on-config-change: "true"'),
    'restart',
    'none',
    [
      loads(),
      'Wave restarts it (`wave.pusher.com/update-on-config-change`): config-rollout leaves it to Wave.',
    ],
    [],
  ],
  [
    'Reloader auto turned off',
    cm({ a: '1' }) + annotated('reloader.stakater.com/auto: "false"'),
    cm({ a: '2' }) + annotated('reloader.stakater.com/auto: "false"'),
    'restart',
    'restart',
    [loads()],
    [],
  ],
  [
    'only keys that did not change',
    cm({ a: '1', b: '1' }) + deployment('api', env('a')),
    cm({ a: '1', b: '2' }) + deployment('api', env('a')),
    'restart',
    'none',
    ['Reads only keys that did not change (`a`).'],
    [],
  ],
  [
    'a ConfigMap the change adds',
    deployment('api', envFrom),
    cm({ a: '2' }) + deployment('api', envFrom),
    'restart',
    'restart',
    [loads('new ConfigMap')],
    [],
  ],
  [
    'a workload the change adds',
    cm({ a: '1' }),
    cm({ a: '2' }) + deployment('api', envFrom),
    'restart',
    'none',
    ['New in this change: its pods start with the new config.', loads()],
    [],
  ],
];

describe('restart decisions and their reasons', () => {
  it.each(cases)('%s', (_name, base, head, policy, action, reasons, findings) => {
    const p = plan(base, head, policy);
    expect(p.consumers.map((c) => ({ action: c.action, reasons: c.reasons }))).toEqual([{ action, reasons }]);
    expect(p.findings.map((f) => `${f.code}: ${f.message}`)).toEqual(findings);
  });
});
