// The contract with podrun-helper, in one place (docs/protocol.md): the launch file the monitor
// reads, its start-up handshake, the files it writes, the argv of `exec`, and what a failure
// record means. Everything else in podrun talks to the helper through `Helper`.
import type { PlannedContainer, PlannedUser, PodPlan } from '../../plan/types';
import type { ProcessIdentity } from '../../state/proc';
import { helperPath } from './binary';
import { helperExecArgs, type ExecRequest } from './exec-args';
import type { HandshakeResult } from './handshake';
import { encodeLaunchFile } from './launch-file';
import { startMonitor, type StartMonitorOptions } from './start-monitor';
import { readContainerStateFile, readMonitorFile, type ContainerStateFile, type MonitorFile } from './state-files';

export interface Helper {
  /** The bytes of the launch file for a plan (nothing is written). */
  encodeLaunchFile(plan: PodPlan): Buffer;
  /** Starts the pod's monitor on a written launch file; resolves at the end of its handshake. */
  startMonitor(launchFile: string, opts?: StartMonitorOptions): Promise<HandshakeResult>;
  /** `podrun-helper` and its argv for `exec` into a running container's process (`lastingDir`: the pod's). */
  execCommand(c: PlannedContainer, lastingDir: string, user: PlannedUser, target: ProcessIdentity, req: ExecRequest): { path: string; argv: string[] };
  /** `podrun-helper attach-stdin` for container NAME of the pod whose lasting dir this is (attach -i; docs/protocol.md, "attach-stdin"); `ok` on fd 3 once it holds the stdin. */
  attachStdinCommand(lastingDir: string, container: string, tty: boolean, detachKeys?: string): { path: string; argv: string[] };
  /** `<lasting pod dir>/monitor.json`; a dir is enough, for pods whose record is gone. */
  readMonitorFile(lastingDir: string): MonitorFile | undefined;
  readContainerState(c: Pick<PlannedContainer, 'dirs'>): ContainerStateFile | undefined;
}

export const helper: Helper = {
  encodeLaunchFile,
  startMonitor,
  execCommand(c, lastingDir, user, target, req) {
    const path = helperPath();
    return { path, argv: [path, ...helperExecArgs(c, lastingDir, user, target, req)] };
  },
  attachStdinCommand(lastingDir, container, tty, detachKeys) {
    const path = helperPath();
    return { path, argv: [path, 'attach-stdin', '--pod-dir', lastingDir, '--container', container, ...(tty ? ['--tty'] : []), ...(detachKeys ? ['--detach-keys', detachKeys] : []), '--ready-fd', '3'] };
  },
  readMonitorFile,
  readContainerState: (c) => readContainerStateFile(c.dirs.stateFile),
};

export type { ContainerStateFile, EventsFile, MonitorFile, PodStatusFile, TerminationRecord } from './state-files';
export type { ContainerFailure, HandshakeResult, PodFailure } from './handshake';
export type { ExecRequest } from './exec-args';
export { execEnv } from './exec-args';
export { formatFailure, failureHint, HelperFailure, type FailureRecord } from './failures';
export { controlSocketPath, liveContainerProcess, monitorProcesses, monitorRunning, readEventsFile, readPodStatusFile } from './state-files';
export { containerLogFile, pauseSeccompProgramFile, seccompProgramFile } from './launch-file';
