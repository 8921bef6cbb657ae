// Every error of the lip dialect's discardable attributes (LipAttrNames.h),
// one case per split; then the attributes as the compiler writes them.
// RUN: lip-opt %s -split-input-file -verify-diagnostics -allow-unregistered-dialect

// expected-error @+1 {{'lip.budget' must be a positive finite float, got 0.000000e+00 : f64}}
func.func @budget_zero() attributes {lip.budget = 0.0 : f64} {
  return
}

// -----

// expected-error @+1 {{'lip.max_lr_scale' must be a positive finite float, got "x"}}
func.func @max_lr_scale_string() attributes {lip.max_lr_scale = "x"} {
  return
}

// -----

// expected-error @+1 {{'lip.result_bound' must be a #lip.bound, got 2.000000e+00 : f64}}
func.func @result_bound_float() attributes {lip.result_bound = 2.0 : f64} {
  return
}

// -----

// expected-error @+1 {{'lip.not_certified' must be a non-empty string, got ""}}
func.func @not_certified_empty() attributes {lip.not_certified = ""} {
  return
}

// -----

func.func @budget_not_on_function() {
  // expected-error @+1 {{'lip.budget' must be on a function, got 1.000000e+00 : f64}}
  "test.op"() {lip.budget = 1.0 : f64} : () -> ()
  return
}

// -----

func.func @bound_float() {
  // expected-error @+1 {{'lip.bound' must be a #lip.bound, got 1.000000e+00 : f64}}
  "test.op"() {lip.bound = 1.0 : f64} : () -> ()
  return
}

// -----

// expected-error @+1 {{unknown attribute 'lip.bounds' of the lip dialect}}
func.func @unknown() attributes {lip.bounds = 1.0 : f64} {
  return
}

// -----

// expected-error @+1 {{'lip.rms_bound' on argument 0 must be a positive finite float, got -1.000000e+00 : f64}}
func.func @rms_bound_negative(%x: tensor<2x4xf32> {lip.rms_bound = -1.0 : f64}) {
  return
}

// -----

// expected-error @+1 {{'lip.vocab' on argument 0 must be a positive integer, got 0 : i64}}
func.func @vocab_zero(%x: tensor<2x4xi32> {lip.vocab = 0 : i64}) {
  return
}

// -----

// expected-error @+1 {{'lip.param_name' on argument 0 must be a non-empty string, got 3 : i64}}
func.func @param_name_integer(%w: tensor<4x4xf32> {lip.param_name = 3 : i64}) {
  return
}

// -----

// expected-error @+1 {{'lip.state' on argument 0 must be a non-empty string, got ""}}
func.func @state_empty(%m: tensor<4x4xf32> {lip.state = ""}) {
  return
}

// -----

// expected-error @+1 {{'lip.constraint' on argument 0 must be a #lip.constraint, got "soft_cap"}}
func.func @constraint_string(%w: tensor<4x4xf32> {lip.constraint = "soft_cap"}) {
  return
}

// -----

// expected-error @+1 {{'lip.zero_init' on argument 0 must be a unit attribute, got true}}
func.func @zero_init_bool(%w: tensor<4x4xf32> {lip.zero_init = true}) {
  return
}

// -----

// expected-error @+1 {{unknown argument attribute 'lip.rms' of the lip dialect}}
func.func @unknown_argument(%x: tensor<2x4xf32> {lip.rms = 1.0 : f64}) {
  return
}

// -----

// Well-formed: every attribute where the compiler puts it.
func.func @train_step(%x: tensor<2x4xf32> {lip.rms_bound = 1.0 : f64},
                      %t: tensor<2x4xi32> {lip.vocab = 65 : i64},
                      %w: tensor<4x4xf32> {lip.param_name = "w", lip.zero_init,
                                           lip.constraint = #lip.constraint<soft_cap, w_max = 1.0, norm = rms_to_rms>},
                      %m: tensor<4x4xf32> {lip.param_name = "w", lip.state = "momentum"})
    attributes {lip.budget = 2.0 : f64, lip.max_lr_scale = 1.5 : f64,
                lip.result_bound = #lip.bound<factor = 1.0, lipschitz = 1.0, rms = inf>,
                lip.not_certified = "reason"} {
  "test.op"() {lip.bound = #lip.bound<factor = 1.0, lipschitz = 1.0, rms = 1.0>, lip.not_certified = "why"} : () -> ()
  return
}
