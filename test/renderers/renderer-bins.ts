/**
 * The kustomize and helm binaries the tests render with: built from Go modules by test/renderers/build.sh
 * (`npm run renderers`; CI builds them before the tests) and cached per version. Tests never skip without them:
 * they fail, saying how to build them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const buildScript = fileURLToPath(new URL('./build.sh', import.meta.url));

export interface RendererBins {
  kustomize: string;
  helm: string;
  /** KUSTOMIZE_VERSION, HELM_VERSION and GO_VERSION of the build. */
  versions: Record<string, string>;
}

let cached: RendererBins | undefined;

/** The cached builds (no network, no build): `build.sh --print`. */
export function rendererBins(): RendererBins {
  if (cached) return cached;
  const r = spawnSync('bash', [buildScript, '--print'], { encoding: 'utf8' });
  const dir = r.stdout.trim();
  if (r.status !== 0 || dir === '') {
    throw new Error(
      `The kustomize and helm binaries the tests render with are not built: run \`npm run renderers\` (about 5 minutes, once per version). ${r.stderr.trim()}`,
    );
  }
  const bins = { kustomize: join(dir, 'bin', 'kustomize'), helm: join(dir, 'bin', 'helm') };
  for (const path of Object.values(bins)) {
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run renderers\` again.`);
  }
  const versions = Object.fromEntries(
    readFileSync(join(dir, 'versions.env'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  cached = { ...bins, versions };
  return cached;
}
