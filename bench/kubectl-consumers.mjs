// The baseline's filter: what a team scripts after `kubectl get deploy,sts,ds,cronjob,job,pod -A -o json` to
// find the workloads that read the ConfigMaps a change touches (what jq would do, in node).
//   kubectl get ... -A -o json | node bench/kubectl-consumers.mjs ns/configmap ns/configmap ...
// Prints one `Kind/namespace/name` per consumer. It knows nothing of keys, optional refs or restart methods:
// that is the point of the comparison.
import { readFileSync } from 'node:fs';

const changed = new Set(process.argv.slice(2));
const list = JSON.parse(readFileSync(0, 'utf8'));

function podSpecOf(item) {
  if (item.kind === 'Pod') return item.spec;
  if (item.kind === 'CronJob') return item.spec?.jobTemplate?.spec?.template?.spec;
  return item.spec?.template?.spec;
}

function configMapsOf(spec) {
  const names = new Set();
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  for (const c of containers) {
    for (const e of c.envFrom ?? []) if (e.configMapRef?.name) names.add(e.configMapRef.name);
    for (const e of c.env ?? [])
      if (e.valueFrom?.configMapKeyRef?.name) names.add(e.valueFrom.configMapKeyRef.name);
  }
  for (const v of spec.volumes ?? []) {
    if (v.configMap?.name) names.add(v.configMap.name);
    for (const s of v.projected?.sources ?? []) if (s.configMap?.name) names.add(s.configMap.name);
  }
  return names;
}

const consumers = [];
for (const item of list.items ?? []) {
  // Pods a controller owns roll with their owner.
  if ((item.metadata.ownerReferences ?? []).some((o) => o.controller)) continue;
  const spec = podSpecOf(item);
  if (!spec) continue;
  const namespace = item.metadata.namespace;
  for (const name of configMapsOf(spec)) {
    if (changed.has(`${namespace}/${name}`)) {
      consumers.push(`${item.kind}/${namespace}/${item.metadata.name}`);
      break;
    }
  }
}
process.stdout.write(consumers.sort().join('\n') + (consumers.length ? '\n' : ''));
