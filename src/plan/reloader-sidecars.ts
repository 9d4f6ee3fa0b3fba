import { isPlainObject } from './manifests.js';

/**
 * Containers that watch a mounted ConfigMap and tell the process beside them to reload (an HTTP call or a
 * signal), so a plain volume mount in the same pod takes the new files without a restart. Known by image; the
 * args name the watched folder where the image has a flag for it.
 */
export interface ReloaderSidecar {
  /** What a reviewer calls it. */
  name: string;
  /** A piece of the image reference (registry and tag aside). */
  image: string;
  /** The flags that name a watched folder (`--volume-dir=/etc/config`); none means every mount it has. */
  watchFlags: readonly string[];
}

/** The one table of reloading sidecars. */
export const reloaderSidecars: readonly ReloaderSidecar[] = [
  // github.com/jimmidyson/configmap-reload: `--volume-dir` (repeatable), `--webhook-url`.
  { name: 'configmap-reload', image: 'configmap-reload', watchFlags: ['--volume-dir'] },
  // prometheus-operator's reloader for Prometheus and Alertmanager: `--watched-dir` (repeatable).
  {
    name: 'prometheus-config-reloader',
    image: 'prometheus-config-reloader',
    watchFlags: ['--watched-dir', '--config-file'],
  },
  // VictoriaMetrics operator's config-reloader (`victoriametrics/operator:config-reloader-…`): `--watched-dir`.
  { name: 'config-reloader', image: 'config-reloader', watchFlags: ['--watched-dir', '--config-file'] },
  // Grafana's kiwigrid/k8s-sidecar reloads dashboards and datasources through Grafana's API.
  { name: 'k8s-sidecar (Grafana)', image: 'k8s-sidecar', watchFlags: [] },
  // nginx reloaders (e.g. rosskukulinski/nginx-kubernetes-reload, *nginx-reloader*): a file watcher + `nginx -s reload`.
  { name: 'nginx-reloader', image: 'nginx-reloader', watchFlags: [] },
  { name: 'nginx-reloader', image: 'nginx-kubernetes-reload', watchFlags: [] },
];

/** The pod's reloading sidecars, by the volume each watches: volume name → the sidecar that reloads it. */
export function reloadedVolumes(podSpec: Record<string, unknown>): Map<string, string> {
  const reloaded = new Map<string, string>();
  for (const field of ['containers', 'initContainers']) {
    const list = podSpec[field];
    if (!Array.isArray(list)) continue;
    for (const container of list) {
      if (!isPlainObject(container) || typeof container['image'] !== 'string') continue;
      const sidecar = sidecarOf(container['image']);
      if (!sidecar) continue;
      const watched = watchedFolders(container, sidecar);
      const mounts = Array.isArray(container['volumeMounts']) ? container['volumeMounts'] : [];
      for (const mount of mounts) {
        if (!isPlainObject(mount) || typeof mount['name'] !== 'string') continue;
        const path = typeof mount['mountPath'] === 'string' ? mount['mountPath'] : '';
        if (watched === null || watched.some((folder) => within(folder, path))) {
          reloaded.set(mount['name'], `${sidecar.name} sidecar \`${String(container['name'] ?? '')}\``);
        }
      }
    }
  }
  return reloaded;
}

function sidecarOf(image: string): ReloaderSidecar | undefined {
  // The image's own name and tag, not its registry or owner: `ghcr.io/jimmidyson/configmap-reload:v0.14.0` →
  // `configmap-reload:v0.14.0`; VictoriaMetrics ships its reloader as a tag: `victoriametrics/operator:config-reloader-v0.50.0`.
  const last = image.replace(/@.*$/, '').split('/').at(-1) ?? '';
  return reloaderSidecars.find((s) => last.includes(s.image));
}

/** The folders a sidecar's args name; null when it watches whatever it mounts (no flag given). */
function watchedFolders(container: Record<string, unknown>, sidecar: ReloaderSidecar): string[] | null {
  const args = [container['command'], container['args']]
    .filter(Array.isArray)
    .flat()
    .map((a: unknown) => String(a));
  const folders: string[] = [];
  for (const [i, arg] of args.entries()) {
    for (const flag of sidecar.watchFlags) {
      if (arg.startsWith(`${flag}=`)) folders.push(arg.slice(flag.length + 1));
      else if (arg === flag && args[i + 1] !== undefined) folders.push(args[i + 1]!);
    }
  }
  return folders.length > 0 ? folders : null;
}

/** A watched folder or file lies at or under a mount path (`/etc/config/prometheus.yml` under `/etc/config`). */
function within(watched: string, mountPath: string): boolean {
  const mount = mountPath.replace(/\/+$/, '');
  const folder = watched.replace(/\/+$/, '');
  return (
    mount !== '' && (folder === mount || folder.startsWith(`${mount}/`) || mount.startsWith(`${folder}/`))
  );
}
