// The transform script of generated GEMMs (toolchain.md section 3): 8xNTILE
// tiles of C (run.sh sets NTILE: 32, or 16 where N is no multiple of 32),
// K stepped by one, vectorized, the C
// tile hoisted into a loop-carried vector, contractions lowered to outer
// products.
module attributes {transform.with_named_sequence} {
transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
  %mm = transform.structured.match ops{["linalg.matmul"]} in %root : (!transform.any_op) -> !transform.any_op
  %t, %l:3 = transform.structured.tile_using_for %mm tile_sizes [8, NTILE, 1]
      : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
  %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
  %fv = transform.structured.vectorize_children_and_apply_patterns %f : (!transform.any_op) -> !transform.any_op
  transform.apply_patterns to %fv { transform.apply_patterns.canonicalization } : !transform.any_op
  transform.apply_cse to %fv : !transform.any_op
  %loops = transform.structured.match ops{["scf.for"]} in %fv : (!transform.any_op) -> !transform.any_op
  transform.loop.hoist_loop_invariant_subsets %loops : !transform.any_op
  transform.apply_patterns to %fv {
    transform.apply_patterns.vector.lower_contraction lowering_strategy = "outerproduct"
    transform.apply_patterns.vector.lower_outerproduct } : !transform.any_op
  transform.yield } }
