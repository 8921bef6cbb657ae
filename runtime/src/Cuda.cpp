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

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <dlfcn.h>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace cublasabi = liprt::cublas_abi;

namespace {
using CUresult = int;
using CUdevice = int;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUdeviceptr = unsigned long long;
constexpr CUresult kSuccess = 0;
constexpr int kJitErrorLogBuffer = 5, kJitErrorLogBufferSize = 6, kJitOptimizationLevel = 7;
constexpr unsigned kAttachGlobal = 1;

/// The driver's entry points, resolved from libcuda.so.1.
struct Driver {
  CUresult (*init)(unsigned);
  CUresult (*deviceGetCount)(int *);
  CUresult (*deviceGet)(CUdevice *, int);
  CUresult (*deviceGetName)(char *, int, CUdevice);
  CUresult (*primaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*ctxSetCurrent)(CUcontext);
  CUresult (*moduleLoadDataEx)(CUmodule *, const void *, unsigned, int *, void **);
  CUresult (*moduleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*launchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                           unsigned, CUstream, void **, void **);
  CUresult (*streamCreate)(CUstream *, unsigned);
  CUresult (*streamSynchronize)(CUstream);
  CUresult (*memAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*memFree)(CUdeviceptr);
  CUresult (*getErrorString)(CUresult, const char **);
  CUresult (*pointerGetAttribute)(void *, int, CUdeviceptr);
};

/// cuBLAS's entry points, resolved from libcublas when first needed.
struct Blas {
  bool tried = false;
  cublasabi::Handle handle = nullptr;
  cublasabi::Create create;
  cublasabi::SetStream setStream;
  cublasabi::Sgemm sgemm;
  cublasabi::GemmEx gemmEx;
};
constexpr int kPointerIsManaged = 8;

struct State {
  Driver driver{};
  int ordinal = 0; // the device to run on (selectDevice)
  liprt::cuda::Availability availability;
  CUstream stream = nullptr;
  std::map<const void *, CUmodule> modules;
  std::map<std::pair<CUmodule, std::string>, CUfunction> functions;
  std::string error;
  bool managedInUse = false; // a GPU step has allocated: products may be on the device
  Blas blas;
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
  resolve(d.moduleGetFunction, "cuModuleGetFunction");
  resolve(d.launchKernel, "cuLaunchKernel");
  resolve(d.streamCreate, "cuStreamCreate");
  resolve(d.streamSynchronize, "cuStreamSynchronize");
  resolve(d.memAllocManaged, "cuMemAllocManaged");
  resolve(d.memFree, "cuMemFree_v2");
  resolve(d.getErrorString, "cuGetErrorString");
  resolve(d.pointerGetAttribute, "cuPointerGetAttribute");
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

namespace {
bool isManaged(const void *pointer) {
  unsigned value = 0;
  return state().driver.pointerGetAttribute(&value, kPointerIsManaged,
                                            reinterpret_cast<CUdeviceptr>(pointer)) == kSuccess &&
         value;
}

/// cuBLAS with a handle on the step's stream; null when it cannot be had
/// (the products then stay on the CPU, over managed memory).
Blas *cublas() {
  Blas &b = state().blas;
  if (!b.tried) {
    b.tried = true;
    std::string why;
    void *library = liprt::openCudaLibrary({"libcublas.so.13", "libcublas.so.12"}, why);
    if (!library)
      return nullptr;
    liprt::Symbols resolve(library);
    resolve(b.create, "cublasCreate_v2");
    resolve(b.setStream, "cublasSetStream_v2");
    resolve(b.sgemm, "cublasSgemm_v2");
    resolve(b.gemmEx, "cublasGemmEx");
    cublasabi::Handle handle = nullptr;
    if (resolve.firstMissing().empty() && b.create(&handle) == cublasabi::kSuccess &&
        b.setStream(handle, state().stream) == cublasabi::kSuccess)
      b.handle = handle;
  }
  return b.handle ? &b : nullptr;
}
} // namespace

bool liprt::cuda::sgemm(bool transposeA, bool transposeB, int64_t m, int64_t n, int64_t k, const float *a,
                        int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc,
                        bool bf16) {
  if (!state().managedInUse || !isManaged(a) || !isManaged(b) || !isManaged(c))
    return false;
  Blas *blas = cublas();
  if (!blas || !ready("a matrix product"))
    return false;
  // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T.
  const float one = 1.0f;
  const int opA = transposeB ? cublasabi::kOpT : cublasabi::kOpN;
  const int opB = transposeA ? cublasabi::kOpT : cublasabi::kOpN;
  const int rows = static_cast<int>(n), columns = static_cast<int>(m), inner = static_cast<int>(k);
  const int ldA = static_cast<int>(ldb), ldB = static_cast<int>(lda), ldC = static_cast<int>(ldc);
  // bf16: float32 in memory, operands rounded to bf16 for the tensor cores,
  // sums in float32.
  cublasabi::Status status =
      bf16 ? blas->gemmEx(blas->handle, opA, opB, rows, columns, inner, &one, b, cublasabi::kFloat32, ldA, a,
                          cublasabi::kFloat32, ldB, &beta, c, cublasabi::kFloat32, ldC,
                          cublasabi::kCompute32fFast16bf, cublasabi::kDefaultAlgorithm)
           : blas->sgemm(blas->handle, opA, opB, rows, columns, inner, &one, b, ldA, a, ldB, &beta, c, ldC);
  if (status != cublasabi::kSuccess && state().error.empty())
    state().error = std::string(bf16 ? "cublasGemmEx (bf16)" : "cublasSgemm") + " failed with status " +
                    std::to_string(status);
  failed(state().driver.streamSynchronize(state().stream), "cuStreamSynchronize");
  return true;
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

void mgpuStreamSynchronize(void *stream) {
  if (stream && ready("synchronizing"))
    failed(state().driver.streamSynchronize(static_cast<CUstream>(stream)), "cuStreamSynchronize");
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY, intptr_t gridZ, intptr_t blockX,
                      intptr_t blockY, intptr_t blockZ, int32_t sharedBytes, void *stream, void **params,
                      void **extra, size_t) {
  if (!function || !ready("launching a kernel"))
    return;
  if (gridX == 0 || gridY == 0 || gridZ == 0)
    return; // an empty batch: nothing to run (the driver would reject the grid)
  failed(state().driver.launchKernel(static_cast<CUfunction>(function), gridX, gridY, gridZ, blockX, blockY,
                                     blockZ, sharedBytes, static_cast<CUstream>(stream), params, extra),
         "cuLaunchKernel");
}

void *mgpuMemAlloc(uint64_t bytes, void *, bool) {
  if (!ready("allocating device memory"))
    return nullptr;
  CUdeviceptr pointer = 0;
  if (failed(state().driver.memAllocManaged(&pointer, bytes ? bytes : 1, kAttachGlobal), "cuMemAllocManaged"))
    return nullptr;
  state().managedInUse = true;
  return reinterpret_cast<void *>(pointer);
}

void mgpuMemFree(void *pointer, void *) {
  if (pointer && liprt::cuda::probe().usable)
    failed(state().driver.memFree(reinterpret_cast<CUdeviceptr>(pointer)), "cuMemFree");
}
}

void *liprt::cuda::allocate(size_t bytes) { return mgpuMemAlloc(bytes, nullptr, true); }

void liprt::cuda::release(void *pointer) { mgpuMemFree(pointer, nullptr); }
