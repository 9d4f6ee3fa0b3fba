import { readManifestFiles } from './manifest-files.js';
import { renderHelm } from './render-helm.js';
import { renderKustomize } from './render-kustomize.js';
import { defaultRendererLimits } from './run-renderer.js';
import type { RenderedSource, RenderOptions, Source } from './source.js';

/** Render one source into files plan/ can parse, each with the origin a finding should point at. */
export async function renderSource(source: Source, options: RenderOptions): Promise<RenderedSource> {
  const limits = { ...defaultRendererLimits, ...options.limits };
  switch (source.kind) {
    case 'plain': {
      const files = await readManifestFiles([source.path], options.cwd);
      return {
        source,
        files: files.map((f) => ({ ...f, origin: { path: f.path, via: 'resource' } })),
      };
    }
    case 'kustomize':
      return { source, files: await renderKustomize(source, { ...options, limits }) };
    case 'helm':
      return { source, files: await renderHelm(source, { ...options, limits }) };
  }
}
