{
  # The native CPU backend (src/backend/native/), built by `npm install` (scripts/build-native.mjs).
  # No -m flags: each kernel names its ISA in a target attribute and is chosen at run time, so the
  # binary runs on any x86-64 CPU. -ffp-contract=off: every fused multiply-add is written out, so
  # the ISA paths give the same bits.
  "targets": [
    {
      "target_name": "dlab_native",
      "sources": [
        "native/addon.cc",
        "native/cpu.cc",
        "native/threads.cc",
        "native/gemm.cc",
        "native/gemm_kernels.cc",
        "native/conv.cc",
        "native/conv_direct.cc",
        "native/conv_rows.cc",
        "native/conv_winograd.cc",
        "native/pool.cc",
        "native/elementwise.cc",
        "native/exp_avx512.cc",
        "native/softmax.cc",
        "native/reduce_minmax.cc",
        "native/elementwise_strided.cc",
        "native/index_select.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions", "-O2", "-O3"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-O2", "-std=gnu++17", "-std=gnu++1y"],
      "cflags": ["-O3", "-ffp-contract=off", "-fno-math-errno", "-Wno-maybe-uninitialized"],
      "cflags_cc": ["-O3", "-std=c++17", "-fexceptions", "-ffp-contract=off", "-fno-math-errno"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CFLAGS": ["-O3", "-ffp-contract=off"]
      },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1 } }
    }
  ]
}
