// Vitest global setup for integration tests: one real control plane per test run.
//
// - CONFIG_ROLLOUT_TEST_KUBECONFIG set: use that cluster as is (never started or stopped here).
// - a cluster from `npm run cluster -- up` already running: use it and leave it running.
// - otherwise: start one with test/cluster/cluster.sh (building the binaries first on a cold cache) and stop it
//   when the run ends.
// Tests read the kubeconfig path with inject('kubeconfigPath'); test/cluster/test-env.ts wraps that.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfigPath: string;
  }
}

const clusterScript = fileURLToPath(new URL('./cluster.sh', import.meta.url));

interface ScriptResult {
  exitCode: number;
  stdout: string;
}

// Progress (stderr) goes straight to the terminal: a cold build takes many minutes and should show it.
function runClusterScript(command: 'up' | 'down' | 'status'): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [clusterScript, command], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? 1, stdout }));
  });
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.CONFIG_ROLLOUT_TEST_KUBECONFIG;
  if (external) {
    if (!existsSync(external)) {
      throw new Error(`CONFIG_ROLLOUT_TEST_KUBECONFIG points at ${external}, which does not exist`);
    }
    project.provide('kubeconfigPath', external);
    return undefined;
  }

  const alreadyUp = (await runClusterScript('status')).exitCode === 0;
  const up = await runClusterScript('up');
  const kubeconfigPath = up.stdout.trim().split('\n').at(-1) ?? '';
  if (up.exitCode !== 0 || !existsSync(kubeconfigPath)) {
    throw new Error(`bash ${clusterScript} up failed (exit ${up.exitCode}); see its output above`);
  }
  project.provide('kubeconfigPath', kubeconfigPath);

  if (alreadyUp) return undefined;
  return async () => {
    const down = await runClusterScript('down');
    if (down.exitCode !== 0) throw new Error(`bash ${clusterScript} down failed (exit ${down.exitCode})`);
  };
}
