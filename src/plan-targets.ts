import type { KubeConfig } from '@kubernetes/client-node';
import type { Plan } from './plan/plan.js';
import { planChangeOrOffline, type OnUnreachable, type PlanChangeSettings } from './plan-change.js';
import type { RenderSettings } from './sources/load-manifests.js';
import type { Target } from './sources/targets-config.js';

/** One target's plan, with what its cluster said. */
export interface TargetPlan {
  target: Target;
  plan: Plan;
  /** How the target's cluster was (or was not) read, for the report. */
  notice?: string;
}

/** The settings every target shares; a target brings its manifests, namespace, values and context. */
export type SharedSettings = Omit<PlanChangeSettings, 'manifests' | 'namespace' | 'cluster' | 'render'> & {
  render: Omit<RenderSettings, 'helm'>;
};

/** A target's cluster: its own context, else the run's; undefined plans it offline. */
export type ClusterFor = (target: Target) => Promise<{ cluster: KubeConfig | undefined; notice?: string }>;

/** A target's source settings as a single-target plan takes them. */
export function targetSettings(target: Target, shared: SharedSettings): Omit<PlanChangeSettings, 'cluster'> {
  return {
    ...shared,
    manifests: target.manifests,
    namespace: target.namespace,
    render: {
      ...shared.render,
      helm: {
        valuesFiles: target.values,
        set: target.set,
        ...(target.release !== undefined ? { release: target.release } : {}),
        ...(target.enableHelm ? { enableHelm: true } : {}),
      },
    },
  };
}

/**
 * Plan each target the change can reach, one after another (each renders and may read its own cluster), and
 * keep those the change touches: a target whose plan has nothing to say is not mentioned.
 */
export async function planTargets(
  targets: readonly Target[],
  shared: SharedSettings,
  clusterFor: ClusterFor,
  onUnreachable: OnUnreachable,
): Promise<TargetPlan[]> {
  const plans: TargetPlan[] = [];
  for (const target of targets) {
    const { cluster, notice } = await clusterFor(target);
    const { plan, offlineNotice } = await planChangeOrOffline(
      { ...targetSettings(target, shared), cluster },
      onUnreachable,
    );
    if (!touches(plan)) continue;
    plans.push({ target, plan, ...((offlineNotice ?? notice) ? { notice: offlineNotice ?? notice } : {}) });
  }
  return plans;
}

/** Whether a plan has anything to say: config or other objects change, or a finding beyond notes. */
export function touches(plan: Plan): boolean {
  return (
    plan.configMaps.some((c) => c.change !== 'unchanged') ||
    plan.objects.length > 0 ||
    plan.findings.some((f) => f.severity !== 'info')
  );
}
