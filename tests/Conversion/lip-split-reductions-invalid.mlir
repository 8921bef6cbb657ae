// RUN: lip-opt %s -verify-diagnostics -pass-pipeline='builtin.module(func.func(lip-split-reductions{partials=0}))'

// expected-error @+1 {{-lip-split-reductions: partials and max-outputs must be at least 1}}
func.func @no_lanes() {
  return
}
