import { apiMessage } from '../cluster/api-errors.js';
import type { ClusterWriter } from '../cluster/cluster-writer.js';
import type { ApplyRun } from './apply-run.js';
import { deleteJournal, journalName, readJournal } from './journal.js';

/** Delete the journals once the change is finished; a failure to do so is said in the result, not thrown. */
export async function finishJournals(run: ApplyRun, cluster: ClusterWriter): Promise<string> {
  try {
    for (const [namespace, stored] of run.journals) {
      const current = (await readJournal(cluster, namespace, [stored.kind])) ?? stored;
      await deleteJournal(cluster, namespace, current);
      run.journals.delete(namespace);
    }
    return '';
  } catch (error) {
    return ` The journal could not be deleted (${apiMessage(error)}): delete ${[...run.journals.keys()].map((ns) => `${ns}/${journalName}`).join(', ')} before the next apply.`;
  }
}

/** What to say when a rollback could not finish: the journal keeps the previous state for a re-run. */
export function journalKept(run: ApplyRun): string {
  const where = [...run.journals].map(([namespace, stored]) => `${stored.kind} ${namespace}/${journalName}`);
  return `The previous state is kept in ${where.join(', ')}: re-run this apply to finish, or restore it by hand.`;
}
