// `npm run mutate:survivors`: forget the survivors (and uncovered mutants) of the last mutation run, then run it
// again. Stryker's incremental mode reuses a survivor's result while the mutant and the tests that covered it are
// unchanged, so a new test written to kill it is never tried on it; this makes the re-run test every survivor
// against the current tests (minutes), and reuse the rest.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import config from '../stryker.config.mjs';

const file = config.incrementalFile;
if (!existsSync(file)) {
  console.error(`No ${file}: run \`npm run mutate\` first (a full run), then this after adding tests.`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
let dropped = 0;
for (const entry of Object.values(report.files ?? {})) {
  const kept = entry.mutants.filter((m) => m.status !== 'Survived' && m.status !== 'NoCoverage');
  dropped += entry.mutants.length - kept.length;
  entry.mutants = kept;
}
writeFileSync(file, JSON.stringify(report));
console.log(`Re-testing ${dropped} survived or uncovered mutants against the current tests.`);
const run = spawnSync('npx', ['stryker', 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
