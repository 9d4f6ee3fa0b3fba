// Vitest global setup for integration tests: one real control plane per test run.
//
// - CONFIG_ROLLOUT_TEST_KUBECONFIG set: use that cluster as is (never started or stopped here).
// - otherwise `cluster.sh acquire <our pid>`: use the running cluster of this checkout or start one (building
//   the binaries first on a cold cache), and `cluster.sh release <our pid>` at the end. The cluster stops when
//   the last test run using it lets go, unless it was started by hand (`npm run cluster -- up`), which keeps it
//   up. So two runs at once (say a developer and an editor plugin) share it without pulling it from each other.
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
function runClusterScript(command: 'acquire' | 'release'): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [clusterScript, command, String(process.pid)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
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

  const acquired = await runClusterScript('acquire');
  const kubeconfigPath = acquired.stdout.trim().split('\n').at(-1) ?? '';
  if (acquired.exitCode !== 0 || !existsSync(kubeconfigPath)) {
    throw new Error(`bash ${clusterScript} acquire failed (exit ${acquired.exitCode}); see its output above`);
  }
  project.provide('kubeconfigPath', kubeconfigPath);

  return async () => {
    const released = await runClusterScript('release');
    if (released.exitCode !== 0) {
      throw new Error(`bash ${clusterScript} release failed (exit ${released.exitCode})`);
    }
  };
}
