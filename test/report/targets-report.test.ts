// The comment and the JSON for a config file's targets: one title naming each touched target with its verdict,
// a section per target sharing the limit, and the plan JSON's arrays with every entry naming its target.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/plan/findings.js';
import type { Plan } from '../../src/plan/plan.js';
import { commentMarker, renderPlanComment } from '../../src/report/comment.js';
import { renderTargetsComment, targetsToJson } from '../../src/report/targets-report.js';
import { configMap, deployment, plan } from '../plan/helpers.js';

const reads = '        envFrom: [{configMapRef: {name: c}}]';
const changed = (): Plan =>
  plan(
    configMap('c', { K: '1' }) + deployment('api', reads),
    configMap('c', { K: '2' }) + deployment('api', reads),
  );
const blocker: Finding = { severity: 'blocker', code: 'drift', message: 'm', file: 'k8s/c.yaml', line: 2 };
const blocked = (): Plan => ({ ...changed(), findings: [blocker] });

describe('renderTargetsComment', () => {
  it('says the change touches none of the targets', () => {
    expect(renderTargetsComment([], 3, { commit: 'abcdef123456', notices: ['Planned offline'] })).toBe(
      [
        commentMarker,
        '### config-rollout plan · `abcdef1`',
        '> Planned offline',
        '**✅ Nothing to roll out** · the change touches none of the 3 targets',
      ].join('\n\n') + '\n',
    );
  });

  it('names each touched target with its verdict, counts the untouched, and gives each its own section', () => {
    const targets = [
      { name: 'prod', plan: blocked(), notices: ['Read the cluster prod'] },
      { name: 'staging', plan: changed() },
    ];
    const text = renderTargetsComment(targets, 5, {
      links: { repositoryUrl: 'https://github.com/o/r', sha: 'fedcba987' },
    });
    const paragraphs = text.split('\n\n');
    expect(paragraphs.slice(0, 3)).toEqual([
      commentMarker,
      '### config-rollout plan · `fedcba9`',
      '2 targets changed: ❌ `prod`, ✅ `staging` · 3 other targets untouched',
    ]);
    // Each section is that target's own comment: its headline under the target's name, no second marker.
    expect(text.split(commentMarker)).toHaveLength(2);
    expect(text).toContain('#### Target `prod`\n**❌ 1 blocker: merging stops before writing anything**');
    expect(text).toContain('> Read the cluster prod');
    expect(text).toContain(
      '#### Target `staging`\n**✅ No blockers** · merging restarts Deployment api (2 pods)',
    );
    expect(text).toContain('https://github.com/o/r/blob/fedcba987/k8s/c.yaml#L2');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('says nothing of untouched targets when the change touches all', () => {
    expect(renderTargetsComment([{ name: 'prod', plan: changed() }], 1).split('\n\n')[2]).toBe(
      '1 target changed: ✅ `prod`',
    );
  });

  it('shares the limit evenly: each section is that target rendered to its share', () => {
    const targets = [
      { name: 'a', plan: changed() },
      { name: 'b', plan: blocked() },
    ];
    const limit = 1_500;
    const text = renderTargetsComment(targets, 2, {}, limit);
    const head = [commentMarker, '### config-rollout plan', '2 targets changed: ✅ `a`, ❌ `b`'];
    const share = Math.floor((limit - head.join('\n\n').length - 2) / 2) - 2;
    const sections = targets.map((t) =>
      renderPlanComment(t.plan, { notices: [], target: t.name }, share).trimEnd(),
    );
    expect(text).toBe([...head, ...sections].join('\n\n') + '\n');
    expect(text.length).toBeLessThanOrEqual(limit);
    expect(sections.some((s) => s.includes('_Shortened to fit'))).toBe(true);
  });
});

describe('targetsToJson', () => {
  it("lists the touched targets and every entry of each plan's arrays under its target", () => {
    const json = targetsToJson([
      { name: 'prod', plan: blocked() },
      { name: 'staging', plan: changed() },
    ]);
    expect(json['targets']).toEqual(['prod', 'staging']);
    expect((json['configMaps'] as { target: string; ref: string }[]).map((c) => [c.target, c.ref])).toEqual([
      ['prod', 'default/c'],
      ['staging', 'default/c'],
    ]);
    expect((json['findings'] as { target: string; code: string }[]).map((f) => [f.target, f.code])).toEqual([
      ['prod', 'drift'],
    ]);
    expect((json['consumers'] as { target: string }[]).map((c) => c.target)).toEqual(['prod', 'staging']);
    expect(json['secrets']).toBeUndefined();
  });

  it('has the four arrays even with no target', () => {
    expect(targetsToJson([])).toEqual({
      targets: [],
      configMaps: [],
      consumers: [],
      objects: [],
      findings: [],
    });
  });
});
