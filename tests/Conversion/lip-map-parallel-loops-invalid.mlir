// RUN: lip-opt %s -verify-diagnostics -pass-pipeline='builtin.module(func.func(lip-map-parallel-loops{block-threads=100 inner-threads=32}))'
// RUN: lip-opt %s -verify-diagnostics -pass-pipeline='builtin.module(func.func(lip-map-parallel-loops{block-threads=2048}))'

// expected-error @+1 {{-lip-map-parallel-loops: block-threads must be 1 to 1024 and a multiple of inner-threads}}
func.func @bad_blocks() {
  return
}
