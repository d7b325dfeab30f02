// podrun runs pods in kernel namespaces, and their state (records, logs, locks) is root's: a
// command that reads or changes pods says so when it is not root, before it touches anything,
// instead of "No resources found" for pods that exist, or a permission error's stack.
import { PodrunError } from '../util/errors';

export function requireRoot(verb: string, why = "pods run in kernel namespaces, and their state is root's"): void {
  if (process.geteuid?.() === 0) return;
  throw new PodrunError(`podrun ${verb} needs root: ${why}`, `run it as root (sudo podrun ${verb} ...)`);
}
