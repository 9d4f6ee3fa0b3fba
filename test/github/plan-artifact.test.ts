// The plan JSON as a workflow artifact, uploaded to a local stand-in for the runner's artifact service.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uploadPlanArtifact } from '../../src/github/plan-artifact.js';
import { startFakeArtifacts, type FakeArtifacts } from './fake-artifacts.js';

let service: FakeArtifacts;
beforeEach(async () => {
  service = await startFakeArtifacts();
});
afterEach(async () => {
  await service.close();
});

function planFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'config-rollout-artifact-')), 'config-rollout-plan.json');
  writeFileSync(file, content);
  return file;
}

describe('uploading the plan as an artifact', () => {
  it('uploads the file as it is and links the artifact on the run page', async () => {
    const content = JSON.stringify({ consumers: [{ workload: 'Deployment/shop/api' }] });
    const env = {
      ACTIONS_RUNTIME_TOKEN: service.token,
      ACTIONS_RESULTS_URL: service.url,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_RUN_ID: '42',
    };
    const uploaded = await uploadPlanArtifact(planFile(content), env);
    const stored = service.artifacts.get('config-rollout-plan.json');
    expect(stored).toEqual({ id: 100, content });
    expect(service.requests).toEqual([
      {
        method: 'CreateArtifact',
        body: {
          workflow_run_backend_id: 'run-backend-1',
          workflow_job_run_backend_id: 'job-backend-1',
          name: 'config-rollout-plan.json',
          mime_type: 'application/json',
          version: 7,
        },
        authorization: `Bearer ${service.token}`,
      },
      {
        method: 'FinalizeArtifact',
        body: {
          workflow_run_backend_id: 'run-backend-1',
          workflow_job_run_backend_id: 'job-backend-1',
          name: 'config-rollout-plan.json',
          size: String(content.length),
          hash: `sha256:${createHash('sha256').update(content).digest('hex')}`,
        },
        authorization: `Bearer ${service.token}`,
      },
    ]);
    expect(uploaded).toEqual({ id: 100, url: 'https://github.com/acme/shop/actions/runs/42/artifacts/100' });
  });

  it('says what failed, without the signed upload URL', async () => {
    service.failUploads = true;
    const env = { ACTIONS_RUNTIME_TOKEN: service.token, ACTIONS_RESULTS_URL: service.url };
    await expect(uploadPlanArtifact(planFile('{}'), env)).rejects.toThrow(
      /^the upload to the artifact storage failed: HTTP 403$/,
    );
  });

  it('uploads nothing where the runner gives no artifact service', async () => {
    expect(await uploadPlanArtifact(planFile('{}'), { GITHUB_REPOSITORY: 'acme/shop' })).toBeUndefined();
    expect(service.artifacts.size).toBe(0);
  });
});
