import type { VolumeMountPolicy } from './plan/decide.js';
import { planRollout, type Plan } from './plan/plan.js';
import { loadManifests } from './sources/load-manifests.js';

export interface PlanChangeSettings {
  /** Manifests after the change (the working tree). */
  manifests: readonly string[];
  /** Manifests before the change: paths in the working tree, or the same paths at a git revision. */
  base: { paths: readonly string[] } | { gitRef: string };
  namespace: string;
  volumeMounts: VolumeMountPolicy;
  cwd: string;
}

/** The offline pipeline shared by the CLI and the action: read both sides, then plan (pure). */
export async function planChange(settings: PlanChangeSettings): Promise<Plan> {
  const common = { cwd: settings.cwd, defaultNamespace: settings.namespace };
  const head = await loadManifests({ ...common, patterns: settings.manifests });
  const base =
    'gitRef' in settings.base
      ? await loadManifests({ ...common, patterns: settings.manifests, gitRef: settings.base.gitRef })
      : await loadManifests({ ...common, patterns: settings.base.paths });
  return planRollout({
    base: base.objects,
    head: head.objects,
    notes: head.notes,
    options: { volumeMounts: settings.volumeMounts },
  });
}
