// A synthetic estate of manifests with the shapes real ones have, for the benchmarks: namespaces of ~40
// workloads of every kind (Deployment, StatefulSet, DaemonSet, CronJob, Job, Pod) and ~20 ConfigMaps, one object
// per file, every way a pod can read a ConfigMap (envFrom with and without prefix, configMapKeyRef optional and
// not, volumes with and without items, projected volumes, subPath, init containers, sidecars), Helm-style
// checksum annotations and hot-reload annotations. Base and head differ in `changed` ConfigMaps spread over
// up to 10 namespaces. Deterministic: the same options give the same bytes.
//
//   node bench/generate-estate.mjs --workloads 2000 --out /tmp/estate   (writes base/ and head/)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import yaml from 'js-yaml';

export const workloadsPerNamespace = 40;
export const configMapsPerNamespace = 20;
/** At most this many namespaces hold the changed ConfigMaps (a typical PR touches a few teams). */
const touchedNamespacesMax = 10;

// 40 workloads per namespace in the proportions of a typical cluster: mostly Deployments.
const kindCycle = [
  ...Array(20).fill('Deployment'),
  ...Array(6).fill('StatefulSet'),
  ...Array(2).fill('DaemonSet'),
  ...Array(5).fill('CronJob'),
  ...Array(3).fill('Job'),
  ...Array(4).fill('Pod'),
];

const appNames = [
  'api',
  'web',
  'worker',
  'billing',
  'search',
  'checkout',
  'catalog',
  'auth',
  'notifier',
  'reports',
  'gateway',
  'inventory',
  'pricing',
  'ledger',
  'mailer',
  'scheduler',
  'indexer',
  'exporter',
  'profile',
];

/** Small deterministic PRNG (mulberry32): realistic variety without making runs differ. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n, width = 2) => String(n).padStart(width, '0');

/** An application config file of 30-70 lines, as apps mount them (Spring/Micronaut style YAML). */
function appConfigFile(rand, app) {
  const lines = ['server:', `  port: 8080`, `  shutdown: graceful`, 'logging:', '  level:', '    root: INFO'];
  const sections = 3 + Math.floor(rand() * 5);
  for (let s = 0; s < sections; s++) {
    lines.push(`${app}-module-${s}:`, `  enabled: ${rand() > 0.3}`);
    const entries = 4 + Math.floor(rand() * 6);
    for (let e = 0; e < entries; e++) lines.push(`  setting-${e}: "${Math.floor(rand() * 100000)}"`);
  }
  return `${lines.join('\n')}\n`;
}

function configMapData(rand, app, namespace, index) {
  const data = {
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    DB_HOST: `${app}-db.${namespace}.svc.cluster.local`,
    DB_POOL_SIZE: String(5 + Math.floor(rand() * 30)),
    HTTP_PORT: '8080',
    CACHE_TTL_SECONDS: String(60 * (1 + Math.floor(rand() * 10))),
    UPSTREAM_URL: `http://${appNames[(index + 3) % appNames.length]}.${namespace}.svc:8080`,
  };
  const extra = Math.floor(rand() * 6);
  for (let i = 0; i < extra; i++) data[`FEATURE_${app.toUpperCase()}_${i}`] = rand() > 0.5 ? 'on' : 'off';
  data['application.yaml'] = appConfigFile(rand, app);
  if (rand() < 0.3) {
    data['logback.xml'] =
      '<configuration>\n  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">\n' +
      '    <encoder><pattern>%d %-5level %logger - %msg%n</pattern></encoder>\n  </appender>\n' +
      '  <root level="INFO"><appender-ref ref="STDOUT"/></root>\n</configuration>\n';
  }
  return data;
}

function platformEnv(namespace) {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability.svc:4317',
    OTEL_RESOURCE_ATTRIBUTES: `deployment.environment=production,k8s.namespace.name=${namespace}`,
    REGION: 'eu-west-1',
    CLUSTER_NAME: 'prod-eu-1',
    TZ: 'UTC',
  };
}

function configMap(namespace, name, data, labels) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data };
}

function container(name, image, extra = {}) {
  return {
    name,
    image,
    ports: [{ name: 'http', containerPort: 8080 }],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
    livenessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 10 },
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false },
    ...extra,
  };
}

/**
 * Pod specs reading ConfigMap `config` of app `app`, one per way of reading it; `index` picks the way, so
 * every namespace of 10+ workloads has them all.
 */
const referenceShapes = [
  // envFrom, no prefix
  (app, config, image) => ({
    containers: [container(app, image, { envFrom: [{ configMapRef: { name: config } }] })],
  }),
  // envFrom with a prefix
  (app, config, image) => ({
    containers: [container(app, image, { envFrom: [{ prefix: 'APP_', configMapRef: { name: config } }] })],
  }),
  // env configMapKeyRef: required keys and an optional one that may not exist
  (app, config, image) => ({
    containers: [
      container(app, image, {
        env: [
          { name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: config, key: 'LOG_LEVEL' } } },
          { name: 'DB_HOST', valueFrom: { configMapKeyRef: { name: config, key: 'DB_HOST' } } },
          {
            name: 'EXTRA_OPTS',
            valueFrom: { configMapKeyRef: { name: config, key: 'EXTRA_OPTS', optional: true } },
          },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        ],
      }),
    ],
  }),
  // a volume with every key as a file
  (app, config, image) => ({
    containers: [container(app, image, { volumeMounts: [{ name: 'config', mountPath: '/etc/app' }] })],
    volumes: [{ name: 'config', configMap: { name: config } }],
  }),
  // a volume with items
  (app, config, image) => ({
    containers: [
      container(app, image, { volumeMounts: [{ name: 'config', mountPath: '/etc/app', readOnly: true }] }),
    ],
    volumes: [
      {
        name: 'config',
        configMap: { name: config, items: [{ key: 'application.yaml', path: 'config.yaml' }] },
      },
    ],
  }),
  // a projected volume (config + downward API + token)
  (app, config, image) => ({
    containers: [container(app, image, { volumeMounts: [{ name: 'bundle', mountPath: '/etc/bundle' }] })],
    volumes: [
      {
        name: 'bundle',
        projected: {
          sources: [
            {
              configMap: { name: config, items: [{ key: 'application.yaml', path: 'app/application.yaml' }] },
            },
            { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
            { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } },
          ],
        },
      },
    ],
  }),
  // one file mounted with subPath
  (app, config, image) => ({
    containers: [
      container(app, image, {
        volumeMounts: [{ name: 'config', mountPath: '/app/application.yaml', subPath: 'application.yaml' }],
      }),
    ],
    volumes: [{ name: 'config', configMap: { name: config } }],
  }),
  // an init container reading env, the main container a volume
  (app, config, image) => ({
    initContainers: [
      {
        name: 'migrate',
        image,
        command: ['/app/migrate'],
        envFrom: [{ configMapRef: { name: config } }],
      },
    ],
    containers: [container(app, image, { volumeMounts: [{ name: 'config', mountPath: '/etc/app' }] })],
    volumes: [{ name: 'config', configMap: { name: config, optional: true } }],
  }),
  // a native sidecar (restartable init container) mounting the config; the app reads env
  (app, config, image) => ({
    initContainers: [
      {
        name: 'config-agent',
        image: 'registry.example.com/platform/config-agent:2.3.0',
        restartPolicy: 'Always',
        volumeMounts: [{ name: 'config', mountPath: '/etc/agent' }],
      },
    ],
    containers: [
      container(app, image, {
        env: [
          { name: 'CACHE_TTL', valueFrom: { configMapKeyRef: { name: config, key: 'CACHE_TTL_SECONDS' } } },
        ],
      }),
    ],
    volumes: [{ name: 'config', configMap: { name: config } }],
  }),
  // a classic sidecar container next to the app, both reading the config
  (app, config, image) => ({
    containers: [
      container(app, image, { envFrom: [{ configMapRef: { name: config, optional: true } }] }),
      {
        name: 'log-shipper',
        image: 'registry.example.com/platform/log-shipper:1.9.1',
        volumeMounts: [{ name: 'config', mountPath: '/etc/shipper/logback.xml', subPath: 'logback.xml' }],
      },
    ],
    volumes: [{ name: 'config', configMap: { name: config, optional: true } }],
  }),
];

/**
 * The workload kinds' wrappers around a pod template. `live` keeps the local control plane's work sane: pods
 * only where the change is (Deployments and StatefulSets of 1 replica in touched namespaces, plus the bare
 * Pods), Deployments elsewhere paused (the controller makes no ReplicaSet for them), Jobs and CronJobs
 * suspended, DaemonSets on no node. Objects keep their size, so listing them costs what it would.
 */
function workload(kind, namespace, name, template, { live, touched }) {
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': namespace };
  const metadata = { name, namespace, labels };
  const podTemplate = {
    metadata: { labels: { ...labels, ...template.labels }, ...template.meta },
    spec: template.spec,
  };
  const selector = { matchLabels: { 'app.kubernetes.io/name': name } };
  switch (kind) {
    case 'Deployment':
      return {
        apiVersion: 'apps/v1',
        kind,
        metadata,
        spec: {
          replicas: live ? 1 : 3,
          ...(live && !touched ? { paused: true } : {}),
          revisionHistoryLimit: 5,
          selector,
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
          template: podTemplate,
        },
      };
    case 'StatefulSet':
      return {
        apiVersion: 'apps/v1',
        kind,
        metadata,
        spec: {
          replicas: live ? (touched ? 1 : 0) : 3,
          serviceName: name,
          selector,
          ...(template.onDelete ? { updateStrategy: { type: 'OnDelete' } } : {}),
          template: podTemplate,
        },
      };
    case 'DaemonSet':
      // Live: a node selector no node matches, so a DaemonSet exists without a pod on every fake node.
      if (live)
        podTemplate.spec = { ...podTemplate.spec, nodeSelector: { 'bench.config-rollout.io/none': 'true' } };
      return { apiVersion: 'apps/v1', kind, metadata, spec: { selector, template: podTemplate } };
    case 'CronJob':
      return {
        apiVersion: 'batch/v1',
        kind,
        metadata,
        spec: {
          schedule: '17 3 * * *',
          suspend: live,
          concurrencyPolicy: 'Forbid',
          jobTemplate: {
            spec: {
              backoffLimit: 2,
              template: { ...podTemplate, spec: { ...podTemplate.spec, restartPolicy: 'OnFailure' } },
            },
          },
        },
      };
    case 'Job':
      return {
        apiVersion: 'batch/v1',
        kind,
        metadata,
        spec: {
          suspend: live,
          backoffLimit: 1,
          template: { ...podTemplate, spec: { ...podTemplate.spec, restartPolicy: 'Never' } },
        },
      };
    case 'Pod':
      return {
        apiVersion: 'v1',
        kind,
        metadata: { ...metadata, labels: podTemplate.metadata.labels },
        spec: template.spec,
      };
    default:
      throw new Error(`unknown kind ${kind}`);
  }
}

const dump = (object) => yaml.dump(object, { lineWidth: 120, noRefs: true, quotingType: "'" });

/** Which key of a ConfigMap a change edits, by change number: values, a file line, an added and a removed key. */
function changeData(data, n) {
  const next = { ...data };
  switch (n % 4) {
    case 0:
      next.LOG_LEVEL = 'debug';
      break;
    case 1:
      next['application.yaml'] = data['application.yaml'].replace('root: INFO', 'root: WARN');
      break;
    case 2:
      next.RATE_LIMIT_PER_SECOND = '250';
      break;
    default:
      // Read by envFrom/volumes only, never by a required configMapKeyRef: a restart, not a blocker.
      delete next.HTTP_PORT;
  }
  return next;
}

/**
 * The estate as files: `files` maps a path relative to base/ and head/ to its text on each side (the same
 * text when unchanged). `changedFiles` lists the paths whose ConfigMap changes.
 */
export function generateEstate({
  workloads,
  namespacePrefix = 'team',
  changed = 20,
  live = false,
  seed = 42,
}) {
  const rand = random(seed);
  const namespaceCount = Math.max(1, Math.ceil(workloads / workloadsPerNamespace));
  const namespaces = Array.from({ length: namespaceCount }, (_, i) => `${namespacePrefix}-${pad(i)}`);
  const touchedCount = Math.min(touchedNamespacesMax, namespaceCount);
  // Spread the touched namespaces over the estate, not the first few.
  const touched = Array.from({ length: touchedCount }, (_, i) =>
    Math.floor((i * namespaceCount) / touchedCount),
  );
  const files = new Map();
  const changedFiles = [];
  const counts = { namespaces: namespaceCount, configMaps: 0, workloads: 0, byKind: {} };
  let changesLeft = changed;
  let changeCounter = 0;

  for (const [n, namespace] of namespaces.entries()) {
    const inThisNamespace = Math.min(workloadsPerNamespace, workloads - n * workloadsPerNamespace);
    const changesHere = touched.includes(n)
      ? Math.ceil(changesLeft / (touched.length - touched.indexOf(n)))
      : 0;
    changesLeft -= changesHere;
    // ConfigMaps: one shared environment (index 0) and one per app.
    const configMapNames = ['platform-env'];
    const configMapsHere = Math.max(
      2,
      Math.round((inThisNamespace * configMapsPerNamespace) / workloadsPerNamespace),
    );
    for (let c = 1; c < configMapsHere; c++)
      configMapNames.push(`${appNames[(c - 1) % appNames.length]}-config`);
    // The changes of a touched namespace: the shared environment in the first one, then app configs.
    const sharedChanged = n === touched[0] && changesHere > 0;
    const appChanges = changesHere - (sharedChanged ? 1 : 0);
    // Different apps' configs in each namespace: the j-th change of namespace n is app n + 7j (mod apps).
    const apps = configMapNames.length - 1;
    const changedApps = new Set();
    for (let j = 0; changedApps.size < Math.min(appChanges, apps); j++) {
      let app = (n + 7 * j) % apps;
      while (changedApps.has(app)) app = (app + 1) % apps;
      changedApps.add(app);
    }
    for (const [c, name] of configMapNames.entries()) {
      const app = name.replace(/-config$/, '');
      const labels = {
        'app.kubernetes.io/part-of': namespace,
        ...(c > 0 ? { 'app.kubernetes.io/name': app } : {}),
      };
      const data = c === 0 ? platformEnv(namespace) : configMapData(rand, app, namespace, c);
      const isChanged = c === 0 ? sharedChanged : changedApps.has(c - 1);
      const path = `${namespace}/config/${name}.yaml`;
      const base = dump(configMap(namespace, name, data, labels));
      const changedData = c === 0 ? { ...data, REGION: 'eu-central-1' } : changeData(data, changeCounter);
      if (isChanged && c > 0) changeCounter++;
      const head = isChanged ? dump(configMap(namespace, name, changedData, labels)) : base;
      files.set(path, { base, head });
      if (isChanged) changedFiles.push(path);
      counts.configMaps++;
    }
    for (let w = 0; w < inThisNamespace; w++) {
      const kind = kindCycle[w % kindCycle.length];
      const appIndex = 1 + (w % (configMapNames.length - 1));
      const config = configMapNames[appIndex];
      const app = config.replace(/-config$/, '');
      const role = ['', '-worker', '-cron', '-canary', '-batch', '-debug'][
        Math.floor(w / appNames.length) % 6
      ];
      const name = `${app}${role}-${kind.toLowerCase()}-${pad(w)}`;
      const image = `registry.example.com/${namespace}/${app}:1.${Math.floor(rand() * 30)}.${Math.floor(rand() * 10)}`;
      const spec = referenceShapes[(w + n) % referenceShapes.length](app, config, image);
      // A third of the workloads also read the namespace's shared environment.
      if (w % 3 === 0)
        spec.containers[0].envFrom = [
          ...(spec.containers[0].envFrom ?? []),
          { configMapRef: { name: 'platform-env' } },
        ];
      spec.serviceAccountName = 'default';
      spec.terminationGracePeriodSeconds = 30;
      const meta = {};
      // Helm-style checksum on some Deployments, hot-reload on some volume readers.
      if (kind === 'Deployment' && w % 7 === 0) meta.annotations = { 'checksum/config': `sha256-${w}-${n}` };
      if (spec.volumes && w % 5 === 0)
        meta.annotations = { ...meta.annotations, 'config-rollout.io/hot-reload': 'true' };
      const object = workload(
        kind,
        namespace,
        name,
        { spec, meta, labels: {}, onDelete: w % 11 === 0 },
        { live, touched: touched.includes(n) },
      );
      const text = dump(object);
      files.set(`${namespace}/workloads/${name}.yaml`, { base: text, head: text });
      counts.workloads++;
      counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
    }
  }
  return { files, changedFiles, namespaces, touchedNamespaces: touched.map((i) => namespaces[i]), counts };
}

/** Write the estate as `dir/base/...` and `dir/head/...`; returns those two paths. */
export function writeEstate(dir, estate) {
  const base = join(dir, 'base');
  const head = join(dir, 'head');
  for (const [path, text] of estate.files) {
    for (const [root, content] of [
      [base, text.base],
      [head, text.head],
    ]) {
      const full = join(root, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
  }
  return { base, head };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      workloads: { type: 'string', default: '2000' },
      out: { type: 'string' },
      changed: { type: 'string', default: '20' },
      live: { type: 'boolean', default: false },
      'namespace-prefix': { type: 'string', default: 'team' },
    },
  });
  if (!values.out) {
    process.stderr.write(
      'usage: node bench/generate-estate.mjs --workloads N --out DIR [--changed N] [--live]\n',
    );
    process.exit(2);
  }
  const estate = generateEstate({
    workloads: Number(values.workloads),
    changed: Number(values.changed),
    live: values.live,
    namespacePrefix: values['namespace-prefix'],
  });
  writeEstate(values.out, estate);
  process.stdout.write(
    `${JSON.stringify({ ...estate.counts, files: estate.files.size, changedFiles: estate.changedFiles }, null, 2)}\n`,
  );
}
