//===- OneDnn.cpp - Matrix products through oneDNN, loaded at run time -----===//
//
// liprt/OneDnn.h. The types come from oneDNN 2's C header (Debian's
// libdnnl-dev); the entry points are resolved from libdnnl.so.2 with dlsym,
// so nothing links it. Its OpenMP calls land in libomp (linked into every
// binary, it provides the GNU entry points), the same threads as the
// step's loops and OpenBLAS. A product called by the thread that runs the
// step gets a primitive for all the threads; one called inside a parallel
// region (the attention kernels' per-head products) gets a single-threaded
// primitive, created with that thread's OpenMP thread count at 1 (oneDNN
// runs nested calls on one thread, and its kernels split their work by the
// count they were created for). Each OpenMP thread has its own stream and
// scratchpad (the primitives' scratchpads are the caller's: user mode), so
// the threads of a region run products at once; the cache is locked.
//
//===----------------------------------------------------------------------===//

#include "liprt/OneDnn.h"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <map>
#include <mutex>
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>
#include <tuple>
#include <vector>

namespace {
/// oneDNN's entry points this file calls, typed from its header.
struct Api {
#define LIPRT_DNNL_ENTRY(name) decltype(&::dnnl_##name) name = nullptr;
#define LIPRT_DNNL_ENTRIES(X)                                                                      \
  X(engine_create) X(stream_create) X(stream_wait) X(memory_desc_init_by_strides)                 \
  X(matmul_desc_init) X(primitive_attr_create) X(primitive_attr_destroy) X(post_ops_create)        \
  X(post_ops_destroy) X(post_ops_append_sum) X(primitive_attr_set_post_ops)                        \
  X(primitive_desc_create) X(primitive_desc_destroy) X(primitive_desc_query)                      \
  X(primitive_desc_query_md) X(primitive_attr_set_scratchpad_mode)                                \
  X(primitive_attr_set_output_scales) X(memory_desc_get_size) X(primitive_create)                 \
  X(primitive_execute) X(memory_create) X(memory_destroy) X(version)
  LIPRT_DNNL_ENTRIES(LIPRT_DNNL_ENTRY)
#undef LIPRT_DNNL_ENTRY
};

/// A product's shape, scale, accumulation and thread count: the primitive
/// depends on all of it.
using Shape = std::tuple<bool, bool, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, float,
                         bool, int>;

struct Primitive {
  dnnl_primitive_t primitive = nullptr;
  dnnl_memory_desc_t a{}, b{}, c{}, scratchpad{};
  size_t scratchpadBytes = 0;
};

/// What one OpenMP thread runs its products with.
struct Lane {
  dnnl_stream_t stream = nullptr;
  std::vector<char> scratchpad;
};

struct State {
  std::mutex mutex;
  bool loaded = false;
  std::string why; // why oneDNN is not used, when it is not
  std::string kernel;
  Api api;
  dnnl_engine_t engine = nullptr;
  std::map<Shape, Primitive> primitives;
  std::map<int, Lane> lanes; // by OpenMP thread number; nodes never move
};

bool resolve(void *library, Api &api, std::string &why) {
#define LIPRT_DNNL_RESOLVE(name)                                                                   \
  api.name = reinterpret_cast<decltype(api.name)>(dlsym(library, "dnnl_" #name));                  \
  if (!api.name) {                                                                                 \
    why = "libdnnl.so.2 lacks dnnl_" #name;                                                        \
    return false;                                                                                  \
  }
  LIPRT_DNNL_ENTRIES(LIPRT_DNNL_RESOLVE)
#undef LIPRT_DNNL_RESOLVE
  return true;
}

/// A row-major matrix of `rows` x `cols` with leading dimension `ld`, or
/// its transpose stored so.
dnnl_memory_desc_t matrix(const Api &api, int64_t rows, int64_t cols, int64_t ld, bool transposed) {
  dnnl_memory_desc_t md;
  dnnl_dims_t dims = {rows, cols};
  dnnl_dims_t strides = {transposed ? 1 : ld, transposed ? ld : 1};
  api.memory_desc_init_by_strides(&md, 2, dims, dnnl_f32, strides);
  return md;
}

/// The matmul primitive for `shape`, or null where oneDNN has none. Its
/// implementation's name goes to `kernel`.
Primitive create(State &s, const Shape &shape, std::string &kernel) {
  auto [ta, tb, m, n, k, lda, ldb, ldc, alpha, accumulate, threads] = shape;
  const Api &api = s.api;
  Primitive p{nullptr, matrix(api, m, k, lda, ta), matrix(api, k, n, ldb, tb),
              matrix(api, m, n, ldc, false)};
  dnnl_matmul_desc_t desc;
  if (api.matmul_desc_init(&desc, &p.a, &p.b, nullptr, &p.c) != dnnl_success)
    return p;
  dnnl_primitive_attr_t attr;
  dnnl_post_ops_t ops;
  api.primitive_attr_create(&attr);
  api.post_ops_create(&ops);
  api.primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
  if (alpha != 1.0f)
    api.primitive_attr_set_output_scales(attr, 1, 0, &alpha);
  if (accumulate) {
    api.post_ops_append_sum(ops, 1.0f);
    api.primitive_attr_set_post_ops(attr, ops);
  }
  dnnl_primitive_desc_t pd = nullptr;
  if (api.primitive_desc_create(&pd, &desc, attr, s.engine, nullptr) == dnnl_success) {
    const char *name = nullptr;
    api.primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name);
    kernel = name ? name : "";
    // oneDNN's reference kernels are plain loops: OpenBLAS is faster.
    if (kernel.rfind("ref", 0) != 0 && api.primitive_create(&p.primitive, pd) == dnnl_success) {
      p.scratchpad = *api.primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
      p.scratchpadBytes = api.memory_desc_get_size(&p.scratchpad);
    }
    api.primitive_desc_destroy(pd);
  }
  api.post_ops_destroy(ops);
  api.primitive_attr_destroy(attr);
  return p;
}

/// The primitive for `shape` (null where oneDNN has none), created on
/// first use. Inside a parallel region the calling thread's OpenMP thread
/// count is 1 while oneDNN creates it, so its kernel plans for one thread.
Primitive *lookup(State &s, const Shape &shape) {
  auto it = s.primitives.find(shape);
  if (it == s.primitives.end()) {
    std::string kernel;
    const int threads = omp_get_max_threads();
    omp_set_num_threads(std::get<10>(shape));
    it = s.primitives.emplace(shape, create(s, shape, kernel)).first;
    omp_set_num_threads(threads);
  }
  return it->second.primitive ? &it->second : nullptr;
}

/// The calling OpenMP thread's lane, its stream created on first use (left
/// null, and tried again at the next call, when oneDNN cannot create one).
Lane &lane(State &s) {
  Lane &l = s.lanes[omp_get_thread_num()];
  dnnl_stream_t stream = nullptr;
  if (!l.stream && s.api.stream_create(&stream, s.engine, dnnl_stream_default_flags) == dnnl_success)
    l.stream = stream;
  return l;
}

/// Opens oneDNN and checks that it has an optimized float32 product here.
void load(State &s) {
  const char *choice = std::getenv("LIPRT_GEMM");
  if (choice && std::strcmp(choice, "openblas") == 0) {
    s.why = "LIPRT_GEMM=openblas";
    return;
  }
  void *library = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *error = dlerror();
    s.why = error ? error : "libdnnl.so.2 not found";
    return;
  }
  if (!resolve(library, s.api, s.why))
    return;
  if (s.api.engine_create(&s.engine, dnnl_cpu, 0) != dnnl_success) {
    s.why = "oneDNN could not create a CPU engine";
    return;
  }
  const Shape probe{false, false, 256, 256, 256, 256, 256, 256, 1.0f, false, 1};
  if (!s.primitives.emplace(probe, create(s, probe, s.kernel)).first->second.primitive) {
    s.why = "oneDNN has only reference kernels for this processor (" + s.kernel + ")";
    return;
  }
  s.loaded = true;
}

/// The one State, never destroyed: its primitives belong to libdnnl.so.2,
/// whose own destructors may run first at exit, and held from a static they
/// stay reachable (no leak report) for as long as the process lives.
State &state() {
  static State &s = *new State;
  static std::once_flag once;
  std::call_once(once, [] { load(s); });
  return s;
}

/// Runs `p` on the three matrices with the calling thread's stream and
/// scratchpad; false (C untouched or to be rewritten) when oneDNN reports
/// an error.
bool execute(State &s, const Primitive &p, Lane &l, const float *a, const float *b, float *c) {
  const Api &api = s.api;
  if (l.scratchpad.size() < p.scratchpadBytes)
    l.scratchpad.resize(p.scratchpadBytes);
  dnnl_memory_t memories[4] = {};
  bool ok = api.memory_create(&memories[0], &p.a, s.engine, const_cast<float *>(a)) == dnnl_success &&
            api.memory_create(&memories[1], &p.b, s.engine, const_cast<float *>(b)) == dnnl_success &&
            api.memory_create(&memories[2], &p.c, s.engine, c) == dnnl_success &&
            api.memory_create(&memories[3], &p.scratchpad, s.engine, l.scratchpad.data()) ==
                dnnl_success;
  if (ok) {
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, memories[0]},
                              {DNNL_ARG_WEIGHTS, memories[1]},
                              {DNNL_ARG_DST, memories[2]},
                              {DNNL_ARG_SCRATCHPAD, memories[3]}};
    ok = api.primitive_execute(p.primitive, l.stream, 4, args) == dnnl_success &&
         api.stream_wait(l.stream) == dnnl_success;
  }
  for (dnnl_memory_t memory : memories)
    if (memory)
      api.memory_destroy(memory);
  return ok;
}
} // namespace

bool liprt::onednn::active() { return state().loaded; }

std::string liprt::onednn::describe() {
  State &s = state();
  if (!s.loaded)
    return "OpenBLAS (oneDNN not used: " + s.why + ")";
  const dnnl_version_t *v = s.api.version();
  return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
         std::to_string(v->patch) + " (" + s.kernel + ")";
}

bool liprt::onednn::choiceValid(std::string &message) {
  const char *choice = std::getenv("LIPRT_GEMM");
  if (!choice || std::strcmp(choice, "auto") == 0 || std::strcmp(choice, "openblas") == 0)
    return true;
  message = std::string("LIPRT_GEMM is \"") + choice + "\": it takes auto or openblas";
  return false;
}

bool liprt::onednn::sgemm(bool transposeA, bool transposeB, int64_t m, int64_t n, int64_t k,
                          float alpha, const float *a, int64_t lda, const float *b, int64_t ldb,
                          float beta, float *c, int64_t ldc) {
  State &s = state();
  if (!s.loaded || (beta != 0 && beta != 1))
    return false;
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const Primitive *p;
  Lane *l;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    p = lookup(s, {transposeA, transposeB, m, n, k, lda, ldb, ldc, alpha, beta != 0, threads});
    l = &lane(s);
  }
  return p && l->stream && execute(s, *p, *l, a, b, c);
}
