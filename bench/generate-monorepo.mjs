// A synthetic monorepo of rendered sources, for the benchmarks: 10 shared kustomize bases (two Deployments and a
// configMapGenerator from an env file), 200 overlays (20 per base: 4 stages × 5 regions, each its own namespace,
// a configMapGenerator from an env file that the base's Deployments read, and a replicas patch), 5 Helm charts (a
// ConfigMap from values, a Deployment reading it through envFrom; one chart with a `checksum/config` annotation)
// and 50 releases of them (10 per chart, each with its own values file), and `config-rollout.yaml` naming all 250
// targets. Written as a git repository whose one commit is the base; a scenario then writes its head into the
// working tree, as a PR's checkout holds it:
//   overlay  one overlay's env file changes (LOG_LEVEL=info → debug): the change reaches that overlay alone
//   base     one shared base's env file changes: the change reaches the 20 overlays that include it
//   docs     the README changes: the change reaches no target (what deciding that costs, without rendering)
// Deterministic: the same options give the same bytes.
//
//   node bench/generate-monorepo.mjs --out DIR [--scenario overlay|base|docs]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import yaml from 'js-yaml';

const baseApps = [
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
];
const stages = ['dev', 'qa', 'staging', 'prod'];
const regions = ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south'];
/** 20 environments per base: every stage in every region. */
const environments = stages.flatMap((stage) => regions.map((region) => ({ stage, region })));
const chartNames = ['gateway', 'ledger', 'mailer', 'indexer', 'exporter'];

const dump = (object) => yaml.dump(object, { lineWidth: 120, noRefs: true, quotingType: "'" });
const envFile = (entries) =>
  `${Object.entries(entries)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;

function container(name, image, extra) {
  return {
    name,
    image,
    ports: [{ name: 'http', containerPort: 8080 }],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false },
    ...extra,
  };
}

function deployment(name, labels, podSpec) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: { metadata: { labels: { 'app.kubernetes.io/name': name, ...labels } }, spec: podSpec },
    },
  };
}

/**
 * A shared base: the app's Deployment (envFrom the base's generated `<app>-shared`, env from the overlay's
 * `<app>-env`) and its worker (single keys of both), and the base's generator from `shared.env`.
 */
function baseFiles(app, index) {
  const labels = { 'app.kubernetes.io/part-of': app };
  const image = `registry.example.com/${app}/${app}:1.${index}.0`;
  const server = deployment(app, labels, {
    containers: [
      container(app, image, {
        envFrom: [{ configMapRef: { name: `${app}-shared` } }, { configMapRef: { name: `${app}-env` } }],
      }),
    ],
  });
  const worker = deployment(`${app}-worker`, labels, {
    containers: [
      container(`${app}-worker`, image, {
        command: ['/app/worker'],
        env: [
          { name: 'QUEUE_URL', valueFrom: { configMapKeyRef: { name: `${app}-shared`, key: 'QUEUE_URL' } } },
          { name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: `${app}-env`, key: 'LOG_LEVEL' } } },
          {
            name: 'WORKER_THREADS',
            valueFrom: { configMapKeyRef: { name: `${app}-env`, key: 'WORKER_THREADS', optional: true } },
          },
        ],
      }),
    ],
  });
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    labels: [{ pairs: labels, includeSelectors: false }],
    resources: ['deployment.yaml', 'worker.yaml'],
    configMapGenerator: [{ name: `${app}-shared`, envs: ['shared.env'] }],
  };
  const shared = {
    LOG_FORMAT: 'json',
    HTTP_PORT: '8080',
    QUEUE_URL: `amqp://queue.${app}.svc:5672`,
    CACHE_TTL_SECONDS: String(60 * (1 + (index % 5))),
    DB_POOL_SIZE: String(10 + index),
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability.svc:4317',
  };
  const dir = `bases/${app}`;
  return {
    files: [
      [`${dir}/kustomization.yaml`, dump(kustomization)],
      [`${dir}/deployment.yaml`, dump(server)],
      [`${dir}/worker.yaml`, dump(worker)],
      [`${dir}/shared.env`, envFile(shared)],
    ],
    shared,
  };
}

/** An overlay of `app`'s base for one environment: namespace, `<app>-env` from `app.env`, a replicas patch. */
function overlayFiles(app, { stage, region }, index) {
  const dir = `overlays/${app}/${stage}-${region}`;
  const namespace = `${app}-${stage}-${region}`;
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace,
    resources: ['../../../bases/' + app],
    configMapGenerator: [{ name: `${app}-env`, envs: ['app.env'] }],
    patches: [{ path: 'replicas.yaml' }],
  };
  const patch = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app }, spec: { replicas: 0 } };
  patch.spec.replicas = stage === 'prod' ? 6 : stage === 'staging' ? 3 : 1;
  const env = {
    LOG_LEVEL: 'info',
    STAGE: stage,
    REGION: region,
    WORKER_THREADS: String(2 + (index % 6)),
    UPSTREAM_URL: `https://${stage}.${region}.example.com`,
    FEATURE_NEW_CHECKOUT: index % 3 === 0 ? 'on' : 'off',
  };
  return {
    dir,
    namespace,
    files: [
      [`${dir}/kustomization.yaml`, dump(kustomization)],
      [`${dir}/replicas.yaml`, dump(patch)],
      [`${dir}/app.env`, envFile(env)],
    ],
    env,
  };
}

/** A chart: a ConfigMap of `.Values.config`, a Deployment reading it with envFrom; `checksum` adds the annotation. */
function chartFiles(chart, checksum) {
  const dir = `charts/${chart}`;
  const chartYaml = {
    apiVersion: 'v2',
    name: chart,
    version: '1.4.0',
    appVersion: '2.1.0',
    type: 'application',
  };
  const values = {
    image: { repository: `registry.example.com/platform/${chart}`, tag: '2.1.0' },
    replicas: 2,
    config: { LOG_LEVEL: 'info', LOG_FORMAT: 'json', HTTP_PORT: '8080' },
  };
  const helpers = [
    '{{- define "chart.labels" -}}',
    'app.kubernetes.io/name: {{ .Chart.Name }}',
    'app.kubernetes.io/instance: {{ .Release.Name }}',
    'app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}',
    'helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}',
    '{{- end }}',
    '',
  ].join('\n');
  const configMap = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: {{ .Release.Name }}-config',
    '  labels:',
    '    {{- include "chart.labels" . | nindent 4 }}',
    'data:',
    '  {{- range $key, $value := .Values.config }}',
    '  {{ $key }}: {{ $value | quote }}',
    '  {{- end }}',
    '',
  ].join('\n');
  const deploymentYaml = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: {{ .Release.Name }}',
    '  labels:',
    '    {{- include "chart.labels" . | nindent 4 }}',
    'spec:',
    '  replicas: {{ .Values.replicas }}',
    '  selector:',
    '    matchLabels:',
    '      app.kubernetes.io/instance: {{ .Release.Name }}',
    '  template:',
    '    metadata:',
    '      labels:',
    '        {{- include "chart.labels" . | nindent 8 }}',
    ...(checksum
      ? [
          '      annotations:',
          '        checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}',
        ]
      : []),
    '    spec:',
    '      containers:',
    '        - name: {{ .Chart.Name }}',
    '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"',
    '          ports:',
    '            - name: http',
    '              containerPort: 8080',
    '          envFrom:',
    '            - configMapRef:',
    '                name: {{ .Release.Name }}-config',
    '',
  ].join('\n');
  return [
    [`${dir}/Chart.yaml`, dump(chartYaml)],
    [`${dir}/values.yaml`, dump(values)],
    [`${dir}/templates/_helpers.tpl`, helpers],
    [`${dir}/templates/configmap.yaml`, configMap],
    [`${dir}/templates/deployment.yaml`, deploymentYaml],
  ];
}

/** One release's values file. */
function releaseValues(chart, { stage, region }, index) {
  return dump({
    replicas: stage === 'prod' ? 4 : 1,
    config: {
      LOG_LEVEL: stage === 'prod' ? 'warn' : 'info',
      REGION: region,
      STAGE: stage,
      UPSTREAM_URL: `https://${chart}.${stage}.${region}.example.com`,
      RATE_LIMIT_PER_SECOND: String(100 * (1 + (index % 5))),
    },
  });
}

/**
 * The monorepo as files (`files`: path → text at the base commit), its targets (as config-rollout.yaml lists
 * them, each with `kind` and, for an overlay, its `base`), and the scenarios: each the files its head changes and
 * the targets the change can reach.
 */
export function generateMonorepo({
  bases = 10,
  overlaysPerBase = 20,
  charts = 5,
  releasesPerChart = 10,
} = {}) {
  if (bases > baseApps.length || overlaysPerBase > environments.length || charts > chartNames.length)
    throw new Error(
      `at most ${baseApps.length} bases, ${environments.length} overlays per base, ${chartNames.length} charts`,
    );
  if (releasesPerChart > environments.length)
    throw new Error(`at most ${environments.length} releases per chart`);
  const files = new Map();
  const targets = [];
  const overlaysOf = new Map();
  const baseEnv = new Map();
  const overlayEnv = new Map();
  for (const [b, app] of baseApps.slice(0, bases).entries()) {
    const base = baseFiles(app, b);
    for (const [path, text] of base.files) files.set(path, text);
    baseEnv.set(app, base.shared);
    overlaysOf.set(app, []);
    for (const [e, environment] of environments.slice(0, overlaysPerBase).entries()) {
      const overlay = overlayFiles(app, environment, b * overlaysPerBase + e);
      for (const [path, text] of overlay.files) files.set(path, text);
      const name = overlay.namespace;
      targets.push({
        name,
        manifests: overlay.dir,
        namespace: overlay.namespace,
        kind: 'kustomize',
        base: app,
      });
      overlaysOf.get(app).push(name);
      overlayEnv.set(name, { dir: overlay.dir, env: overlay.env });
    }
  }
  for (const [c, chart] of chartNames.slice(0, charts).entries()) {
    for (const [path, text] of chartFiles(chart, c === 0)) files.set(path, text);
    for (const [e, environment] of environments.slice(0, releasesPerChart).entries()) {
      const release = `${environment.stage}-${environment.region}`;
      const valuesFile = `releases/${chart}/${release}.yaml`;
      files.set(valuesFile, releaseValues(chart, environment, c * releasesPerChart + e));
      targets.push({
        name: `${chart}-${release}`,
        manifests: `charts/${chart}`,
        namespace: `${chart}-${release}`,
        values: [valuesFile],
        release: chart,
        kind: 'helm',
      });
    }
  }
  const config = {
    targets: targets.map((t) => ({
      name: t.name,
      manifests: t.manifests,
      namespace: t.namespace,
      ...(t.values ? { values: t.values, release: t.release } : {}),
    })),
  };
  files.set('config-rollout.yaml', dump(config));
  const readme =
    '# Deployments\n\nOverlays per app and environment under overlays/, charts and their releases.\n';
  files.set('README.md', readme);

  // The PRs: one overlay in the middle of the estate, and the base of another app (not the same one, so the
  // two scenarios' targets differ).
  const overlayApp = baseApps[Math.floor(bases / 2) - 1] ?? baseApps[0];
  const overlayTarget = overlaysOf.get(overlayApp)[Math.min(7, overlaysPerBase - 1)];
  const { dir, env } = overlayEnv.get(overlayTarget);
  const baseApp = baseApps[Math.min(bases - 1, Math.floor(bases / 2))];
  const scenarios = {
    overlay: {
      what: `one overlay's generator env file (${dir}/app.env: LOG_LEVEL=info → debug)`,
      files: new Map([[`${dir}/app.env`, envFile({ ...env, LOG_LEVEL: 'debug' })]]),
      reaches: [overlayTarget],
    },
    base: {
      what: `one shared base's env file (bases/${baseApp}/shared.env: CACHE_TTL_SECONDS, a new key)`,
      files: new Map([
        [
          `bases/${baseApp}/shared.env`,
          envFile({ ...baseEnv.get(baseApp), CACHE_TTL_SECONDS: '900', RETRY_LIMIT: '5' }),
        ],
      ]),
      reaches: overlaysOf.get(baseApp),
    },
    docs: {
      what: 'the README, which no target reads',
      files: new Map([['README.md', `${readme}\nAsk #platform before changing a shared base.\n`]]),
      reaches: [],
    },
  };
  return {
    files,
    targets,
    scenarios,
    counts: {
      bases,
      overlays: bases * overlaysPerBase,
      charts,
      releases: charts * releasesPerChart,
      targets: targets.length,
      files: files.size,
    },
  };
}

const git = (dir, ...args) =>
  execFileSync('git', ['-c', 'user.email=bench@example.com', '-c', 'user.name=bench', ...args], {
    cwd: dir,
    encoding: 'utf8',
  }).trim();

/** Write the monorepo into `dir` as a git repository with one commit, the base; returns its commit id. */
export function writeMonorepo(dir, monorepo) {
  for (const [path, text] of monorepo.files) writeFile(dir, path, text);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'base');
  return git(dir, 'rev-parse', 'HEAD');
}

/** Put a scenario's head into the working tree (uncommitted, as a PR's checkout holds it after the base). */
export function applyScenario(dir, scenario) {
  for (const [path, text] of scenario.files) writeFile(dir, path, text);
}

/** Put the base's text back where a scenario changed it. */
export function revertScenario(dir, monorepo, scenario) {
  for (const path of scenario.files.keys()) writeFile(dir, path, monorepo.files.get(path));
}

function writeFile(dir, path, text) {
  const full = join(dir, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, scenario: { type: 'string' } } });
  if (!values.out) {
    process.stderr.write(
      'usage: node bench/generate-monorepo.mjs --out DIR [--scenario overlay|base|docs]\n',
    );
    process.exit(2);
  }
  const monorepo = generateMonorepo();
  mkdirSync(values.out, { recursive: true });
  const commit = writeMonorepo(values.out, monorepo);
  const scenario = values.scenario ? monorepo.scenarios[values.scenario] : undefined;
  if (values.scenario && !scenario) {
    process.stderr.write(`unknown scenario '${values.scenario}' (overlay, base, docs)\n`);
    process.exit(2);
  }
  if (scenario) applyScenario(values.out, scenario);
  process.stdout.write(
    `${JSON.stringify({ ...monorepo.counts, base: commit, scenario: scenario && { what: scenario.what, reaches: scenario.reaches } }, null, 2)}\n`,
  );
}
