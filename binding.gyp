{
  "targets": [
    {
      "target_name": "podrun_native",
      "sources": ["addon/src/binding.cc", "addon/src/seccomp_bpf.cc", "addon/src/supervise_binding.cc", "addon/src/supervise.c", "addon/src/grpc_health_binding.cc", "addon/src/grpc_health.c", "addon/src/tls_client_binding.cc", "addon/src/netns_dial_binding.cc", "addon/src/tls_client.c", "addon/src/hostpath.c", "addon/src/util.c"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "libraries": ["-lseccomp", "-l:libbearssl.a"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags": ["-Wall", "-Wextra"],
      "cflags_cc": ["-Wall", "-Wextra", "-std=c++17"]
    },
    {
      "target_name": "podrun-helper",
      "type": "executable",
      "sources": ["addon/src/helper.c", "addon/src/attach.c", "addon/src/util.c", "addon/src/launch.c", "addon/src/mounts.c", "addon/src/hostpath.c", "addon/src/pause.c", "addon/src/container.c", "addon/src/cri_log.c", "addon/src/monitor.c", "addon/src/probe.c", "addon/src/grpc_health.c", "addon/src/tls_client.c", "addon/src/exec.c", "addon/src/seccomp.c", "addon/src/userns.c", "addon/src/cgroup.c", "addon/src/pdeathsig.c", "addon/src/identity.c", "addon/src/supervise.c", "addon/src/storage.c"],
      "cflags": ["-Wall", "-Wextra", "-std=gnu11", "-Os", "-ffunction-sections", "-fdata-sections"],
      "libraries": ["-l:libbearssl.a"],
      "ldflags": ["-static", "-s", "-Wl,--gc-sections", "-Wl,-T,<(module_root_dir)/addon/src/helper-layout.ld"]
    },
    {
      "target_name": "podrun-pause",
      "type": "executable",
      "sources": ["addon/src/pause-tiny.c"],
      "cflags": ["-Os", "-ffreestanding", "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-fcf-protection=none", "-fno-pie"],
      "ldflags": ["-nostdlib", "-static", "-no-pie", "-Wl,--build-id=none", "-s"]
    }
  ]
}
