import { realpathSync } from 'node:fs';
import { readManifestFiles } from './manifest-files.js';
import { locateOrigins } from './origin-lines.js';
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
    case 'kustomize': {
      const files = await renderKustomize(source, { ...options, limits });
      return { source, files: locateOrigins(files, realpathSync(options.cwd)) };
    }
    case 'helm': {
      const files = await renderHelm(source, { ...options, limits });
      return { source, files: locateOrigins(files, realpathSync(options.cwd)) };
    }
  }
}
