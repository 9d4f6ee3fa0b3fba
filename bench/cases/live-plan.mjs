// 2. Live plan: the large estate created in the local control plane, planned against it through the built CLI
// (wall time, and every API request counted in the child by child-probe.mjs), next to what a team would
// script: `kubectl diff -f <changed files>` and `kubectl get deploy,sts,ds,cronjob,job,pod -A -o json` piped
// into a consumer filter (kubectl-consumers.mjs). kubectl's requests are counted from its -v=6 log.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { generateEstate, writeEstate } from '../generate-estate.mjs';
import { forEachLimit, waitUntil, rolloutComplete } from '../local-cluster.mjs';
import { check, load, median, now, runCli, runProcess, seconds } from '../measure.mjs';

const filterPath = new URL('../kubectl-consumers.mjs', import.meta.url).pathname;
/**
 * ConfigMaps + the workload kinds' lists per touched namespace (a plan checks access only when a list is
 * refused, which it isn't here).
 */
const requestsPerNamespace = 1 + 7;

async function createEstate(cluster, estate, log) {
  const started = now();
  const objects = [...estate.files.values()].map((f) => yaml.load(f.base));
  const touched = new Set(estate.touchedNamespaces);
  // Touched namespaces first: they are what must have settled before the plan is measured.
  const order = (o) => (touched.has(o.metadata.namespace) ? 0 : 1) * 2 + (o.kind === 'ConfigMap' ? 0 : 1);
  objects.sort((a, b) => order(a) - order(b));
  await cluster.createNamespaces(estate.namespaces);
  await cluster.createObjects(objects, 16);
  const created = now();
  log(
    `  created ${estate.namespaces.length} namespaces and ${objects.length} objects in ${seconds(created - started)}`,
  );
  // Settled: in touched namespaces every Deployment rolled out, every StatefulSet ready, every pod Running.
  await waitUntil(
    'the touched namespaces to settle',
    240_000,
    async () => {
      let settled = true;
      await forEachLimit(estate.touchedNamespaces, 4, async (namespace) => {
        const [deployments, statefulSets, pods] = await Promise.all([
          cluster.apps.listNamespacedDeployment({ namespace }),
          cluster.apps.listNamespacedStatefulSet({ namespace }),
          cluster.core.listNamespacedPod({ namespace }),
        ]);
        if (!deployments.items.every(rolloutComplete)) settled = false;
        if (!statefulSets.items.every((s) => (s.status?.readyReplicas ?? 0) >= (s.spec?.replicas ?? 1)))
          settled = false;
        if (!pods.items.every((p) => p.status?.phase === 'Running')) settled = false;
      });
      return settled;
    },
    2000,
  );
  log(`  touched namespaces settled ${seconds(now() - created)} later (load ${load()})`);
  return { createMs: created - started, settleMs: now() - created, objects: objects.length };
}

/** kubectl's request lines at -v=6: `"Response" verb="GET" url="..." status="200 OK"`. */
function kubectlRequests(stderr) {
  return stderr.split('\n').filter((l) => l.includes('"Response" verb=')).length;
}

async function runBaseline({ kubectl, kubeconfig, head, changedFiles, changedRefs, cacheDir, verbose }) {
  const common = ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...(verbose ? ['-v=6'] : [])];
  // kubectl diff exits 1 when it finds differences.
  const diff = check(
    await runProcess(kubectl, ['diff', ...common, ...changedFiles.flatMap((f) => ['-f', join(head, f)])]),
    'kubectl diff',
    [0, 1],
  );
  const get = check(
    await runProcess(kubectl, ['get', ...common, 'deploy,sts,ds,cronjob,job,pod', '-A', '-o', 'json']),
    'kubectl get',
  );
  const filtered = check(
    await runProcess(process.execPath, [filterPath, ...changedRefs], { stdin: get.stdout }),
    'consumer filter',
  );
  return {
    ms: diff.ms + get.ms + filtered.ms,
    parts: { diff: diff.ms, get: get.ms, filter: filtered.ms },
    requests: kubectlRequests(diff.stderr) + kubectlRequests(get.stderr),
    consumers: filtered.stdout.split('\n').filter(Boolean).length,
  };
}

export async function runLivePlan({ tmp, reps, log, cluster, kubectl, runId, workloads = 2000 }) {
  const estate = generateEstate({ workloads, namespacePrefix: `bench-${runId}`, live: true });
  const dir = join(tmp, 'estate-live');
  mkdirSync(dir, { recursive: true });
  const { head } = writeEstate(dir, estate);
  log(
    `live estate: ${estate.counts.workloads} workloads in ${estate.counts.namespaces} namespaces, ` +
      `${estate.counts.configMaps} ConfigMaps; the change touches ${estate.touchedNamespaces.length} namespaces (load ${load()})`,
  );
  const setup = await createEstate(cluster, estate, log);

  const planArgs = ['plan', '--base', 'base', '--manifests', 'head', '--kubeconfig', cluster.kubeconfigPath];
  const cacheDir = join(tmp, 'kubectl-cache');
  const changedRefs = estate.changedFiles.map((f) => {
    const [namespace, , file] = f.split('/');
    return `${namespace}/${file.replace(/\.yaml$/, '')}`;
  });
  const baselineArgs = {
    kubectl,
    kubeconfig: cluster.kubeconfigPath,
    head,
    changedFiles: estate.changedFiles,
    changedRefs,
    cacheDir,
  };
  const plan = (extra) =>
    runCli([...planArgs, ...extra, '--format', 'json'], { cwd: dir }).then((r) =>
      check(r, `config-rollout plan ${extra.join(' ')}`, [0, 1]),
    );
  // Each side gets one untimed run first (kubectl fills its discovery cache, its best case; ours finds the
  // files and the API server warm alike), one kubectl run at -v=6 counts its requests; then the timed runs
  // alternate, so both sides see the same machine.
  await plan([]);
  await runBaseline({ ...baselineArgs, verbose: false });
  const counted = await runBaseline({ ...baselineArgs, verbose: true });
  const ours = [];
  const offline = [];
  const theirs = [];
  for (let i = 0; i < reps; i++) {
    ours.push(await plan([]));
    theirs.push(await runBaseline({ ...baselineArgs, verbose: false }));
    offline.push(await plan(['--offline']));
  }
  const consumers = JSON.parse(ours[0].stdout).consumers.length;
  const requests = ours[0].requests ?? [];
  const pages = requests.filter((r) => /[?&]continue=/.test(r)).length;
  const oursMs = median(ours.map((r) => r.ms));
  const apiMs = median(ours.map((r) => r.apiMs ?? NaN));
  const offlineMs = median(offline.map((r) => r.ms));
  log(
    `  ours: ${seconds(oursMs)} (runs: ${ours.map((r) => seconds(r.ms)).join(', ')}; of which talking to the API ` +
      `server ${seconds(apiMs)}; plan --offline on the same files ${seconds(offlineMs)}), ${requests.length} API ` +
      `requests, ${consumers} consumers (load ${load()})`,
  );
  const byKind = {};
  for (const r of requests) {
    const key = r.replace(/\/namespaces\/[^/]+/, '/namespaces/*').replace(/\?.*$/, '');
    byKind[key] = (byKind[key] ?? 0) + 1;
  }
  for (const [key, count] of Object.entries(byKind).sort()) log(`    ${count} × ${key}`);
  const theirsMs = median(theirs.map((r) => r.ms));
  const part = (name) => seconds(median(theirs.map((r) => r.parts[name])));
  log(
    `  kubectl baseline: ${seconds(theirsMs)} (diff ${part('diff')}, get -A ${part('get')}, filter ${part('filter')}), ` +
      `${counted.requests} API requests, ${counted.consumers} consumers (workload-level: no keys, no actions) (load ${load()})`,
  );

  const bound = requestsPerNamespace * estate.touchedNamespaces.length;
  return [
    {
      figure: `live plan, ${estate.counts.workloads} workloads / ${estate.counts.namespaces} ns (${estate.touchedNamespaces.length} touched)`,
      value: `${seconds(oursMs)}; kubectl diff + get + filter ${seconds(theirsMs)} (theirs/ours ×${(theirsMs / oursMs).toFixed(1)})`,
      target: '≥ 10× faster than kubectl',
      met: theirsMs / oursMs >= 10,
    },
    {
      figure: '  of which talking to the API server (first request → last response)',
      value: `${seconds(apiMs)} (kubectl's whole run / ours ×${(theirsMs / apiMs).toFixed(1)})`,
    },
    {
      figure: '  plan --offline on the same files (no cluster)',
      value: seconds(offlineMs),
    },
    {
      figure: 'live plan: API requests',
      value: `${requests.length}${pages ? ` (${pages} next pages)` : ''}; kubectl ${counted.requests} (ours/theirs ${(requests.length / counted.requests).toFixed(2)})`,
      target: `≤ ${requestsPerNamespace} × ${estate.touchedNamespaces.length} touched ns = ${bound} + pages`,
      met: requests.length <= bound + pages,
    },
    {
      figure: 'live estate set-up (create; settle touched ns)',
      value: `${seconds(setup.createMs)}; ${seconds(setup.settleMs)} (${setup.objects} objects)`,
    },
  ];
}
