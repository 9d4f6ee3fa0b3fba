// Bundles the action (dist/index.js) and the CLI (dist/cli.js) with ncc, one self-contained file each.
// Both are built first and dist/ is replaced only when both succeed.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ncc = join('node_modules', '.bin', 'ncc');

function bundle(entry) {
  const out = mkdtempSync(join(tmpdir(), 'config-rollout-ncc-'));
  execFileSync(
    ncc,
    ['build', entry, '-o', out, '--minify', '--no-source-map-register', '--quiet', '--target', 'es2023'],
    {
      stdio: 'inherit',
    },
  );
  const extra = readdirSync(out).filter((f) => f !== 'index.js' && f !== 'package.json');
  if (extra.length > 0) throw new Error(`ncc emitted more than one file for ${entry}: ${extra.join(', ')}`);
  const code = readFileSync(join(out, 'index.js'), 'utf8');
  rmSync(out, { recursive: true, force: true });
  return code;
}

const action = bundle('src/index.ts');
const cli = bundle('src/cli.ts');
const staging = mkdtempSync(join(tmpdir(), 'config-rollout-dist-'));
writeFileSync(join(staging, 'index.js'), action);
writeFileSync(join(staging, 'cli.js'), cli.startsWith('#!') ? cli : `#!/usr/bin/env node\n${cli}`);
chmodSync(join(staging, 'cli.js'), 0o755);
// The bundles are ES modules; this marks them so for Node wherever dist/ is copied.
writeFileSync(join(staging, 'package.json'), JSON.stringify({ type: 'module' }, null, 2) + '\n');
rmSync('dist', { recursive: true, force: true });
mkdirSync('dist');
for (const file of readdirSync(staging)) {
  writeFileSync(join('dist', file), readFileSync(join(staging, file)));
  if (file === 'cli.js') chmodSync(join('dist', file), 0o755);
}
rmSync(staging, { recursive: true, force: true });
