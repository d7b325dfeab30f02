// Every container of a plan in the machine's order (docs/supervision.md): spec.initContainers
// (regular and sidecars, spec order), then spec.containers, each with where the manifest has it.
import type { PlannedContainer, PodPlan } from './types';

export type ContainerList = 'containers' | 'initContainers';

export interface PlannedContainerRef {
  c: PlannedContainer;
  list: ContainerList;
  /** Its index in `spec[list]`. */
  index: number;
}

export function everyContainer(plan: Pick<PodPlan, 'containers' | 'initContainers'>): PlannedContainerRef[] {
  return [
    ...(plan.initContainers ?? []).map((c, index) => ({ c, list: 'initContainers' as const, index })),
    ...plan.containers.map((c, index) => ({ c, list: 'containers' as const, index })),
  ];
}

/** The container named `name`, init containers included. */
export function findContainer(plan: Pick<PodPlan, 'containers' | 'initContainers'>, name: string): PlannedContainerRef | undefined {
  return everyContainer(plan).find((r) => r.c.name === name);
}
