# The LLVM IR function definitions of a module except lipc's packed entry
# points (lipc_*), with attribute group references dropped and the
# bufferized constants' globals unnumbered (their numbers follow the order
# in which a module was built or parsed): what lipc --emit=llvm and
# lip-opt's lip-lower-to-llvm pipeline must agree on.
/^define/ { keep = ($0 !~ /@lipc_/) }
/^define/, /^}/ {
  if (keep) {
    gsub(/ #[0-9]+/, "")
    gsub(/@__constant_[0-9a-z]+(_[0-9]+)?/, "@__constant")
    print
  }
}
