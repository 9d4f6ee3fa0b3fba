// Types of generate-estate.mjs for the TypeScript tests that use it.
export interface Estate {
  files: Map<string, { base: string; head: string }>;
  namespaces: string[];
  touchedNamespaces: string[];
  changedFiles: string[];
  counts: { namespaces: number; configMaps: number; workloads: number; byKind: Record<string, number> };
}

export function generateEstate(options: {
  workloads: number;
  namespacePrefix?: string;
  changed?: number;
  live?: boolean;
  seed?: number;
}): Estate;

export function writeEstate(dir: string, estate: Estate): { base: string; head: string };
