// A big change must still say what matters within GitHub's 65,536 characters: every restarting workload named
// while names fit, every blocker with its workload and key, and a line that says what was left out and where.
import { describe, expect, it } from 'vitest';
import { githubCommentLimit, jobSummaryLimit, renderPlanComment } from '../../src/report/comment.js';
import { plan } from '../plan/helpers.js';

const pad = (i: number) => String(i).padStart(4, '0');

/** ConfigMap cfg-i and Deployment app-i in namespace ns-(i mod 10); app-0000 also needs key DB_URL. */
function estate(count: number, side: 'base' | 'head'): string {
  let text = '';
  for (let i = 0; i < count; i++) {
    const ns = `ns-${i % 10}`;
    const removed = side === 'base' && i === 0 ? '\n  DB_URL: "postgres://db"' : '';
    text += `---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg-${pad(i)}, namespace: ${ns}}
data:
  POOL: "${side === 'base' ? i : i + 1}"
  LOG_LEVEL: "info"${removed}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app-${pad(i)}, namespace: ${ns}}
spec:
  replicas: 3
  selector: {matchLabels: {app: app-${pad(i)}}}
  template:
    metadata: {labels: {app: app-${pad(i)}}}
    spec:
      containers:
      - name: app
        image: example/app:1
        envFrom: [{configMapRef: {name: cfg-${pad(i)}}}]
${i === 0 ? '        env: [{name: DATABASE_URL, valueFrom: {configMapKeyRef: {name: cfg-0000, key: DB_URL}}}]\n' : ''}`;
  }
  return text;
}

describe('a comment for a big change', () => {
  const hint = 'The whole plan is in the job summary and the plan-json artifact.';

  it('names every one of 300 restarting workloads, and the blocker, within the limit', () => {
    const p = plan(estate(300, 'base'), estate(300, 'head'));
    expect(p.consumers.filter((c) => c.action === 'restart')).toHaveLength(299);
    const text = renderPlanComment(p, { fullPlanHint: hint, maxParallel: 5 });
    expect(text.length).toBeLessThanOrEqual(githubCommentLimit);
    for (let i = 1; i < 300; i++) expect(text).toContain(`ns-${i % 10}/app-${pad(i)}`);
    expect(text).toContain(
      '**❌ 1 blocker: merging stops before writing anything** · merging would restart 299 Deployments (897 pods)',
    );
    expect(text).toContain(
      '> - ❌ **missing-key** — cfg-0000 no longer has key <code>DB_URL</code>, which Deployment/ns-0/app-0000 requires: new pods would not start. Needed by container <code>app</code> env <code>DATABASE_URL</code>',
    );
    expect(text).toContain('The merge rolls 299 workloads, 5 at a time (`max-parallel`: 60 waves)');
    expect(text).toMatch(
      new RegExp(`\\n\\n_Shortened to fit GitHub's 65,536-character comment limit: [^_]+\\. ${hint}_\\n$`),
    );
  });

  it('keeps the blocker, its workload and its key at 1,500, and names what it left out', () => {
    const p = plan(estate(1_500, 'base'), estate(1_500, 'head'));
    const text = renderPlanComment(p, { fullPlanHint: hint });
    expect(text.length).toBeLessThanOrEqual(githubCommentLimit);
    expect(text).toContain('merging would restart 1499 Deployments (4497 pods)');
    expect(text).toContain(
      '> - ❌ **missing-key** — cfg-0000 no longer has key <code>DB_URL</code>, which Deployment/ns-0/app-0000 requires',
    );
    expect(text).toContain('the ConfigMap diffs');
    // Names still fit at 1,500: every restarting workload is named, by action, kind and namespace.
    expect(text).toContain('- 🔄 restart (1499): Deployment in ns-0: app-0010, app-0020,');
    expect(text).toContain('; Deployment in ns-1: app-0001, app-0011,');
    for (let i = 1; i < 1_500; i++) expect(text).toContain(`app-${pad(i)}`);
    // The ConfigMaps by the keys their edits touch.
    expect(text).toContain('- changed <code>POOL</code> in 1499 ConfigMaps: ns-0/cfg-0010, ns-0/cfg-0020,');
  });

  it('gives the job summary the whole plan, up to its own limit', () => {
    const p = plan(estate(300, 'base'), estate(300, 'head'));
    const text = renderPlanComment(p, {}, jobSummaryLimit);
    expect(text).not.toContain('_Shortened');
    expect(text.split('\n').filter((l) => l.startsWith('| Deployment'))).toHaveLength(300);
    expect(text.match(/<details><summary><code>ns-\d\/cfg-\d{4}<\/code>/g)).toHaveLength(300);
  });
});
