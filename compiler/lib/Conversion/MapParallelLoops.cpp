//===- MapParallelLoops.cpp - Parallel loops as blocks of GPU threads -----===//
//
// -lip-map-parallel-loops: each outermost parallel loop of the GPU step is
// tiled into blocks of `block-threads` threads and mapped to the GPU's grid
// and threads with its innermost dimension across consecutive threads: the
// threads of a warp then read and write consecutive elements of a row-major
// buffer (coalesced accesses). Upstream's tiling and greedy mapping (MLIR
// 19) put the outermost dimension on threadIdx.x, so a warp of an
// elementwise kernel touched 16 rows two elements each, and a 1-d loop ran
// blocks of 16 threads.
//
//===----------------------------------------------------------------------===//

#include "lipc/Conversion/Passes.h"

#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"

namespace mlir::lip {
#define GEN_PASS_DEF_MAPPARALLELLOOPS
#include "lipc/Conversion/Passes.h.inc"
} // namespace mlir::lip

using namespace mlir;

namespace {
using gpu::Processor;

/// Maps the dimensions of `loop` to `processors` by position.
void mapTo(scf::ParallelOp loop, ArrayRef<Processor> processors) {
  MLIRContext *context = loop.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(1, context);
  SmallVector<gpu::ParallelLoopDimMappingAttr> mapping;
  for (Processor processor : processors)
    mapping.push_back(gpu::ParallelLoopDimMappingAttr::get(context, processor, identity, identity));
  (void)gpu::setMappingAttr(loop, mapping);
}

/// The grid's processors for a loop of `n` dimensions: the outermost
/// dimension on x (up to 2^31 - 1 blocks: the batch's rows), the innermost
/// on y and the next on z (up to 65535 blocks each, after their tiles of a
/// warp and of block-threads / inner-threads), any other sequential in the
/// kernel.
SmallVector<Processor> gridProcessors(unsigned n) {
  SmallVector<Processor> processors(n, Processor::Sequential);
  processors[0] = Processor::BlockX;
  if (n >= 2)
    processors[n - 1] = Processor::BlockY;
  if (n >= 3)
    processors[n - 2] = Processor::BlockZ;
  return processors;
}

/// The threads' processors: the innermost dimension on x (consecutive
/// threads of a warp), the next on y; the others have tiles of one.
SmallVector<Processor> threadProcessors(unsigned n) {
  SmallVector<Processor> processors(n, Processor::Sequential);
  processors[n - 1] = Processor::ThreadX;
  if (n >= 2)
    processors[n - 2] = Processor::ThreadY;
  return processors;
}

struct MapParallelLoops : lip::impl::MapParallelLoopsBase<MapParallelLoops> {
  using MapParallelLoopsBase::MapParallelLoopsBase;

  void runOnOperation() override {
    if (blockThreads < 1 || blockThreads > 1024 || innerThreads < 1 || blockThreads % innerThreads != 0) {
      getOperation().emitError("-lip-map-parallel-loops: block-threads must be 1 to 1024 and a multiple of "
                               "inner-threads");
      return signalPassFailure();
    }
    SmallVector<scf::ParallelOp> outermost;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>())
        outermost.push_back(loop);
    });
    for (scf::ParallelOp loop : outermost) {
      unsigned n = loop.getNumLoops();
      SmallVector<int64_t> tiles(n, 1);
      tiles[n - 1] = n == 1 ? blockThreads : innerThreads;
      if (n >= 2)
        tiles[n - 2] = blockThreads / innerThreads;
      auto [grid, block] = scf::tileParallelLoop(loop, tiles, /*noMinMaxBounds=*/true);
      mapTo(grid, gridProcessors(n));
      mapTo(block, threadProcessors(n));
      // Loops nested in the block's run in each thread.
      block.getBody()->walk([](scf::ParallelOp nested) {
        mapTo(nested, SmallVector<Processor>(nested.getNumLoops(), Processor::Sequential));
      });
    }
  }
};
} // namespace
