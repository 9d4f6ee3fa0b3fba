import { parseManifests, type ManifestObject } from '../../src/plan/manifests.js';
import { planRollout, type Plan } from '../../src/plan/plan.js';
import type { VolumeMountPolicy } from '../../src/plan/decide.js';

/** Parse YAML text as one manifest file; fails the test on any parse error. */
export function objects(
  text: string,
  file = 'manifests.yaml',
  defaultNamespace = 'default',
): ManifestObject[] {
  const parsed = parseManifests([{ path: file, text }], { defaultNamespace });
  if (parsed.errors.length > 0) throw new Error(JSON.stringify(parsed.errors));
  return parsed.objects;
}

/** Plan a change given as base and head YAML. */
export function plan(base: string, head: string, volumeMounts: VolumeMountPolicy = 'restart'): Plan {
  return planRollout({
    base: objects(base, 'base.yaml'),
    head: objects(head, 'head.yaml'),
    options: { volumeMounts },
  });
}

export function configMap(name: string, data: Record<string, string>, extra = ''): string {
  const lines = Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  return `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}data:\n${lines.join('\n') || '  {}'}\n`;
}

/** A Deployment whose single container has the given YAML block (indented for `containers[0]`). */
export function deployment(
  name: string,
  container: string,
  podExtra = '',
  specExtra = '',
  templateMeta = '',
): string {
  return `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
${specExtra}  template:
    metadata:
      labels: {app: ${name}}
${templateMeta}    spec:
${podExtra}      containers:
      - name: app
        image: example/app:1
${container}
`;
}
