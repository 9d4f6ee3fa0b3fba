// Bundles the action (dist/index.js) and the CLI (dist/cli.js) with ncc, one self-contained file each.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
  readFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ncc = join('node_modules', '.bin', 'ncc');

function bundle(entry, target) {
  const out = mkdtempSync(join(tmpdir(), 'config-rollout-ncc-'));
  execFileSync(
    ncc,
    ['build', entry, '-o', out, '--minify', '--no-source-map-register', '--quiet', '--target', 'es2023'],
    {
      stdio: 'inherit',
    },
  );
  const produced = readdirSync(out);
  const extra = produced.filter((f) => f !== 'index.js' && f !== 'package.json');
  if (extra.length > 0) throw new Error(`ncc emitted more than one file for ${entry}: ${extra.join(', ')}`);
  renameSync(join(out, 'index.js'), target);
  rmSync(out, { recursive: true, force: true });
}

rmSync('dist', { recursive: true, force: true });
execFileSync('mkdir', ['-p', 'dist']);
bundle('src/index.ts', 'dist/index.js');
bundle('src/cli.ts', 'dist/cli.js');
// The bundles are ES modules; this marks them so for Node wherever dist/ is copied.
writeFileSync('dist/package.json', JSON.stringify({ type: 'module' }, null, 2) + '\n');
const cli = readFileSync('dist/cli.js', 'utf8');
if (!cli.startsWith('#!')) writeFileSync('dist/cli.js', `#!/usr/bin/env node\n${cli}`);
chmodSync('dist/cli.js', 0o755);
