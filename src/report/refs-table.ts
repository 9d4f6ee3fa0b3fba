import type { ReferenceGraph } from '../plan/reference-graph.js';

/** The reference graph as aligned text for a terminal. */
export function renderRefsTable(graph: ReferenceGraph): string {
  const header = ['CONFIGMAP', 'WORKLOAD', 'CONTAINER', 'VIA', 'KEY', 'FLAGS'];
  const rows = graph.references.map((r) => [
    r.configMap,
    r.workload,
    r.container === null
      ? '(not mounted)'
      : r.containerType === 'container'
        ? r.container
        : `${r.container} (${r.containerType})`,
    r.via,
    r.key ?? (r.keys ? r.keys.join(',') || '-' : '*'),
    [r.subPath ? 'subPath' : '', r.optional ? 'optional' : ''].filter(Boolean).join(',') || '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  out.push('', `${graph.configMaps.length} ConfigMaps defined, ${graph.references.length} references.`);
  if (graph.undefinedReferenced.length > 0) {
    out.push(`Referenced but not defined in the manifests: ${graph.undefinedReferenced.join(', ')}`);
  }
  if (graph.unconsumed.length > 0)
    out.push(`Defined but read by no workload: ${graph.unconsumed.join(', ')}`);
  return out.join('\n') + '\n';
}
