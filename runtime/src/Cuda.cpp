//===- Cuda.cpp - The CUDA driver, loaded at run time ---------------------===//
//
// liprt/Cuda.h. The driver API is declared here, not taken from cuda.h: the
// few entry points used are a stable C ABI, and the runtime then builds
// without a CUDA toolkit. Errors inside a step are recorded (the first one
// wins) and later GPU calls of the step become no-ops, so the step returns
// and the caller reports the error. A compiled step calls these from the
// thread that runs it; the caches are not shared across threads.
//
//===----------------------------------------------------------------------===//

#include "liprt/Cuda.h"

#include "CublasAbi.h"
#include "SharedLibrary.h"

#include "liprt/BlockCache.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <dlfcn.h>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace cublasabi = liprt::cublas_abi;

namespace {
using CUresult = int;
using CUdevice = int;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUdeviceptr = unsigned long long;
using CUgraph = struct CUgraph_st *;
using CUgraphExec = struct CUgraphExec_st *;
constexpr CUresult kSuccess = 0;
/// CU_STREAM_CAPTURE_MODE_RELAXED: the step's host code may allocate (a
/// block the cache lacks) and load modules while its work is recorded.
constexpr int kCaptureModeRelaxed = 2;
constexpr int kJitErrorLogBuffer = 5, kJitErrorLogBufferSize = 6, kJitOptimizationLevel = 7;

/// The driver's entry points, resolved from libcuda.so.1.
struct Driver {
  CUresult (*init)(unsigned);
  CUresult (*deviceGetCount)(int *);
  CUresult (*deviceGet)(CUdevice *, int);
  CUresult (*deviceGetName)(char *, int, CUdevice);
  CUresult (*primaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*ctxSetCurrent)(CUcontext);
  CUresult (*moduleLoadDataEx)(CUmodule *, const void *, unsigned, int *, void **);
  CUresult (*moduleLoadData)(CUmodule *, const void *);
  CUresult (*moduleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*launchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                           unsigned, CUstream, void **, void **);
  CUresult (*streamCreate)(CUstream *, unsigned);
  CUresult (*streamSynchronize)(CUstream);
  CUresult (*memAlloc)(CUdeviceptr *, size_t);
  CUresult (*memFree)(CUdeviceptr);
  CUresult (*memcpyHtoDAsync)(CUdeviceptr, const void *, size_t, CUstream);
  CUresult (*memcpyDtoHAsync)(void *, CUdeviceptr, size_t, CUstream);
  CUresult (*memcpyDtoDAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*getErrorString)(CUresult, const char **);
  CUresult (*pointerGetAttribute)(void *, int, CUdeviceptr);
  CUresult (*streamBeginCapture)(CUstream, int);
  CUresult (*streamEndCapture)(CUstream, CUgraph *);
  CUresult (*graphInstantiate)(CUgraphExec *, CUgraph, unsigned long long);
  CUresult (*graphLaunch)(CUgraphExec, CUstream);
  CUresult (*graphExecDestroy)(CUgraphExec);
  CUresult (*graphDestroy)(CUgraph);
};

/// A step recorded by beginCapture/endCapture, with the blocks its work
/// uses that the capture released (the cache must not hand them out).
struct Graph {
  CUgraph graph = nullptr;
  CUgraphExec exec = nullptr;
  std::vector<void *> blocks;
};

/// cuBLAS's entry points, resolved from libcublas when first needed.
struct Blas {
  bool tried = false;
  cublasabi::Handle handle = nullptr;
  cublasabi::Create create;
  cublasabi::SetStream setStream;
  cublasabi::SgemmStridedBatched sgemmStridedBatched;
  cublasabi::GemmStridedBatchedEx gemmStridedBatchedEx;
  cublasabi::SetWorkspace setWorkspace;
};
/// cuBLAS's workspace on Hopper (its guide's size): given up front, so that
/// a product recorded in a graph needs no allocation of its own.
constexpr size_t kBlasWorkspaceBytes = size_t(32) << 20;
constexpr int kPointerMemoryType = 2, kMemoryTypeDevice = 2;

struct State {
  Driver driver{};
  int ordinal = 0; // the device to run on (selectDevice)
  liprt::cuda::Availability availability;
  CUstream stream = nullptr;
  std::map<const void *, CUmodule> modules;
  std::map<std::pair<CUmodule, std::string>, CUfunction> functions;
  std::string error;
  bool allocated = false; // device memory was handed out: products may be on the device
  bool capturing = false;  // between beginCapture and endCapture
  std::set<void *> captureBlocks; // the blocks handed out while capturing
  Blas blas;
  std::string blasMissing; // why cuBLAS could not be had, once tried
};

State &state() {
  static State s;
  return s;
}

std::string describe(CUresult code) {
  const char *text = nullptr;
  if (state().driver.getErrorString)
    state().driver.getErrorString(code, &text);
  return "CUDA error " + std::to_string(code) + (text ? std::string(" (") + text + ")" : "");
}

/// Loads and initializes the driver; the reason when that fails.
std::string load(State &s) {
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return "libcuda.so.1 not found (no NVIDIA driver)";
  Driver &d = s.driver;
  liprt::Symbols resolve(library);
  resolve(d.init, "cuInit");
  resolve(d.deviceGetCount, "cuDeviceGetCount");
  resolve(d.deviceGet, "cuDeviceGet");
  resolve(d.deviceGetName, "cuDeviceGetName");
  resolve(d.primaryCtxRetain, "cuDevicePrimaryCtxRetain");
  resolve(d.ctxSetCurrent, "cuCtxSetCurrent");
  resolve(d.moduleLoadDataEx, "cuModuleLoadDataEx");
  resolve(d.moduleLoadData, "cuModuleLoadData");
  resolve(d.moduleGetFunction, "cuModuleGetFunction");
  resolve(d.launchKernel, "cuLaunchKernel");
  resolve(d.streamCreate, "cuStreamCreate");
  resolve(d.streamSynchronize, "cuStreamSynchronize");
  resolve(d.memAlloc, "cuMemAlloc_v2");
  resolve(d.memFree, "cuMemFree_v2");
  resolve(d.memcpyHtoDAsync, "cuMemcpyHtoDAsync_v2");
  resolve(d.memcpyDtoHAsync, "cuMemcpyDtoHAsync_v2");
  resolve(d.memcpyDtoDAsync, "cuMemcpyDtoDAsync_v2");
  resolve(d.getErrorString, "cuGetErrorString");
  resolve(d.pointerGetAttribute, "cuPointerGetAttribute");
  resolve(d.streamBeginCapture, "cuStreamBeginCapture_v2");
  resolve(d.streamEndCapture, "cuStreamEndCapture");
  resolve(d.graphInstantiate, "cuGraphInstantiateWithFlags");
  resolve(d.graphLaunch, "cuGraphLaunch");
  resolve(d.graphExecDestroy, "cuGraphExecDestroy");
  resolve(d.graphDestroy, "cuGraphDestroy");
  if (!resolve.firstMissing().empty())
    return "libcuda.so.1 lacks " + resolve.firstMissing() + " (driver too old)";
  if (CUresult r = d.init(0); r != kSuccess)
    return "cuInit failed: " + describe(r);
  int count = 0;
  if (CUresult r = d.deviceGetCount(&count); r != kSuccess || count == 0)
    return "no CUDA device";
  if (s.ordinal >= count)
    return "CUDA device " + std::to_string(s.ordinal) + " wanted (one per rank on a machine), but there " +
           (count == 1 ? "is 1" : "are " + std::to_string(count));
  CUdevice device;
  CUcontext context;
  char name[256] = {};
  if (CUresult r = d.deviceGet(&device, s.ordinal); r != kSuccess)
    return "cuDeviceGet failed: " + describe(r);
  d.deviceGetName(name, sizeof(name) - 1, device);
  if (CUresult r = d.primaryCtxRetain(&context, device); r != kSuccess)
    return "cannot create a context on " + std::string(name) + ": " + describe(r);
  if (CUresult r = d.ctxSetCurrent(context); r != kSuccess)
    return "cuCtxSetCurrent failed: " + describe(r);
  if (CUresult r = d.streamCreate(&s.stream, 0); r != kSuccess)
    return "cuStreamCreate failed: " + describe(r);
  s.availability.device = name;
  return "";
}

/// Records the first error of a step; true when `r` is one.
bool failed(CUresult r, const char *what) {
  if (r == kSuccess)
    return false;
  State &s = state();
  if (s.error.empty())
    s.error = std::string(what) + ": " + describe(r);
  return true;
}

/// Whether GPU calls may proceed: a usable device and no error yet.
bool ready(const char *what) {
  State &s = state();
  if (!liprt::cuda::probe().usable) {
    if (s.error.empty())
      s.error = std::string(what) + " without a usable GPU: " + s.availability.reason;
    return false;
  }
  return s.error.empty();
}
} // namespace

bool liprt::cuda::onDevice(const void *pointer) {
  if (!probe().usable)
    return false;
  unsigned type = 0;
  return state().driver.pointerGetAttribute(&type, kPointerMemoryType, reinterpret_cast<CUdeviceptr>(pointer)) ==
             kSuccess &&
         type == kMemoryTypeDevice;
}

void liprt::cuda::recordError(const std::string &message) {
  if (state().error.empty())
    state().error = message;
}

namespace {

/// cuBLAS with a handle on the step's stream; null, with the reason in
/// blasMissing, when it cannot be had.
Blas *cublas() {
  Blas &b = state().blas;
  if (!b.tried) {
    b.tried = true;
    std::string why;
    void *library = liprt::openCudaLibrary({"libcublas.so.13", "libcublas.so.12"}, why);
    if (!library) {
      state().blasMissing = "cuBLAS not found (libcublas.so.13 or .12): " + why;
      return nullptr;
    }
    liprt::Symbols resolve(library);
    resolve(b.create, "cublasCreate_v2");
    resolve(b.setStream, "cublasSetStream_v2");
    resolve(b.sgemmStridedBatched, "cublasSgemmStridedBatched");
    resolve(b.gemmStridedBatchedEx, "cublasGemmStridedBatchedEx");
    resolve(b.setWorkspace, "cublasSetWorkspace_v2");
    cublasabi::Handle handle = nullptr;
    CUdeviceptr workspace = 0;
    if (!resolve.firstMissing().empty())
      state().blasMissing = "cuBLAS lacks " + resolve.firstMissing();
    else if (b.create(&handle) != cublasabi::kSuccess || b.setStream(handle, state().stream) != cublasabi::kSuccess)
      state().blasMissing = "cuBLAS could not make a handle on the step's stream";
    else if (state().driver.memAlloc(&workspace, kBlasWorkspaceBytes) != kSuccess ||
             b.setWorkspace(handle, reinterpret_cast<void *>(workspace), kBlasWorkspaceBytes) !=
                 cublasabi::kSuccess)
      state().blasMissing = "cuBLAS could not take a workspace of " +
                            std::to_string(kBlasWorkspaceBytes >> 20) + " MiB of device memory";
    else
      b.handle = handle;
  }
  return b.handle ? &b : nullptr;
}

/// The device memory a GPU step's buffers come from: freed blocks wait for
/// the next step (cuMemFree would wait for the whole device every time).
/// A failed cuMemAlloc is not recorded here: the cache then gives back its
/// blocks and asks again, and only a request that still fails is an error
/// (mgpuMemAlloc). The cache lives as long as the process and is never
/// destroyed: at exit the driver may already be gone.
liprt::BlockCache &deviceBlocks() {
  static auto *cache = new liprt::BlockCache({[](size_t bytes) -> void * {
                                                CUdeviceptr pointer = 0;
                                                if (state().driver.memAlloc(&pointer, bytes) != kSuccess)
                                                  return nullptr;
                                                return reinterpret_cast<void *>(pointer);
                                              },
                                              [](void *block) {
                                                failed(state().driver.memFree(
                                                           reinterpret_cast<CUdeviceptr>(block)),
                                                       "cuMemFree");
                                              }});
  return *cache;
}
} // namespace

bool liprt::cuda::sgemm(bool transposeA, bool transposeB, int64_t m, int64_t n, int64_t k, const float *a,
                        int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc,
                        lipc::abi::ProductPrecision precision) {
  return sgemmBatched(transposeA, transposeB, m, n, k, a, lda, 0, b, ldb, 0, beta, c, ldc, 0, 1, precision);
}

bool liprt::cuda::sgemmBatched(bool transposeA, bool transposeB, int64_t m, int64_t n, int64_t k, const float *a,
                               int64_t lda, int64_t strideA, const float *b, int64_t ldb, int64_t strideB,
                               float beta, float *c, int64_t ldc, int64_t strideC, int64_t batch,
                               lipc::abi::ProductPrecision precision) {
  if (!state().allocated || !onDevice(a) || !onDevice(b) || !onDevice(c))
    return false;
  if (!ready("a matrix product"))
    return true;
  if (static_cast<size_t>(precision) >= lipc::abi::kPrecisionNames.size()) {
    recordError("a matrix product asked for an unknown precision " + std::to_string(static_cast<int>(precision)));
    return true;
  }
  // From here on the operands are device memory, which the CPU cannot read:
  // without cuBLAS the product fails rather than falls back.
  Blas *blas = cublas();
  if (!blas) {
    if (state().error.empty())
      state().error = "a matrix product on the GPU: " + state().blasMissing;
    return true;
  }
  // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T.
  const float one = 1.0f;
  const int opA = transposeB ? cublasabi::kOpT : cublasabi::kOpN;
  const int opB = transposeA ? cublasabi::kOpT : cublasabi::kOpN;
  const int rows = static_cast<int>(n), columns = static_cast<int>(m), inner = static_cast<int>(k);
  const int ldA = static_cast<int>(ldb), ldB = static_cast<int>(lda), ldC = static_cast<int>(ldc);
  const int count = static_cast<int>(batch);
  // bf16 or tf32: float32 in memory, operands rounded for the tensor cores,
  // sums in float32.
  using lipc::abi::ProductPrecision;
  cublasabi::Status status =
      precision == ProductPrecision::Fp32
          ? blas->sgemmStridedBatched(blas->handle, opA, opB, rows, columns, inner, &one, b, ldA, strideB, a, ldB,
                                      strideA, &beta, c, ldC, strideC, count)
          : blas->gemmStridedBatchedEx(blas->handle, opA, opB, rows, columns, inner, &one, b, cublasabi::kFloat32,
                                       ldA, strideB, a, cublasabi::kFloat32, ldB, strideA, &beta, c,
                                       cublasabi::kFloat32, ldC, strideC, count,
                                       precision == ProductPrecision::Bf16 ? cublasabi::kCompute32fFast16bf
                                                                           : cublasabi::kCompute32fFastTf32,
                                       cublasabi::kDefaultAlgorithm);
  if (status != cublasabi::kSuccess && state().error.empty())
    state().error = (precision == ProductPrecision::Fp32
                         ? std::string("cublasSgemmStridedBatched")
                         : "cublasGemmStridedBatchedEx (" +
                               std::string(lipc::abi::kPrecisionNames[static_cast<size_t>(precision)]) + ")") +
                    " failed with status " + std::to_string(status);
  // No wait: the product is queued on the step's stream, where the kernels
  // that read C follow it; the host code reads no buffer.
  return true;
}

liprt::Status liprt::cuda::loadBlas() {
  if (!probe().usable)
    return Status::error("no usable GPU: " + probe().reason);
  if (!cublas())
    return Status::error(state().blasMissing);
  return Status::ok();
}

void liprt::cuda::selectDevice(int ordinal) { state().ordinal = ordinal; }

void *liprt::cuda::stream() { return state().stream; }

const liprt::cuda::Availability &liprt::cuda::probe() {
  static std::once_flag once;
  std::call_once(once, [] {
    State &s = state();
    s.availability.reason = load(s);
    s.availability.usable = s.availability.reason.empty();
  });
  return state().availability;
}

liprt::Status liprt::cuda::takeError() {
  State &s = state();
  if (s.error.empty())
    return Status::ok();
  return Status::error(std::exchange(s.error, ""));
}

liprt::Status liprt::cuda::synchronize() {
  if (ready("synchronize"))
    failed(state().driver.streamSynchronize(state().stream), "cuStreamSynchronize");
  return takeError();
}

// The entry points MLIR 19's gpu-to-llvm host code calls.
extern "C" {
void *mgpuModuleLoadJIT(void *ptx, int optLevel) {
  if (!ready("loading a kernel module"))
    return nullptr;
  State &s = state();
  if (auto it = s.modules.find(ptx); it != s.modules.end())
    return it->second;
  char log[4096] = {};
  int options[] = {kJitOptimizationLevel, kJitErrorLogBuffer, kJitErrorLogBufferSize};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel)), log,
                    reinterpret_cast<void *>(static_cast<intptr_t>(sizeof(log) - 1))};
  CUmodule module = nullptr;
  if (failed(s.driver.moduleLoadDataEx(&module, ptx, 3, options, values), "JIT-compiling a kernel module")) {
    if (log[0])
      s.error += std::string(": ") + log;
    return nullptr;
  }
  s.modules[ptx] = module;
  return module;
}

// A fatbinary (lipc compile --gpu with ptxas): the driver takes the machine
// code for this GPU, or compiles the PTX beside it for a later one.
void *mgpuModuleLoad(void *data, size_t) {
  if (!ready("loading a kernel module"))
    return nullptr;
  State &s = state();
  if (auto it = s.modules.find(data); it != s.modules.end())
    return it->second;
  CUmodule module = nullptr;
  if (failed(s.driver.moduleLoadData(&module, data), "loading a kernel module (fatbinary)"))
    return nullptr;
  s.modules[data] = module;
  return module;
}

// Modules stay loaded for the process: the next launch reuses them.
void mgpuModuleUnload(void *) {}

void *mgpuModuleGetFunction(void *module, const char *name) {
  if (!module || !ready("looking up a kernel"))
    return nullptr;
  State &s = state();
  auto key = std::make_pair(static_cast<CUmodule>(module), std::string(name));
  if (auto it = s.functions.find(key); it != s.functions.end())
    return it->second;
  CUfunction function = nullptr;
  if (failed(s.driver.moduleGetFunction(&function, key.first, name), "cuModuleGetFunction"))
    return nullptr;
  s.functions[key] = function;
  return function;
}

// One stream for every launch: creating one per launch, as the host code
// asks, would cost a driver call each.
void *mgpuStreamCreate() { return ready("creating a stream") ? state().stream : nullptr; }
void mgpuStreamDestroy(void *) {}

// MLIR's host code waits after every launch; lipc's steps leave no host
// code that reads a buffer, so the launches stay queued on the one stream and
// the runtime waits once, after the step (synchronize).
void mgpuStreamSynchronize(void *) {}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY, intptr_t gridZ, intptr_t blockX,
                      intptr_t blockY, intptr_t blockZ, int32_t sharedBytes, void *stream, void **params,
                      void **extra, size_t) {
  if (!function || !ready("launching a kernel"))
    return;
  if (gridX == 0 || gridY == 0 || gridZ == 0)
    return; // an empty batch: nothing to run (the driver would reject the grid)
  constexpr intptr_t kMaxGridX = 2147483647, kMaxGridYZ = 65535;
  if (gridX > kMaxGridX || gridY > kMaxGridYZ || gridZ > kMaxGridYZ) {
    liprt::cuda::recordError("a kernel's grid of " + std::to_string(gridX) + " x " + std::to_string(gridY) + " x " +
                             std::to_string(gridZ) + " blocks exceeds the GPU's limits (2^31 - 1 x 65535 x 65535): "
                             "a dimension of the step is too large for the GPU path");
    return;
  }
  failed(state().driver.launchKernel(static_cast<CUfunction>(function), gridX, gridY, gridZ, blockX, blockY,
                                     blockZ, sharedBytes, static_cast<CUstream>(stream), params, extra),
         "cuLaunchKernel");
}

void *mgpuMemAlloc(uint64_t bytes, void *, bool hostShared) {
  if (!ready("allocating device memory"))
    return nullptr;
  if (hostShared) {
    state().error = "a GPU step asked for managed memory; lipc's steps allocate device memory only";
    return nullptr;
  }
  // While a graph is recorded, the cached blocks may be the recorded work's:
  // they are not given back (the recording then fails and the step runs
  // without it).
  void *block = deviceBlocks().allocate(bytes, /*mayTrim=*/!state().capturing);
  if (!block && state().error.empty())
    state().error = "no device memory left for " + std::to_string(bytes) + " bytes";
  state().allocated = state().allocated || block;
  if (block && state().capturing)
    state().captureBlocks.insert(block);
  return block;
}

// The block waits for the next request of its size: a later kernel that
// reuses it runs after every earlier one on the same stream.
void mgpuMemFree(void *pointer, void *) {
  if (pointer && liprt::cuda::probe().usable)
    deviceBlocks().release(pointer);
}
}

void *liprt::cuda::allocate(size_t bytes) { return mgpuMemAlloc(bytes, nullptr, false); }

void liprt::cuda::release(void *pointer) { mgpuMemFree(pointer, nullptr); }

void liprt::cuda::copyToDevice(void *device, const void *host, size_t bytes) {
  if (bytes && ready("copying to the GPU"))
    failed(state().driver.memcpyHtoDAsync(reinterpret_cast<CUdeviceptr>(device), host, bytes, state().stream),
           "cuMemcpyHtoDAsync");
}

void liprt::cuda::copyToHost(void *host, const void *device, size_t bytes) {
  if (bytes && ready("copying from the GPU") &&
      !failed(state().driver.memcpyDtoHAsync(host, reinterpret_cast<CUdeviceptr>(device), bytes, state().stream),
              "cuMemcpyDtoHAsync"))
    failed(state().driver.streamSynchronize(state().stream), "cuStreamSynchronize");
}

void liprt::cuda::copyOnDevice(void *to, const void *from, size_t bytes) {
  if (bytes && ready("copying on the GPU"))
    failed(state().driver.memcpyDtoDAsync(reinterpret_cast<CUdeviceptr>(to), reinterpret_cast<CUdeviceptr>(from),
                                          bytes, state().stream),
           "cuMemcpyDtoDAsync");
}

bool liprt::cuda::beginCapture() {
  State &s = state();
  if (!ready("capturing a graph") ||
      failed(s.driver.streamBeginCapture(s.stream, kCaptureModeRelaxed), "cuStreamBeginCapture"))
    return false;
  s.capturing = true;
  s.captureBlocks.clear();
  return true;
}

void *liprt::cuda::endCapture(std::string &why) {
  State &s = state();
  s.capturing = false;
  CUgraph graph = nullptr;
  failed(s.driver.streamEndCapture(s.stream, &graph), "cuStreamEndCapture");
  CUgraphExec exec = nullptr;
  if (s.error.empty() && graph)
    failed(s.driver.graphInstantiate(&exec, graph, 0), "cuGraphInstantiate");
  if (!s.error.empty() || !exec) {
    if (graph)
      s.driver.graphDestroy(graph);
    why = s.error.empty() ? "the capture recorded no graph" : takeError().message();
    return nullptr;
  }
  auto *recorded = new Graph{graph, exec, {}};
  for (void *block : s.captureBlocks)
    if (deviceBlocks().claim(block))
      recorded->blocks.push_back(block);
  s.captureBlocks.clear();
  return recorded;
}

bool liprt::cuda::launchGraph(void *graph) {
  return graph && ready("launching the step's graph") &&
         !failed(state().driver.graphLaunch(static_cast<Graph *>(graph)->exec, state().stream), "cuGraphLaunch");
}

void liprt::cuda::dropGraph(void *graph) {
  auto *recorded = static_cast<Graph *>(graph);
  if (!recorded)
    return;
  State &s = state();
  // Its launches finish first: its work still uses the blocks.
  failed(s.driver.streamSynchronize(s.stream), "cuStreamSynchronize");
  s.driver.graphExecDestroy(recorded->exec);
  s.driver.graphDestroy(recorded->graph);
  for (void *block : recorded->blocks)
    deviceBlocks().release(block);
  delete recorded;
}
