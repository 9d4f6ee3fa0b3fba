import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'config-rollout-cli-'));
}

describe('config-rollout plan', () => {
  it('plans the bundled example: JSON contract, exit 0', () => {
    const r = runCli([
      'plan',
      '--base',
      'examples/shop/base',
      '--manifests',
      'examples/shop/head',
      '--format',
      'json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.configMaps).toEqual([
      {
        ref: 'shop/feature-flags',
        change: 'modified',
        keys: { added: [], removed: [], changed: ['flags.json'] },
        immutable: false,
        file: 'examples/shop/head/config.yaml',
        line: 12,
      },
      {
        ref: 'shop/nginx-conf',
        change: 'modified',
        keys: { added: [], removed: [], changed: ['nginx.conf'] },
        immutable: false,
        file: 'examples/shop/head/config.yaml',
        line: 21,
      },
      {
        ref: 'shop/shop-config',
        change: 'modified',
        keys: { added: [], removed: [], changed: ['DB_POOL_SIZE', 'LOG_LEVEL'] },
        immutable: false,
        file: 'examples/shop/head/config.yaml',
        line: 2,
      },
      {
        ref: 'shop/tls-bundle-v1',
        change: 'unchanged',
        keys: { added: [], removed: [], changed: [] },
        immutable: true,
        file: 'examples/shop/head/config.yaml',
        line: 33,
      },
    ]);
    expect(plan.consumers.map((c: { workload: string; action: string }) => [c.workload, c.action])).toEqual([
      ['CronJob/shop/nightly-report', 'next-run'],
      ['DaemonSet/shop/web', 'restart'],
      ['Deployment/shop/api', 'restart'],
      ['StatefulSet/shop/worker', 'restart'],
    ]);
    expect(plan.findings).toEqual([]);
  });

  it('exits 1 with the blocker when a required key is removed', () => {
    const dir = tempDir();
    cpSync('examples/shop/base', join(dir, 'base'), { recursive: true });
    cpSync('examples/shop/base', join(dir, 'head'), { recursive: true });
    const config = join(dir, 'head', 'config.yaml');
    const text = execFileSync('sed', ['/CURRENCY: EUR/d', config], { encoding: 'utf8' });
    writeFileSync(config, text);
    const r = runCli(['plan', '--offline', '--base', 'base', '--manifests', 'head', '--format', 'json'], dir);
    expect(r.status).toBe(1);
    const plan = JSON.parse(r.stdout);
    // At the ConfigMap that lost the key, and at the StatefulSet that needs it.
    expect(
      plan.findings.map((f: { code: string; file: string; line: number; also: unknown }) => [
        f.code,
        f.file,
        f.line,
        f.also,
      ]),
    ).toEqual([['missing-key', 'head/config.yaml', 2, [{ file: 'head/workloads.yaml', line: 54 }]]]);
    expect(
      plan.consumers.find((c: { workload: string }) => c.workload === 'StatefulSet/shop/worker').action,
    ).toBe('blocked');
  });

  it('reads the base from git with --base-ref', () => {
    const dir = tempDir();
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'test@example.com');
    git('config', 'user.name', 'test');
    mkdirSync(join(dir, 'k8s'));
    cpSync('examples/shop/base', join(dir, 'k8s'), { recursive: true });
    git('add', '.');
    git('commit', '-qm', 'base');
    cpSync('examples/shop/head', join(dir, 'k8s'), { recursive: true });
    const r = runCli(
      ['plan', '--offline', '--base-ref', 'HEAD', '--manifests', 'k8s', '--format', 'json'],
      dir,
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.configMaps.filter((c: { change: string }) => c.change === 'modified')).toHaveLength(3);
    const missing = runCli(['plan', '--offline', '--base-ref', 'no-such-ref', '--manifests', 'k8s'], dir);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("Git revision 'no-such-ref' is not in this checkout");
  });

  it('exits 2 naming file, line and column for YAML it cannot read, without a stack trace', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'bad.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: "unclosed\n',
    );
    const r = runCli(['plan', '--offline', '--base', 'bad.yaml', '--manifests', 'bad.yaml'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('bad.yaml:7:1: Missing closing "quote\n');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    [['plan', '--manifests', 'x']],
    [['plan', '--manifests', 'x', '--base', 'y', '--base-ref', 'z']],
    [['refs']],
    [['refs', '--manifests', 'examples', '--format', 'xml']],
    [['nonsense']],
  ])('exits 2 on bad usage: %j', (args) => {
    expect(runCli(args).status).toBe(2);
  });

  it('exits 2 when a path matches no manifests', () => {
    const r = runCli(['refs', '--manifests', 'no/such/dir']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("No manifests found at 'no/such/dir'");
  });
});

describe('config-rollout refs', () => {
  it('prints the reference graph as JSON', () => {
    const r = runCli(['refs', '--manifests', 'examples/shop/head', '--format', 'json']);
    expect(r.status).toBe(0);
    const graph = JSON.parse(r.stdout);
    expect(graph.references).toContainEqual({
      configMap: 'shop/nginx-conf',
      workload: 'DaemonSet/shop/web',
      container: 'nginx',
      containerType: 'container',
      via: 'volume',
      key: null,
      subPath: true,
      optional: false,
    });
    expect(graph.references).toHaveLength(7);
    expect(graph.undefinedReferenced).toEqual([]);
    expect(graph.unconsumed).toEqual([]);
  });

  it('prints a table by default', () => {
    const r = runCli(['refs', '--manifests', 'examples/shop/head']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^CONFIGMAP\s+WORKLOAD\s+CONTAINER\s+VIA\s+KEY\s+FLAGS$/);
    expect(r.stdout).toContain('4 ConfigMaps defined, 7 references.');
  });
});
