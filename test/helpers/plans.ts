// Plans for tests that need one without planning a manifest: a pod `name` under `root` whose
// containers have the default security settings; each field can be overridden.
import { join } from 'path';
import { defaultSecurity } from '../../src/plan/security';
import type { PlannedContainer, PodPlan } from '../../src/plan/types';

export function testContainer(podDir: string, name: string, over: Partial<PlannedContainer> = {}): PlannedContainer {
  const d = join(podDir, 'containers', name);
  return {
    name,
    image: { ref: 'busybox:test', pullPolicy: 'IfNotPresent', imageId: 'sha256:' + 'a'.repeat(64) },
    argv: ['sh'],
    env: [],
    workingDir: '/',
    user: { uid: 0, gid: 0, groups: [] },
    mounts: [],
    ports: [],
    stdin: false,
    tty: false,
    stopSignal: 'SIGTERM',
    security: defaultSecurity(),
    dirs: { upper: join(d, 'upper'), work: join(d, 'work'), rootfs: join(d, 'rootfs'), logDir: join(podDir, 'logs', name), stateFile: join(d, 'state.json') },
    ...over,
  };
}

export function testPlan(root: string, name: string, over: Partial<PodPlan> = {}): PodPlan {
  const pod = join(root, 'pods', `default_${name}`);
  return {
    key: `default_${name}`,
    name,
    namespace: 'default',
    uid: 'u1',
    hostname: name,
    dirs: { lasting: pod, live: join(root, 'run', 'pods', `default_${name}`), init: join(pod, 'init'), shm: join(pod, 'shm') },
    namespaces: { net: 'pod', ipc: 'pod', uts: 'pod', pid: 'container' },
    shmSizeBytes: 64 << 20,
    podIP: '127.0.0.1',
    hostIP: '192.0.2.1',
    hosts: '',
    resolvConf: '',
    volumes: [],
    deniedHostPaths: { all: ['/proc', '/sys', '/dev', root], devices: ['/proc', '/sys', root] },
    containers: [testContainer(pod, 'app')],
    sysctls: [],
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 30,
    manifestHash: 'h',
    ...over,
  };
}
