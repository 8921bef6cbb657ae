// Round trip of every lip op: print, parse again, print, and compare.
// RUN: lip-opt %s | lip-opt | FileCheck %s

// CHECK-LABEL: func.func @params
func.func @params() -> (tensor<256x784xf32>, tensor<65x256xf32>) {
  // CHECK: lip.param "mlp.in" <soft_cap, w_max = 1.000000e+00, norm = rms_to_rms> : tensor<256x784xf32>
  %w = lip.param "mlp.in" <soft_cap, w_max = 1.0, norm = rms_to_rms> : tensor<256x784xf32>
  // CHECK: lip.param "embed" <embed_cap, w_max = 2.500000e-01, norm = l1_to_rms> : tensor<65x256xf32>
  %e = lip.param "embed" <embed_cap, w_max = 0.25, norm = l1_to_rms> : tensor<65x256xf32>
  return %w, %e : tensor<256x784xf32>, tensor<65x256xf32>
}

// CHECK-LABEL: func.func @zero_init
func.func @zero_init() -> tensor<65x256xf32> {
  // CHECK: lip.param "head" <soft_cap, w_max = 1.000000e+00, norm = rms_to_rms> zero_init : tensor<65x256xf32>
  %h = lip.param "head" <soft_cap, w_max = 1.0, norm = rms_to_rms> zero_init : tensor<65x256xf32>
  return %h : tensor<65x256xf32>
}

// CHECK-LABEL: func.func @every_method
func.func @every_method() {
  // CHECK: <none,
  %0 = lip.param "a" <none, w_max = 1.0, norm = rms_to_rms> : tensor<4x4xf32>
  // CHECK: <weight_decay,
  %1 = lip.param "b" <weight_decay, w_max = 1.0, norm = rms_to_rms> : tensor<4x4xf32>
  // CHECK: <spectral_normalize,
  %2 = lip.param "c" <spectral_normalize, w_max = 1.0, norm = rms_to_rms> : tensor<4x4xf32>
  // CHECK: <hard_cap,
  %3 = lip.param "d" <hard_cap, w_max = 1.0, norm = rms_to_rms> : tensor<4x4xf32>
  // CHECK: <exact_cap,
  %4 = lip.param "e" <exact_cap, w_max = 1.0, norm = rms_to_rms> : tensor<4x4xf32>
  // CHECK: <spectral_hammer,
  %5 = lip.param "f" <spectral_hammer, w_max = 1.0, norm = rms_to_rms> : tensor<4x4xf32>
  // CHECK: <spectral_weight_decay,
  %6 = lip.param "g" <spectral_weight_decay, w_max = 1.0, norm = rms_to_rms> : tensor<4x4xf32>
  // CHECK: <orthogonal,
  %7 = lip.param "h" <orthogonal, w_max = 1.0, norm = rms_to_rms> : tensor<4x4xf32>
  return
}

// CHECK-LABEL: func.func @layers
func.func @layers(%x: tensor<?x784xf32>, %ids: tensor<2x8xi32>, %w: tensor<256x784xf32>,
                  %e: tensor<65x16xf32>) -> (tensor<?x256xf32>, tensor<2x8x16xf32>) {
  // CHECK: lip.linear %{{.*}}, %{{.*}} : tensor<?x784xf32>, tensor<256x784xf32> -> tensor<?x256xf32>
  %y = lip.linear %x, %w : tensor<?x784xf32>, tensor<256x784xf32> -> tensor<?x256xf32>
  // CHECK: lip.embedding %{{.*}}, %{{.*}} : tensor<2x8xi32>, tensor<65x16xf32> -> tensor<2x8x16xf32>
  %t = lip.embedding %ids, %e : tensor<2x8xi32>, tensor<65x16xf32> -> tensor<2x8x16xf32>
  return %y, %t : tensor<?x256xf32>, tensor<2x8x16xf32>
}

// CHECK-LABEL: func @positions
func.func @positions(%ids: tensor<?x8xi32>, %p: tensor<8x16xf32>) -> tensor<?x8x16xf32> {
  // CHECK: %[[POS:.*]] = lip.positions %{{.*}} : tensor<?x8xi32>
  %pos = lip.positions %ids : tensor<?x8xi32>
  // CHECK: lip.embedding %[[POS]], %{{.*}} : tensor<?x8xi32>, tensor<8x16xf32> -> tensor<?x8x16xf32>
  %e = lip.embedding %pos, %p : tensor<?x8xi32>, tensor<8x16xf32> -> tensor<?x8x16xf32>
  return %e : tensor<?x8x16xf32>
}

// CHECK-LABEL: func.func @activations
func.func @activations(%x: tensor<?x16xf32>) -> tensor<?x16xf32> {
  // CHECK: lip.relu %{{.*}} : tensor<?x16xf32>
  %0 = lip.relu %x : tensor<?x16xf32>
  // CHECK: lip.abs %{{.*}} : tensor<?x16xf32>
  %1 = lip.abs %0 : tensor<?x16xf32>
  // CHECK: lip.maxmin %{{.*}} : tensor<?x16xf32>
  %2 = lip.maxmin %1 : tensor<?x16xf32>
  // CHECK: lip.gelu %{{.*}} scale 0.88581799999999999 : tensor<?x16xf32>
  %3 = lip.gelu %2 scale 0.885818 : tensor<?x16xf32>
  // CHECK: lip.gelu %{{.*}} tanh scale 1.000000e+00 : tensor<?x16xf32>
  %4 = lip.gelu %3 tanh scale 1.0 : tensor<?x16xf32>
  return %4 : tensor<?x16xf32>
}

// CHECK-LABEL: func.func @arithmetic
func.func @arithmetic(%x: tensor<4x16xf32>, %y: tensor<4x16xf32>) -> tensor<4x16xf32> {
  // CHECK: lip.add %{{.*}}, %{{.*}} : tensor<4x16xf32>
  %0 = lip.add %x, %y : tensor<4x16xf32>
  // CHECK: lip.scale %{{.*}} by -5.000000e-01 : tensor<4x16xf32>
  %1 = lip.scale %0 by -0.5 : tensor<4x16xf32>
  // CHECK: lip.residual %{{.*}}, %{{.*}} alpha 0.16666666666666666 : tensor<4x16xf32>
  %2 = lip.residual %x, %1 alpha 0.16666666666666666 : tensor<4x16xf32>
  return %2 : tensor<4x16xf32>
}

// CHECK-LABEL: func.func @attention_block
func.func @attention_block(%x: tensor<?x8x16xf32>) -> (tensor<?x8x16xf32>, tensor<?x16xf32>, tensor<?x128xf32>) {
  // CHECK: lip.split_heads %{{.*}} : tensor<?x8x16xf32> -> tensor<?x8x2x8xf32>
  %h = lip.split_heads %x : tensor<?x8x16xf32> -> tensor<?x8x2x8xf32>
  // CHECK: lip.rope %{{.*}} base 1.000000e+04 : tensor<?x8x2x8xf32>
  %r = lip.rope %h base 10000.0 : tensor<?x8x2x8xf32>
  // CHECK: lip.attention %{{.*}}, %{{.*}}, %{{.*}} causal logit_scale 1.000000e+00 output_factor 0.33333333333333331 : tensor<?x8x2x8xf32>
  %a = lip.attention %r, %r, %h causal logit_scale 1.0 output_factor 0.3333333333333333 : tensor<?x8x2x8xf32>
  // CHECK: lip.attention %{{.*}}, %{{.*}}, %{{.*}} logit_scale 2.000000e+00 output_factor 1.000000e+00 : tensor<?x8x2x8xf32>
  %b = lip.attention %a, %a, %a logit_scale 2.0 output_factor 1.0 : tensor<?x8x2x8xf32>
  // CHECK: lip.merge_heads %{{.*}} : tensor<?x8x2x8xf32> -> tensor<?x8x16xf32>
  %m = lip.merge_heads %b : tensor<?x8x2x8xf32> -> tensor<?x8x16xf32>
  // CHECK: lip.mean_pool %{{.*}} : tensor<?x8x16xf32> -> tensor<?x16xf32>
  %p = lip.mean_pool %m : tensor<?x8x16xf32> -> tensor<?x16xf32>
  // CHECK: lip.flatten %{{.*}} : tensor<?x8x16xf32> -> tensor<?x128xf32>
  %f = lip.flatten %m : tensor<?x8x16xf32> -> tensor<?x128xf32>
  return %m, %p, %f : tensor<?x8x16xf32>, tensor<?x16xf32>, tensor<?x128xf32>
}

// CHECK-LABEL: func.func @concat
func.func @concat(%a: tensor<?x8x16xf32>, %b: tensor<?x8x4xf32>) -> tensor<?x8x20xf32> {
  // CHECK: lip.concat %{{.*}}, %{{.*}} : tensor<?x8x16xf32>, tensor<?x8x4xf32> -> tensor<?x8x20xf32>
  %c = lip.concat %a, %b : tensor<?x8x16xf32>, tensor<?x8x4xf32> -> tensor<?x8x20xf32>
  return %c : tensor<?x8x20xf32>
}

// CHECK-LABEL: func.func @loss
func.func @loss(%z: tensor<?x8x65xf32>, %y: tensor<?x8xi32>) -> tensor<f32> {
  // CHECK: lip.cross_entropy %{{.*}}, %{{.*}} : tensor<?x8x65xf32>, tensor<?x8xi32> -> tensor<f32>
  %l = lip.cross_entropy %z, %y : tensor<?x8x65xf32>, tensor<?x8xi32> -> tensor<f32>
  return %l : tensor<f32>
}

// The attribute the bound pass attaches round-trips too, infinity included.
// CHECK-LABEL: func.func @bound_attr
// CHECK-SAME: lip.result_bound = #lip.bound<factor = 1.500000e+00, lipschitz = 2.000000e+00, rms = inf>
func.func @bound_attr() attributes {lip.result_bound = #lip.bound<factor = 1.5, lipschitz = 2.0, rms = inf>} {
  return
}
