// Validation of the supervision fields (init containers, native sidecars, probes, lifecycle
// hooks, the stop signal, the dev back-off annotation) as the API server checks them, with the
// PROBES_AND_HOOKS switch on, passed as an option; and, with it off, probes and hooks refused,
// one error each. Each row is a manifest and every line validation prints for it (file:line, field
// path, message, hint), all at once.
import { expect } from 'chai';
import { formatManifestWarning, loadManifests } from '../../src/manifest/load';
import { renderError } from '../../src/cli/render';
import { parseBackoff, parseDuration, PROBES_AND_HOOKS } from '../../src/manifest/supervision';
import { LINUX_SIGNALS, parseSignal, signalName } from '../../src/manifest/signals';

const doc = (spec: string, meta = '') => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n${meta}spec:\n${spec}`;
const APP = '  containers:\n  - name: app\n    image: busybox:1.36\n';

/** Every line validation prints (warnings first, then errors with their hints). */
async function lines(text: string, supervision = true): Promise<string[]> {
  const r = await loadManifests(['-'], { stdin: text, probesAndHooks: supervision });
  return [...r.warnings.map(formatManifestWarning), ...r.errors.map((e) => renderError(e).trimEnd())];
}

async function accepted(text: string) {
  const r = await loadManifests(['-'], { stdin: text, probesAndHooks: true });
  expect(r.errors.map((e) => e.message)).to.deep.equal([]);
  return r;
}

describe('supervision manifests: the switch', () => {
  it('is on by default: exec, tcpSocket, httpGet (HTTP and HTTPS), grpc and sleep are taken; host names too (resolved at each run); the syntax of a host still checked', async () => {
    expect(PROBES_AND_HOOKS).to.equal(true);
    const ok = doc(`  containers:
  - name: a
    image: b
    ports: [{name: web, containerPort: 8080}]
    livenessProbe: {exec: {command: ["true"]}}
    readinessProbe: {httpGet: {port: web, path: /h, host: 127.0.0.1, scheme: HTTPS, httpHeaders: [{name: X, value: y}]}}
    startupProbe: {tcpSocket: {port: 8080, host: "::1"}}
  - name: g
    image: b
    livenessProbe: {grpc: {port: 9090, service: svc}}
    lifecycle: {postStart: {sleep: {seconds: 1}}, preStop: {httpGet: {port: 8080, host: localhost}}}
`);
    expect((await loadManifests(['-'], { stdin: ok })).errors.map((e) => renderError(e).trimEnd())).to.deep.equal([]);
    const names = doc(`  containers:
  - name: a
    image: b
    livenessProbe: {grpc: {port: 9090}}
    readinessProbe: {httpGet: {port: 8443, scheme: HTTPS, host: api.example}}
    startupProbe: {tcpSocket: {port: 80, host: db.example.}}
    lifecycle: {preStop: {httpGet: {port: 80, host: web.local, path: /stop}}, postStart: {tcpSocket: {port: 80, host: vm}}}
`);
    expect((await loadManifests(['-'], { stdin: names })).errors.map((e) => renderError(e).trimEnd())).to.deep.equal([]);
    const bad = doc(`  containers:
  - name: a
    image: b
    readinessProbe: {httpGet: {port: 80, host: "web_1.example"}}
    startupProbe: {tcpSocket: {port: 80, host: "-db.example"}}
`);
    expect((await loadManifests(['-'], { stdin: bad })).errors.map((e) => renderError(e).trimEnd())).to.deep.equal([
      'error: <stdin>:9: spec.containers[0].readinessProbe.httpGet.host: host "web_1.example" is not an IP address or a host name\n  hint: write an IP address such as 127.0.0.1 or a host name such as db.local, or leave host out: it defaults to the pod\'s IP',
      'error: <stdin>:10: spec.containers[0].startupProbe.tcpSocket.host: host "-db.example" is not an IP address or a host name\n  hint: write an IP address such as 127.0.0.1 or a host name such as db.local, or leave host out: it defaults to the pod\'s IP',
    ]);
  });

  it('off: probes and postStart/preStop are refused, one error each and nothing about their insides; init containers, sidecars and stopSignal are accepted', async () => {
    const text = doc(`  os: {name: linux}
  initContainers:
  - name: i
    image: busybox:1.36
  - name: side
    image: busybox:1.36
    restartPolicy: Always
    livenessProbe: {}
  containers:
  - name: app
    image: busybox:1.36
    livenessProbe: {httpGet: {port: nope}, successThreshold: 5}
    readinessProbe: {}
    startupProbe: {exec: {command: []}, bogus: 1}
    lifecycle: {preStop: {sleep: {seconds: -1}}, postStart: {tcpSocket: {port: 1}}, stopSignal: SIGQUIT}
`);
    const hook = '  hint: podrun does not run postStart and preStop hooks yet; remove the hook (lifecycle.stopSignal is supported)';
    const probe = '  hint: podrun does not run probes yet; remove the probe';
    expect(await lines(text, false)).to.deep.equal([
      `error: <stdin>:13: spec.initContainers[1].livenessProbe: not supported by podrun yet\n${probe}`,
      `error: <stdin>:17: spec.containers[0].livenessProbe: not supported by podrun yet\n${probe}`,
      `error: <stdin>:18: spec.containers[0].readinessProbe: not supported by podrun yet\n${probe}`,
      `error: <stdin>:19: spec.containers[0].startupProbe: not supported by podrun yet\n${probe}`,
      `error: <stdin>:20: spec.containers[0].lifecycle.postStart: not supported by podrun yet\n${hook}`,
      `error: <stdin>:20: spec.containers[0].lifecycle.preStop: not supported by podrun yet\n${hook}`,
    ]);
    const ok = await loadManifests(['-'], { stdin: doc(`  os: {name: linux}\n  initContainers: [{name: i, image: b}, {name: s, image: b, restartPolicy: Always}]\n  containers: [{name: a, image: b, lifecycle: {stopSignal: SIGQUIT}}]\n`), probesAndHooks: false });
    expect(ok.errors).to.deep.equal([]);
    expect(ok.pods[0].manifest.spec.initContainers?.map((c) => [c.name, c.restartPolicy])).to.deep.equal([['i', undefined], ['s', 'Always']]);
    expect(ok.pods[0].manifest.spec.containers[0].lifecycle?.stopSignal).to.equal('SIGQUIT');
  });

  it('restartPolicy Always warns of nothing either way: the monitor restarts containers', async () => {
    const text = doc(`  restartPolicy: Always\n${APP}`);
    expect(await lines(text, false)).to.deep.equal([]);
    expect(await lines(text, true)).to.deep.equal([]);
  });
});

describe('supervision manifests: accepted, with Kubernetes defaults', () => {
  it('init containers (regular and sidecars) and every probe and hook handler', async () => {
    const r = await accepted(
      doc(`  os: {name: linux}
  initContainers:
  - name: setup
    image: busybox:1.36
  - name: proxy
    image: busybox:1.36
    restartPolicy: Always
    ports: [{name: admin, containerPort: 9901}]
    startupProbe: {tcpSocket: {port: admin}}
    readinessProbe: {grpc: {port: 9901}}
  containers:
  - name: app
    image: busybox:1.36
    livenessProbe: {httpGet: {port: 8080}, successThreshold: 0, terminationGracePeriodSeconds: 5}
    readinessProbe: {exec: {command: [cat, /tmp/ready]}, successThreshold: 2}
    lifecycle:
      postStart: {exec: {command: [touch, /tmp/ready]}}
      preStop: {sleep: {seconds: 0}}
      stopSignal: SIGRTMIN+3
`),
    );
    const spec = r.pods[0].manifest.spec;
    expect(spec.initContainers!.map((c) => [c.name, c.restartPolicy, c.imagePullPolicy])).to.deep.equal([
      ['setup', undefined, 'IfNotPresent'],
      ['proxy', 'Always', 'IfNotPresent'],
    ]);
    // SetDefaults_HTTPGetAction: path "/" and scheme HTTP; grpc.service ""
    expect(spec.containers[0].livenessProbe!.httpGet).to.deep.equal({ path: '/', port: 8080, scheme: 'HTTP' });
    expect(spec.initContainers![1].readinessProbe!.grpc).to.deep.equal({ port: 9901, service: '' });
    expect(spec.containers[0].lifecycle!.stopSignal).to.equal('SIGRTMIN+3');
    expect(r.warnings).to.deep.equal([]);
  });

  it('an httpGet with host, scheme, a query and headers; a header value may be empty or hold a tab', async () => {
    const r = await accepted(
      doc(`  containers:
  - name: app
    image: busybox:1.36
    readinessProbe:
      httpGet: {host: localhost, scheme: HTTPS, path: "/ready?full=1", port: 8443, httpHeaders: [{name: Accept, value: ""}, {name: X-T, value: "a\\tb"}, {name: X-N}]}
`),
    );
    expect(r.pods[0].manifest.spec.containers[0].readinessProbe!.httpGet!.httpHeaders).to.deep.equal([
      { name: 'Accept', value: '' },
      { name: 'X-T', value: 'a\tb' },
      { name: 'X-N', value: '' },
    ]);
  });
});

describe('supervision manifests: refused, as the API server refuses them', () => {
  const rows: [string, string, string[]][] = [
    [
      'regular init containers may have neither probes nor lifecycle (validateInitContainers)',
      `  initContainers:\n  - name: i\n    image: busybox:1.36\n    readinessProbe: {exec: {command: ["true"]}}\n    lifecycle: {preStop: {sleep: {seconds: 1}}}\n${APP}`,
      [
        'error: <stdin>:9: spec.initContainers[0].readinessProbe: may not be set for init containers without restartPolicy=Always\n  hint: an init container runs to completion before the app containers start; add `restartPolicy: Always` to make it a sidecar, or remove the field',
        'error: <stdin>:10: spec.initContainers[0].lifecycle: may not be set for init containers without restartPolicy=Always\n  hint: an init container runs to completion before the app containers start; add `restartPolicy: Always` to make it a sidecar, or remove the field',
      ],
    ],
    [
      "an init container's restartPolicy: Always is the only value; OnFailure and Never are 1.35's ContainerRestartRules",
      `  initContainers:\n  - {name: a, image: b, restartPolicy: OnFailure}\n  - {name: c, image: b, restartPolicy: always}\n${APP}`,
      [
        "error: <stdin>:7: spec.initContainers[0].restartPolicy: restartPolicy OnFailure on an init container (Kubernetes 1.35+, ContainerRestartRules) is not supported by podrun yet\n  hint: leave it out (a regular init container follows the pod's restartPolicy), or write `restartPolicy: Always` for a sidecar",
        'error: <stdin>:8: spec.initContainers[1].restartPolicy: unsupported value "always"\n  hint: use `restartPolicy: Always` (a sidecar), or leave it out',
      ],
    ],
    [
      'a container-level restartPolicy on an app container, and restartPolicyRules anywhere, stay refused (KEP-5307)',
      `  initContainers:\n  - {name: s, image: b, restartPolicy: Always, restartPolicyRules: [{action: Restart}]}\n  containers:\n  - {name: app, image: b, restartPolicy: Always}\n`,
      [
        "error: <stdin>:7: spec.initContainers[0].restartPolicyRules: not supported by podrun yet\n  hint: podrun restarts a container by the pod's restartPolicy; restartPolicyRules (Kubernetes 1.35+) are not supported yet: remove them",
        "error: <stdin>:9: spec.containers[0].restartPolicy: not supported by podrun yet\n  hint: podrun restarts a container by the pod's restartPolicy; a container-level restartPolicy (Kubernetes 1.35+) is not supported yet: set restartPolicy on the pod spec",
      ],
    ],
    [
      'container names are unique across init containers and containers; init containers get every container rule',
      `  initContainers:\n  - name: app\n    image: b\n    volumeMounts: [{name: nope, mountPath: /x}]\n    ports: [{containerPort: 80, name: web}, {containerPort: 81, name: web}]\n${APP}`,
      [
        'error: <stdin>:7: spec.initContainers[0].name: duplicate container name "app"\n  hint: give every container a unique name',
        'error: <stdin>:9: spec.initContainers[0].volumeMounts[0].name: volume "nope" is not declared in spec.volumes\n  hint: add it under spec.volumes, e.g. `- name: nope` with `emptyDir: {}`',
        'error: <stdin>:10: spec.initContainers[0].ports[1].name: duplicate port name "web"\n  hint: give every port of a container a unique name',
      ],
    ],
    [
      'exactly one handler (validateHandler): none, or a second one, which is the one named',
      `  containers:\n  - name: app\n    image: b\n    livenessProbe: {periodSeconds: 5}\n    readinessProbe: {exec: {command: [a]}, tcpSocket: {port: 80}, grpc: {port: 80}}\n    lifecycle: {postStart: {}, preStop: {sleep: {seconds: 1}, httpGet: {port: 80}}}\n`,
      [
        'error: <stdin>:9: spec.containers[0].livenessProbe: must specify a handler type\n  hint: add one of `exec: {command: [cat, /tmp/healthy]}`, `httpGet: {path: /healthz, port: 8080}`, `tcpSocket: {port: 8080}` or `grpc: {port: 9090}`',
        'error: <stdin>:10: spec.containers[0].readinessProbe.tcpSocket: may not specify more than 1 handler type\n  hint: keep one of exec, tcpSocket, grpc',
        'error: <stdin>:10: spec.containers[0].readinessProbe.grpc: may not specify more than 1 handler type\n  hint: keep one of exec, tcpSocket, grpc',
        'error: <stdin>:11: spec.containers[0].lifecycle.postStart: must specify a handler type\n  hint: add one of `exec: {command: [...]}`, `httpGet: {path: /stop, port: 8080}` or `sleep: {seconds: 5}`',
        'error: <stdin>:11: spec.containers[0].lifecycle.preStop.sleep: may not specify more than 1 handler type\n  hint: keep one of httpGet, sleep',
      ],
    ],
    [
      'liveness and startup successThreshold must be 1 (0 is defaulted to it); readiness may not have a grace; a probe grace is above 0',
      `  containers:\n  - name: app\n    image: b\n    livenessProbe: {tcpSocket: {port: 1}, successThreshold: 3, terminationGracePeriodSeconds: 0}\n    startupProbe: {tcpSocket: {port: 1}, successThreshold: 2, terminationGracePeriodSeconds: -5}\n    readinessProbe: {tcpSocket: {port: 1}, successThreshold: 3, terminationGracePeriodSeconds: 10}\n`,
      [
        'error: <stdin>:9: spec.containers[0].livenessProbe.successThreshold: must be 1\n  hint: a liveness probe passes on one success: leave successThreshold out or set it to 1',
        "error: <stdin>:9: spec.containers[0].livenessProbe.terminationGracePeriodSeconds: must be greater than 0\n  hint: leave it out to use the pod's terminationGracePeriodSeconds",
        'error: <stdin>:10: spec.containers[0].startupProbe.successThreshold: must be 1\n  hint: a startup probe passes on one success: leave successThreshold out or set it to 1',
        "error: <stdin>:10: spec.containers[0].startupProbe.terminationGracePeriodSeconds: must be greater than 0\n  hint: leave it out to use the pod's terminationGracePeriodSeconds",
        'error: <stdin>:11: spec.containers[0].readinessProbe.terminationGracePeriodSeconds: must not be set for readinessProbes\n  hint: a readiness probe never kills the container: remove terminationGracePeriodSeconds',
      ],
    ],
    [
      'probe numbers are non-negative whole int32s (ValidateNonnegativeField)',
      `  containers:\n  - name: app\n    image: b\n    readinessProbe: {tcpSocket: {port: 1}, initialDelaySeconds: -1, periodSeconds: 0.5, timeoutSeconds: 2147483648, failureThreshold: "3"}\n`,
      [
        'error: <stdin>:9: spec.containers[0].readinessProbe.initialDelaySeconds: must be greater than or equal to 0\n  hint: a whole number of seconds, e.g. 5',
        'error: <stdin>:9: spec.containers[0].readinessProbe.timeoutSeconds: 2147483648 is out of range 0..2147483647 (int32)\n  hint: a whole number of seconds, e.g. 10 (0 means the default)',
        'error: <stdin>:9: spec.containers[0].readinessProbe.periodSeconds: 0.5 is not a whole number\n  hint: a whole number of seconds, e.g. 10 (0 means the default)',
        'error: <stdin>:9: spec.containers[0].readinessProbe.failureThreshold: expected a number, got a string\n  hint: write a number without quotes',
      ],
    ],
    [
      'ports: 1..65535 or an IANA name; a named port must be one of the container\'s own (podrun resolves it at apply)',
      `  containers:\n  - name: app\n    image: b\n    ports: [{name: http, containerPort: 80}]\n    livenessProbe: {httpGet: {port: htp}}\n    readinessProbe: {tcpSocket: {port: "80"}}\n    startupProbe: {tcpSocket: {port: 70000}}\n    lifecycle: {preStop: {httpGet: {port: metrics}}, postStart: {httpGet: {port: [1]}}}\n  - name: b\n    image: b\n    livenessProbe: {grpc: {port: http}}\n    readinessProbe: {httpGet: {port: http}}\n`,
      [
        'error: <stdin>:10: spec.containers[0].livenessProbe.httpGet.port: port "htp" is not the name of a port of this container\n  hint: did you mean http?',
        'error: <stdin>:11: spec.containers[0].readinessProbe.tcpSocket.port: port "80" is a string, and a port name needs a letter\n  hint: write the number without quotes, e.g. `port: 8080`',
        'error: <stdin>:12: spec.containers[0].startupProbe.tcpSocket.port: 70000 is out of range 1..65535\n  hint: ports are 1..65535',
        "error: <stdin>:13: spec.containers[0].lifecycle.postStart.httpGet.port: expected a port number or name, got a list\n  hint: give the port by number or by the name of one of the container's ports, e.g. `port: 8080` or `port: http`",
        'error: <stdin>:13: spec.containers[0].lifecycle.preStop.httpGet.port: port "metrics" is not the name of a port of this container\n  hint: add `ports: [{name: metrics, containerPort: 8080}]` to the container, or give the port by number',
        'error: <stdin>:16: spec.containers[1].livenessProbe.grpc.port: expected a number, got a string\n  hint: write a number without quotes',
        'error: <stdin>:17: spec.containers[1].readinessProbe.httpGet.port: port "http" is not the name of a port of this container\n  hint: add `ports: [{name: http, containerPort: 8080}]` to the container, or give the port by number',
      ],
    ],
    [
      'what would be a second line of a request is refused: host, path, header names and values (podrun, stricter)',
      `  containers:\n  - name: app\n    image: b\n    readinessProbe: {httpGet: {port: 80, host: "a\\r\\nb", path: "/a b", httpHeaders: [{name: "X:Y", value: "v\\r\\nInjected: 1"}, {value: v}]}}\n`,
      [
        'error: <stdin>:9: spec.containers[0].readinessProbe.httpGet.path: path "/a b" contains whitespace or a control character\n  hint: percent-encode it, e.g. `/health%20check`',
        "error: <stdin>:9: spec.containers[0].readinessProbe.httpGet.host: host \"a\\r\\nb\" is not an IP address or a host name\n  hint: write an IP address such as 127.0.0.1 or a host name such as db.local, or leave host out: it defaults to the pod's IP",
        'error: <stdin>:9: spec.containers[0].readinessProbe.httpGet.httpHeaders[0].name: header name "X:Y" is not valid\n  hint: a header name is letters, digits and \'-\', e.g. `X-Probe`',
        'error: <stdin>:9: spec.containers[0].readinessProbe.httpGet.httpHeaders[0].value: header value "v\\r\\nInjected: 1" contains a control character\n  hint: write the value on one line: a newline would end the header (an HTTP client refuses it)',
        'error: <stdin>:9: spec.containers[0].readinessProbe.httpGet.httpHeaders[1].name: Required\n  hint: add a name: lower-case letters, digits and "-", e.g. `name: web`',
      ],
    ],
    [
      'exec needs a command; grpc is no lifecycle handler, sleep no probe handler',
      `  containers:\n  - name: app\n    image: b\n    livenessProbe: {exec: {}}\n    readinessProbe: {exec: {command: []}}\n    startupProbe: {sleep: {seconds: 1}}\n    lifecycle: {postStart: {grpc: {port: 1}}}\n`,
      [
        'error: <stdin>:9: spec.containers[0].livenessProbe.exec.command: Required\n  hint: give the command to run, e.g. `command: [cat, /tmp/healthy]`',
        'error: <stdin>:10: spec.containers[0].readinessProbe.exec.command: must not be empty\n  hint: give the command to run, e.g. `command: [cat, /tmp/healthy]`',
        'error: <stdin>:11: spec.containers[0].startupProbe.sleep: unknown field "sleep"\n  hint: the fields here are: exec, httpGet, tcpSocket, grpc, initialDelaySeconds, timeoutSeconds, periodSeconds, successThreshold, failureThreshold, terminationGracePeriodSeconds',
        'error: <stdin>:11: spec.containers[0].startupProbe: must specify a handler type\n  hint: add one of `exec: {command: [cat, /tmp/healthy]}`, `httpGet: {path: /healthz, port: 8080}`, `tcpSocket: {port: 8080}` or `grpc: {port: 9090}`',
        'error: <stdin>:12: spec.containers[0].lifecycle.postStart.grpc: unknown field "grpc"\n  hint: the fields here are: exec, httpGet, tcpSocket, sleep',
        'error: <stdin>:12: spec.containers[0].lifecycle.postStart: must specify a handler type\n  hint: add one of `exec: {command: [...]}`, `httpGet: {path: /stop, port: 8080}` or `sleep: {seconds: 5}`',
      ],
    ],
    [
      'sleep: 0..terminationGracePeriodSeconds (validateSleepAction, zero allowed since 1.34)',
      `  terminationGracePeriodSeconds: 10\n  containers:\n  - name: app\n    image: b\n    lifecycle: {preStop: {sleep: {seconds: 11}}, postStart: {sleep: {seconds: -1}}}\n  - name: b\n    image: b\n    lifecycle: {preStop: {sleep: {seconds: 10}}, postStart: {sleep: {seconds: 1.5}}}\n`,
      [
        "error: <stdin>:10: spec.containers[0].lifecycle.postStart.sleep.seconds: must be non-negative and less than terminationGracePeriodSeconds (10)\n  hint: sleep at most the pod's grace period, or raise terminationGracePeriodSeconds",
        "error: <stdin>:10: spec.containers[0].lifecycle.preStop.sleep.seconds: must be non-negative and less than terminationGracePeriodSeconds (10)\n  hint: sleep at most the pod's grace period, or raise terminationGracePeriodSeconds",
        'error: <stdin>:13: spec.containers[1].lifecycle.postStart.sleep.seconds: 1.5 is not a whole number\n  hint: a sleep is a whole number of seconds, e.g. `seconds: 5`',
      ],
    ],
    [
      'stopSignal: one of the Linux names, and spec.os.name set (validateStopSignal)',
      `  containers:\n  - name: app\n    image: b\n    lifecycle: {stopSignal: TERM}\n  - name: b\n    image: b\n    lifecycle: {stopSignal: SIGRTMIN+16}\n`,
      [
        'error: <stdin>:9: spec.containers[0].lifecycle.stopSignal: unsupported value "TERM"\n  hint: did you mean SIGTERM?',
        'error: <stdin>:9: spec.containers[0].lifecycle.stopSignal: may not be set for containers with empty `spec.os.name`\n  hint: add `os: {name: linux}` to the pod spec, as Kubernetes requires for a stop signal',
        'error: <stdin>:12: spec.containers[1].lifecycle.stopSignal: unsupported value "SIGRTMIN+16"\n  hint: did you mean SIGRTMIN+1?',
        'error: <stdin>:12: spec.containers[1].lifecycle.stopSignal: may not be set for containers with empty `spec.os.name`\n  hint: add `os: {name: linux}` to the pod spec, as Kubernetes requires for a stop signal',
      ],
    ],
    [
      'a tcpSocket hook is accepted, as the API server does, with a warning that it fails when it runs',
      `  containers:\n  - name: app\n    image: b\n    lifecycle: {postStart: {tcpSocket: {port: 80}}, preStop: {tcpSocket: {port: 80}}}\n`,
      [
        'warning: <stdin>:9: spec.containers[0].lifecycle.postStart.tcpSocket: tcpSocket is not a working lifecycle handler: Kubernetes accepts it but the kubelet fails the hook when it runs, and podrun does the same (the container is then killed and restarted: FailedPostStartHook); use exec, httpGet or sleep',
        'warning: <stdin>:9: spec.containers[0].lifecycle.preStop.tcpSocket: tcpSocket is not a working lifecycle handler: Kubernetes accepts it but the kubelet fails the hook when it runs, and podrun does the same (FailedPreStopHook; the container is stopped as usual); use exec, httpGet or sleep',
      ],
    ],
    [
      'terminationMessagePath: not the root nor in /proc or /sys, where podrun would mount the file',
      `  initContainers:\n  - {name: i, image: b, terminationMessagePath: /sys/x}\n  containers:\n  - {name: app, image: b, terminationMessagePath: /}\n`,
      [
        'error: <stdin>:7: spec.initContainers[0].terminationMessagePath: terminationMessagePath "/sys/x" is inside /proc or /sys\n  hint: podrun mounts the termination message file there: use a path such as /dev/termination-log (the default) or /tmp/termination-log',
        'error: <stdin>:9: spec.containers[0].terminationMessagePath: terminationMessagePath "/" is the root\n  hint: podrun mounts the termination message file there: use a path such as /dev/termination-log (the default) or /tmp/termination-log',
      ],
    ],
    [
      'exec probe and hook commands have the limits of command',
      `  containers:\n  - name: app\n    image: b\n    livenessProbe: {exec: {command: [sh, "${'x'.repeat(131072)}"]}}\n`,
      [
        `error: <stdin>:9: spec.containers[0].livenessProbe.exec.command[1]: argument is 131072 bytes long; the kernel takes at most 131071 bytes in one (MAX_ARG_STRLEN, 131072 with its NUL)\n  hint: pass large data in a file (a volume, or the image) and give its path on the command line or in the variable`,
      ],
    ],
  ];
  for (const [what, spec, expected] of rows)
    it(what, async () => {
      expect(await lines(doc(spec))).to.deep.equal(expected);
    });

  it('the dev back-off annotation: a value it cannot read is an error at the annotation', async () => {
    const meta = (v: string) => `  annotations:\n    podrun.dev/restart-backoff: "${v}"\n`;
    expect(await lines(doc(APP, meta('10s-1s')))).to.deep.equal([
      'error: <stdin>:6: metadata.annotations[podrun.dev/restart-backoff]: the initial delay 10s is longer than the longest, 1s\n  hint: write `podrun.dev/restart-backoff: "INITIAL-MAX"` or "INITIAL-MAX-RESET" with durations such as 500ms, 1s or 2m, e.g. "1s-10s"; "0" restarts at once',
    ]);
    for (const bad of ['fast', '1s-', '1s-2s-3s-4s', '2d', '-1s', '25h'])
      expect(await lines(doc(APP, meta(bad))), bad).to.have.length(1);
    for (const good of ['0', '1s-10s', '100ms-1s-30s', '1.5s', '0-0-0']) expect(await lines(doc(APP, meta(good))), good).to.deep.equal([]);
  });
});

describe('supervision manifests: durations, back-off and signal names', () => {
  it('parseDuration: ms, s, m, h, decimals, a bare 0; nothing else', () => {
    const rows: [string, number | undefined][] = [
      ['0', 0],
      ['0s', 0],
      ['500ms', 500],
      ['1.5s', 1500],
      ['2m', 120_000],
      ['1h', 3_600_000],
      ['1', undefined],
      ['1.2345s', undefined], // not a whole ms
      ['-1s', undefined],
      ['1d', undefined],
      [' 1s', undefined],
    ];
    for (const [v, ms] of rows) expect(parseDuration(v), v).to.equal(ms);
  });

  it('parseBackoff: D is flat, INITIAL-MAX, INITIAL-MAX-RESET', () => {
    expect(parseBackoff('0')).to.deep.equal({ initialMs: 0, maxMs: 0 });
    expect(parseBackoff('2s')).to.deep.equal({ initialMs: 2000, maxMs: 2000 });
    expect(parseBackoff('1s-10s')).to.deep.equal({ initialMs: 1000, maxMs: 10_000 });
    expect(parseBackoff('100ms-1s-30s')).to.deep.equal({ initialMs: 100, maxMs: 1000, resetMs: 30_000 });
    expect(parseBackoff('24h-24h')).to.deep.equal({ initialMs: 86_400_000, maxMs: 86_400_000 });
    expect(parseBackoff('25h')).to.have.property('problem');
  });

  it("signals: Kubernetes' 64 Linux names, SIGRTMIN 34 .. SIGRTMAX 64; an image's StopSignal as containerd reads it", () => {
    expect(Object.keys(LINUX_SIGNALS)).to.have.length(34 + 1 + 15 + 14 + 1);
    expect([LINUX_SIGNALS.SIGRTMIN, LINUX_SIGNALS['SIGRTMIN+15'], LINUX_SIGNALS['SIGRTMAX-14'], LINUX_SIGNALS.SIGRTMAX]).to.deep.equal([34, 49, 50, 64]);
    const rows: [string, number | undefined][] = [
      ['SIGTERM', 15],
      ['term', 15],
      ['sigquit', 3],
      ['RTMIN+2', 36],
      ['SIGRTMAX-1', 63],
      ['9', 9],
      ['64', 64],
      ['65', undefined],
      ['0', undefined],
      ['SIGNOPE', undefined],
    ];
    for (const [v, n] of rows) expect(parseSignal(v), v).to.equal(n);
    expect([signalName(6), signalName(17), signalName(29), signalName(36)]).to.deep.equal(['SIGABRT', 'SIGCHLD', 'SIGIO', 'SIGRTMIN+2']);
  });
});
