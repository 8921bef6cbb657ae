// RUN: lip-opt %s -verify-diagnostics -pass-pipeline='builtin.module(func.func(lip-split-reductions{partials=0}))'
// RUN: lip-opt %s -verify-diagnostics -pass-pipeline='builtin.module(func.func(lip-split-reductions{row-partials=0}))'

// expected-error @+1 {{-lip-split-reductions: partials, max-outputs, row-partials and row-min-elements must be at least 1}}
func.func @no_lanes() {
  return
}
