// `podrun exec` into a container whose environment takes values from ConfigMaps or Secrets: the
// plan's tokens are filled in from the store; with a Secret's value among them the environment is
// handed to the helper in a file on the pod's tmpfs (0600, removed by the helper once read), not
// on its command line, which every user of the host can read in /proc.
import { writeFileSync } from 'fs';
import { join } from 'path';
import type { PlannedContainer, PodPlan } from '../plan/types';
import type { Paths } from '../util/paths';
import { execEnv } from './helper';
import { withEnvValues } from './object-data';
import { hasRefToken } from '../plan/env-refs';

export function execEnvValues(paths: Paths, plan: PodPlan, container: PlannedContainer, overrides: string[], tty: boolean): { c: PlannedContainer; envFile?: string } {
  const secret = (plan.envRefs ?? []).some((r, i) => r.kind === 'Secret' && container.env.some((e) => hasRefToken(e.value, i, plan.envRefNonce)));
  const c = withEnvValues(paths, { namespace: plan.namespace, envRefs: plan.envRefs, envRefNonce: plan.envRefNonce, c: container }).c;
  if (!secret || !plan.dirs.config) return { c };
  const envFile = join(plan.dirs.config, `.exec-env-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  writeFileSync(envFile, execEnv(c, overrides, tty).map((kv) => `${kv}\0`).join(''), { mode: 0o600, flag: 'wx' });
  return { c, envFile };
}
