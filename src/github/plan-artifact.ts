import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

/** Where an uploaded artifact can be downloaded: the run's page links it by id. */
export interface UploadedArtifact {
  id: number;
  url: string;
}

const artifactService = 'github.actions.results.api.v1.ArtifactService';

/**
 * Upload the plan JSON as a workflow artifact, one file as it is (not zipped), through the runner's artifact
 * service: create the artifact, PUT the file to the blob URL the service signs, finalize with size and digest —
 * the three calls actions/upload-artifact makes. Undefined when the runner gives no artifact service (a local
 * run): the plan then lives in the job summary and the `plan` output only.
 */
export async function uploadPlanArtifact(
  file: string,
  env: NodeJS.ProcessEnv,
): Promise<UploadedArtifact | undefined> {
  const token = env['ACTIONS_RUNTIME_TOKEN'];
  const resultsUrl = env['ACTIONS_RESULTS_URL'];
  if (!token || !resultsUrl) return undefined;
  const content = await readFile(file);
  const ids = backendIds(token);
  const name = basename(file);
  const created = await callService(resultsUrl, token, 'CreateArtifact', {
    ...ids,
    name,
    mime_type: 'application/json',
    version: 7,
  });
  const uploadUrl = created['signed_upload_url'];
  if (created['ok'] !== true || typeof uploadUrl !== 'string') {
    throw new Error('the artifact service did not accept the artifact (CreateArtifact was not ok)');
  }
  const put = await fetch(uploadUrl, {
    method: 'PUT',
    headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'application/json' },
    body: content,
  });
  // The signed URL carries a storage token: it is never part of a message.
  if (!put.ok) throw new Error(`the upload to the artifact storage failed: HTTP ${put.status}`);
  const finalized = await callService(resultsUrl, token, 'FinalizeArtifact', {
    ...ids,
    name,
    size: String(content.length),
    hash: `sha256:${createHash('sha256').update(content).digest('hex')}`,
  });
  const id = Number(finalized['artifact_id']);
  if (finalized['ok'] !== true || !Number.isSafeInteger(id)) {
    throw new Error('the artifact service did not finalize the artifact (FinalizeArtifact was not ok)');
  }
  const server = env['GITHUB_SERVER_URL'] ?? 'https://github.com';
  const run = `${server}/${env['GITHUB_REPOSITORY'] ?? ''}/actions/runs/${env['GITHUB_RUN_ID'] ?? ''}`;
  return { id, url: `${run}/artifacts/${id}` };
}

/** The run and job the runtime token is scoped to: its `scp` claim holds `Actions.Results:<run>:<job>`. */
function backendIds(token: string): { workflow_run_backend_id: string; workflow_job_run_backend_id: string } {
  let scopes = '';
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      scp?: unknown;
    };
    scopes = typeof claims.scp === 'string' ? claims.scp : '';
  } catch {
    // Not a JWT: said below.
  }
  for (const scope of scopes.split(' ')) {
    const [kind, run, job] = scope.split(':');
    if (kind === 'Actions.Results' && run && job) {
      return { workflow_run_backend_id: run, workflow_job_run_backend_id: job };
    }
  }
  throw new Error('ACTIONS_RUNTIME_TOKEN names no workflow run to attach an artifact to');
}

/** One Twirp call (JSON over POST) to the runner's results service. */
async function callService(
  resultsUrl: string,
  token: string,
  method: string,
  body: object,
): Promise<Record<string, unknown>> {
  const url = new URL(`/twirp/${artifactService}/${method}`, new URL(resultsUrl).origin);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    let message = text.slice(0, 200);
    try {
      message = String((JSON.parse(text) as { msg?: unknown }).msg ?? message);
    } catch {
      // Not JSON: the text as it is.
    }
    throw new Error(`${method} answered HTTP ${response.status}: ${message}`);
  }
  return JSON.parse(text) as Record<string, unknown>;
}
