import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/sources/input-error.js';
import { parseTargetsConfig } from '../../src/sources/targets-config.js';
import { lines } from './repo-fixture.js';

function errorOf(text: string): string {
  try {
    parseTargetsConfig(text, 'config-rollout.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('expected the config file to be refused');
}

describe('parseTargetsConfig', () => {
  it('reads each target with its source settings and line, defaults filled in', () => {
    const config = parseTargetsConfig(
      lines(
        '# one app, two environments, one chart',
        'targets:',
        '  - name: staging',
        '    manifests: deploy/overlays/staging',
        '    namespace: shop-staging',
        '    context: staging-eu',
        '  - name: api',
        '    manifests: charts/api',
        '    values: [deploy/api/prod.yaml, deploy/api/prod-eu.yaml]',
        '    set:',
        '      - image.tag=1.2.3',
        '    release: api-prod',
        '  - name: legacy',
        '    manifests: [legacy/*.yaml, legacy/extra]',
        '    enableHelm: true',
      ),
      'config-rollout.yaml',
    );
    expect(config.targets).toEqual([
      {
        name: 'staging',
        manifests: ['deploy/overlays/staging'],
        namespace: 'shop-staging',
        context: 'staging-eu',
        values: [],
        set: [],
        enableHelm: false,
        line: 3,
      },
      {
        name: 'api',
        manifests: ['charts/api'],
        namespace: 'default',
        values: ['deploy/api/prod.yaml', 'deploy/api/prod-eu.yaml'],
        set: ['image.tag=1.2.3'],
        release: 'api-prod',
        enableHelm: false,
        line: 7,
      },
      {
        name: 'legacy',
        manifests: ['legacy/*.yaml', 'legacy/extra'],
        namespace: 'default',
        values: [],
        set: [],
        enableHelm: true,
        line: 13,
      },
    ]);
  });

  it('refuses an unknown field at its line, naming the known ones', () => {
    const message = errorOf(
      lines('targets:', '  - name: prod', '    manifests: deploy/prod', '    valuesFiles: [a.yaml]'),
    );
    expect(message).toBe(
      "config-rollout.yaml:4: targets[0]: unknown field 'valuesFiles' (known: name, manifests, namespace, context, values, set, release, enableHelm).",
    );
  });

  it('refuses a second target of the same name, pointing at both', () => {
    const message = errorOf(
      lines('targets:', '  - name: prod', '    manifests: a', '  - name: prod', '    manifests: b'),
    );
    expect(message).toBe(
      "config-rollout.yaml:4: targets[1].name: 'prod' is already the name of the target at line 2.",
    );
  });

  it('says what is missing or of the wrong type, with the line', () => {
    expect(errorOf(lines('targets:', '  - name: prod'))).toBe(
      "config-rollout.yaml:2: targets[0]: 'manifests' is required (a folder, files or globs).",
    );
    expect(errorOf(lines('targets:', '  - manifests: a'))).toBe(
      "config-rollout.yaml:2: targets[0]: 'name' is required.",
    );
    expect(errorOf(lines('targets:', '  - name: prod', '    manifests: a', '    namespace: 7'))).toBe(
      'config-rollout.yaml:4: targets[0].namespace: expected a non-empty string.',
    );
    expect(errorOf(lines('targets:', '  - name: prod', '    manifests: a', '    values: {a: b}'))).toBe(
      'config-rollout.yaml:4: targets[0].values: expected a string or a list of strings.',
    );
    expect(errorOf(lines('targets:', '  - name: prod', '    manifests: a', '    enableHelm: "yes"'))).toBe(
      'config-rollout.yaml:4: targets[0].enableHelm: expected true or false.',
    );
    expect(errorOf(lines('targets:', '  - name: "prod env"', '    manifests: a'))).toBe(
      "config-rollout.yaml:2: targets[0].name: 'prod env' — use letters, digits, '-', '_' and '.'.",
    );
  });

  it('refuses a file that is not a list of targets', () => {
    expect(errorOf('targets: []\n')).toBe(
      'config-rollout.yaml:1: `targets:` must be a list of at least one target.',
    );
    expect(errorOf(lines('target:', '  - name: prod'))).toBe(
      "config-rollout.yaml:1: unknown field 'target': the file holds `targets:` only.",
    );
    expect(errorOf('- a\n')).toBe('config-rollout.yaml:1: expected a mapping with a `targets:` list.');
    expect(errorOf(lines('targets:', '  - name: prod', '    name: again'))).toMatch(
      /^config-rollout\.yaml:3: not valid YAML: /,
    );
  });
});
