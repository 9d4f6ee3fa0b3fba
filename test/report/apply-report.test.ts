import { describe, expect, it } from 'vitest';
import type { ApplyResult } from '../../src/apply/apply-result.js';
import { renderApplyReport, renderApplyText } from '../../src/report/apply-report.js';
import { expectTestdata, testdataValue } from '../testdata.js';

const markdown = (file: string) => renderApplyReport(testdataValue<ApplyResult>(file));
const text = (file: string) => renderApplyText(testdataValue<ApplyResult>(file));

describe('renderApplyReport', () => {
  it('renders what was applied: headline, ConfigMaps and workloads', () => {
    expectTestdata(
      'apply-result-applied.yaml',
      markdown,
      [
        '### config-rollout apply',
        '',
        '**✅ Applied** — Applied 1 ConfigMap; 1 workload restarted and healthy.',
        '',
        '| ConfigMap | Outcome | Keys |',
        '|---|---|---|',
        '| `shop/app-config` | patched | level, retries |',
        '',
        '| Workload | Action | Outcome | Details |',
        '|---|---|---|---|',
        '| `Deployment/shop/api` | restart | ✅ healthy (restarted) | Container <code>app</code> reads app-config (changed <code>level</code>) as an env var. |',
        '| `Deployment/shop/web` | wait-for-sync | — untouched | Mounted as a volume that hot-reloads. |',
        '',
      ].join('\n'),
    );
  });

  it('renders a roll-back: the message lines after the first, details, failures, escaped', () => {
    expectTestdata(
      'apply-result-rolled-back.yaml',
      markdown,
      [
        '### config-rollout apply',
        '',
        '**↩️ Rolled back** — Rolled back: Deployment/shop/api did not become healthy.',
        '',
        'The ConfigMap <code>shop/app-config</code> holds its base values again.',
        'Ask @\u200boncall about #\u200b42 &lt;b&gt;now&lt;/b&gt;',
        '',
        '| ConfigMap | Outcome | Keys |',
        '|---|---|---|',
        '| `shop/app-config` | rolled-back | restored to the base |',
        '| `shop/other\\|config` | kept |  |',
        '',
        '| Workload | Action | Outcome | Details |',
        '|---|---|---|---|',
        '| `Deployment/shop/api` | restart | ↩️ rolled back (restarted) | New pods crashed. • container app CrashLoopBackOff (3 restarts) • Warning BackOff: back-off restarting <code>app</code> |',
        '| `StatefulSet/shop/db` | delete-pods | ⏭️ skipped | Skipped after the failure of Deployment/shop/api. |',
        '',
      ].join('\n'),
    );
  });

  it('renders a dry run that fails, and no tables when nothing was touched', () => {
    expectTestdata(
      'apply-result-dry-run-failed.yaml',
      markdown,
      [
        '### config-rollout apply (dry run)',
        '',
        '**❌ Failed** — The API server refused the patch.',
        '',
        '| ConfigMap | Outcome | Keys |',
        '|---|---|---|',
        '| `shop/app-config` | failed | level |',
        '',
        '| Workload | Action | Outcome | Details |',
        '|---|---|---|---|',
        '| `Deployment/shop/api` | restart | ❌ failed | Not restarted. |',
        '',
      ].join('\n'),
    );
    expectTestdata(
      'apply-result-no-change.yaml',
      markdown,
      '### config-rollout apply\n\n**✅ Nothing to apply** — Nothing to apply.\n',
    );
  });

  it('cuts long details at 600 characters, saying how much was left out', () => {
    const result = testdataValue<ApplyResult>('apply-result-dry-run-failed.yaml');
    const reason = 'r'.repeat(700);
    const report = renderApplyReport({ ...result, workloads: [{ ...result.workloads[0]!, reason }] });
    expect(report).toContain(`| ${'r'.repeat(600)}… (100 more characters) |`);
  });
});

describe('renderApplyText', () => {
  it.each([
    [
      'apply-result-applied.yaml',
      [
        'APPLIED: Applied 1 ConfigMap; 1 workload restarted and healthy.',
        '  configmap shop/app-config: patched (level, retries)',
        '  Deployment/shop/api: healthy, restarted — Container `app` reads app-config (changed `level`) as an env var.',
        '  Deployment/shop/web: untouched — Mounted as a volume that hot-reloads.',
        '',
      ],
    ],
    [
      'apply-result-rolled-back.yaml',
      [
        'ROLLED-BACK: Rolled back: Deployment/shop/api did not become healthy.',
        'The ConfigMap `shop/app-config` holds its base values again.',
        'Ask @oncall about #42 <b>now</b>',
        '  configmap shop/app-config: rolled-back',
        '  configmap shop/other|config: kept',
        '  Deployment/shop/api: rolled-back, restarted — New pods crashed.',
        '      container app CrashLoopBackOff (3 restarts)',
        '      Warning BackOff: back-off restarting `app`',
        '  StatefulSet/shop/db: skipped — Skipped after the failure of Deployment/shop/api.',
        '',
      ],
    ],
    [
      'apply-result-dry-run-failed.yaml',
      [
        'FAILED (dry run): The API server refused the patch.',
        '  configmap shop/app-config: failed (level)',
        '  Deployment/shop/api: failed — Not restarted.',
        '',
      ],
    ],
    ['apply-result-no-change.yaml', ['NO-CHANGE: Nothing to apply.', '']],
  ])('%s', (file, lines) => {
    expectTestdata(file, text, lines.join('\n'));
  });
});
