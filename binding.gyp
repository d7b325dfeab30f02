{
  "targets": [
    {
      "target_name": "podrun_native",
      "sources": ["addon/src/binding.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags": ["-Wall", "-Wextra"],
      "cflags_cc": ["-Wall", "-Wextra", "-std=c++17"]
    },
    {
      "target_name": "podrun-helper",
      "type": "executable",
      "sources": ["addon/src/helper.c"],
      "cflags": ["-Wall", "-Wextra", "-std=gnu11", "-O2"]
    }
  ]
}
