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
// count they were created for). Each thread has its own lane: a stream, a
// scratchpad (the primitives' scratchpads are the caller's: user mode), and
// the primitives it has run, bound to memory objects made once and pointed
// at each call's matrices. So the threads of a region run products at once,
// and after a thread's first product of a shape a product takes no lock and
// allocates nothing (the attention kernels make about 20,000 small products
// a step).
//
// bf16 products (the model's, in a binary compiled with --precision bf16)
// reorder A and B to dense bf16 with oneDNN's reorder primitives, then run
// a matmul of bf16 operands that accumulates in float32 into C. They are
// used where the processor reports AVX512-BF16 or AMX-BF16 and oneDNN has
// an optimized kernel for them; elsewhere the products stay float32 and
// describeBf16() says why.
//
//===----------------------------------------------------------------------===//

#include "liprt/OneDnn.h"

#include <array>
#include <cstdlib>
#include <cstring>
#include <deque>
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
  X(primitive_execute) X(memory_create) X(memory_destroy) X(memory_set_data_handle) X(version)    \
  X(reorder_primitive_desc_create)
  LIPRT_DNNL_ENTRIES(LIPRT_DNNL_ENTRY)
#undef LIPRT_DNNL_ENTRY
};

/// A product's shape, scale, accumulation, thread count and operand type
/// (bf16 or float32): the primitive depends on all of it.
using Shape = std::tuple<bool, bool, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, float,
                         bool, int, bool>;

/// A conversion of a float32 operand to dense bf16.
struct ToBf16 {
  dnnl_primitive_t reorder = nullptr;
  dnnl_memory_desc_t from{}, to{};
  size_t bytes = 0;
};

struct Primitive {
  dnnl_primitive_t primitive = nullptr;
  dnnl_memory_desc_t a{}, b{}, c{}, scratchpad{};
  size_t scratchpadBytes = 0;
  ToBf16 aToBf16, bToBf16; // for bf16 products: A and B as the matmul reads them
};

/// A primitive as one thread runs it: memory objects for its arguments
/// (and, for a bf16 product, its reorders'), made once and pointed at each
/// call's matrices. `primitive` is null where oneDNN has none for the shape.
struct Bound {
  const Primitive *primitive = nullptr;
  enum Arg { A, B, C, Scratchpad, AFrom, ATo, BFrom, BTo, Count };
  std::array<dnnl_memory_t, Count> memories{};
};

/// What one thread runs its products with: its stream, scratchpad and bf16
/// copies, and the primitives it has used. Only its own thread touches a
/// lane after creating it, so a product takes no lock once its thread has
/// run its shape before.
struct Lane {
  dnnl_stream_t stream = nullptr;
  std::vector<char> scratchpad, aBf16, bBf16;
  std::map<Shape, Bound> bound;
};

struct State {
  std::mutex mutex;
  bool loaded = false;
  std::string why; // why oneDNN is not used, when it is not
  std::string kernel;
  std::once_flag bf16Checked;
  std::string bf16Why, bf16Kernel; // why bf16 products are not used; their kernel
  Api api;
  dnnl_engine_t engine = nullptr;
  std::map<Shape, Primitive> primitives; // nodes never move: lanes point at them
  std::deque<Lane> lanes;                 // one per thread that ran a product
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
dnnl_memory_desc_t matrix(const Api &api, int64_t rows, int64_t cols, int64_t ld, bool transposed,
                          dnnl_data_type_t type = dnnl_f32) {
  dnnl_memory_desc_t md;
  dnnl_dims_t dims = {rows, cols};
  dnnl_dims_t strides = {transposed ? 1 : ld, transposed ? ld : 1};
  api.memory_desc_init_by_strides(&md, 2, dims, type, strides);
  return md;
}

/// The reorder of the float32 operand `from` (rows x cols, `transposed` as
/// stored) to a dense bf16 copy stored the same way round; no reorder when
/// oneDNN has none.
ToBf16 toBf16(const State &s, const dnnl_memory_desc_t &from, int64_t rows, int64_t cols,
              bool transposed) {
  const Api &api = s.api;
  ToBf16 t{nullptr, from, matrix(api, rows, cols, transposed ? rows : cols, transposed, dnnl_bf16)};
  dnnl_primitive_desc_t pd = nullptr;
  if (api.reorder_primitive_desc_create(&pd, &t.from, s.engine, &t.to, s.engine, nullptr) !=
      dnnl_success)
    return t;
  if (api.primitive_create(&t.reorder, pd) == dnnl_success)
    t.bytes = api.memory_desc_get_size(&t.to);
  api.primitive_desc_destroy(pd);
  return t;
}

/// The matmul primitive for `shape`, or null where oneDNN has none. Its
/// implementation's name goes to `kernel`.
Primitive create(State &s, const Shape &shape, std::string &kernel) {
  auto [ta, tb, m, n, k, lda, ldb, ldc, alpha, accumulate, threads, bf16] = shape;
  const Api &api = s.api;
  Primitive p;
  p.a = matrix(api, m, k, lda, ta);
  p.b = matrix(api, k, n, ldb, tb);
  p.c = matrix(api, m, n, ldc, false);
  if (bf16) {
    p.aToBf16 = toBf16(s, p.a, m, k, ta);
    p.bToBf16 = toBf16(s, p.b, k, n, tb);
    if (!p.aToBf16.reorder || !p.bToBf16.reorder)
      return p;
    p.a = p.aToBf16.to;
    p.b = p.bToBf16.to;
  }
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

/// The calling thread's lane, made (with its stream) on its first product;
/// null when oneDNN cannot create a stream.
Lane *lane(State &s) {
  thread_local Lane *mine = nullptr;
  if (mine)
    return mine;
  dnnl_stream_t stream = nullptr;
  if (s.api.stream_create(&stream, s.engine, dnnl_stream_default_flags) != dnnl_success)
    return nullptr;
  std::lock_guard<std::mutex> lock(s.mutex);
  mine = &s.lanes.emplace_back();
  mine->stream = stream;
  return mine;
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
  const Shape probe{false, false, 256, 256, 256, 256, 256, 256, 1.0f, false, 1, false};
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

/// `descriptor`'s memory object with no data yet, or null.
dnnl_memory_t emptyMemory(const State &s, const dnnl_memory_desc_t &descriptor) {
  dnnl_memory_t memory = nullptr;
  if (s.api.memory_create(&memory, &descriptor, s.engine, DNNL_MEMORY_NONE) != dnnl_success)
    return nullptr;
  return memory;
}

/// `p` bound to a lane: the memory objects of its arguments; false (and
/// nothing kept) when oneDNN cannot make one.
bool bind(const State &s, const Primitive &p, Bound &b) {
  const dnnl_memory_desc_t *descriptors[Bound::Count] = {
      &p.a, &p.b, &p.c, &p.scratchpad, &p.aToBf16.from, &p.aToBf16.to, &p.bToBf16.from,
      &p.bToBf16.to};
  const size_t used = p.aToBf16.reorder ? Bound::Count : Bound::AFrom;
  for (size_t i = 0; i < used; ++i) {
    b.memories[i] = emptyMemory(s, *descriptors[i]);
    if (!b.memories[i]) {
      for (size_t j = 0; j < i; ++j)
        s.api.memory_destroy(b.memories[j]);
      b.memories = {};
      return false;
    }
  }
  b.primitive = &p;
  return true;
}

/// `buffer` with room for at least `bytes`.
char *atLeast(std::vector<char> &buffer, size_t bytes) {
  if (buffer.size() < bytes)
    buffer.resize(bytes);
  return buffer.data();
}

/// Points the bound memory objects `which` at `data`, in order.
bool point(const State &s, const Bound &bound,
           std::initializer_list<std::pair<Bound::Arg, const void *>> which) {
  for (auto [arg, data] : which)
    if (s.api.memory_set_data_handle(bound.memories[arg], const_cast<void *>(data)) !=
        dnnl_success)
      return false;
  return true;
}

/// Runs `reorder` from the bound memory `from` to `to`.
bool convert(const State &s, const ToBf16 &t, const Bound &bound, Lane &l, Bound::Arg from,
             Bound::Arg to) {
  dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, bound.memories[from]},
                            {DNNL_ARG_TO, bound.memories[to]}};
  return s.api.primitive_execute(t.reorder, l.stream, 2, args) == dnnl_success;
}

/// Runs the bound primitive on the three matrices with the lane's stream
/// and scratchpad (A and B converted to bf16 first for a bf16 product);
/// false (C untouched or to be rewritten) when oneDNN reports an error.
bool execute(const State &s, const Bound &bound, Lane &l, const float *a, const float *b,
             float *c) {
  const Primitive &p = *bound.primitive;
  const void *aIn = a, *bIn = b;
  if (p.aToBf16.reorder) {
    char *aBf16 = atLeast(l.aBf16, p.aToBf16.bytes), *bBf16 = atLeast(l.bBf16, p.bToBf16.bytes);
    if (!point(s, bound, {{Bound::AFrom, a}, {Bound::ATo, aBf16}, {Bound::BFrom, b},
                          {Bound::BTo, bBf16}}) ||
        !convert(s, p.aToBf16, bound, l, Bound::AFrom, Bound::ATo) ||
        !convert(s, p.bToBf16, bound, l, Bound::BFrom, Bound::BTo))
      return false;
    aIn = aBf16;
    bIn = bBf16;
  }
  if (!point(s, bound, {{Bound::A, aIn}, {Bound::B, bIn}, {Bound::C, c},
                        {Bound::Scratchpad, atLeast(l.scratchpad, p.scratchpadBytes)}}))
    return false;
  dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, bound.memories[Bound::A]},
                            {DNNL_ARG_WEIGHTS, bound.memories[Bound::B]},
                            {DNNL_ARG_DST, bound.memories[Bound::C]},
                            {DNNL_ARG_SCRATCHPAD, bound.memories[Bound::Scratchpad]}};
  return s.api.primitive_execute(p.primitive, l.stream, 4, args) == dnnl_success &&
         s.api.stream_wait(l.stream) == dnnl_success;
}

/// The lane's primitive for `shape`, found or created (under the lock) and
/// bound on the lane's first product of that shape; null where oneDNN has
/// none (remembered) or cannot bind it (tried again next time). A bf16
/// shape without a bf16 kernel runs in float32.
const Bound *boundFor(State &s, Lane &l, const Shape &shape) {
  auto [it, first] = l.bound.try_emplace(shape);
  if (!first)
    return it->second.primitive ? &it->second : nullptr;
  const Primitive *p;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    p = std::get<11>(shape) ? lookup(s, shape) : nullptr;
    if (!p) {
      Shape inFloat32 = shape;
      std::get<11>(inFloat32) = false;
      p = lookup(s, inFloat32);
    }
  }
  if (!p)
    return nullptr;
  if (!bind(s, *p, it->second)) {
    l.bound.erase(it);
    return nullptr;
  }
  return &it->second;
}

/// Whether this processor reports bf16 matrix instructions.
bool processorHasBf16() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512bf16") || __builtin_cpu_supports("amx-bf16");
}

/// Decides once whether bf16 products run here: oneDNN in use, not turned
/// off by LIPRT_BF16, the processor's bf16 instructions, and an optimized
/// bf16 kernel (its name kept for the log).
void checkBf16(State &s) {
  const char *choice = std::getenv("LIPRT_BF16");
  if (!s.loaded) {
    s.bf16Why = "oneDNN is not used";
    return;
  }
  if (choice && std::strcmp(choice, "off") == 0) {
    s.bf16Why = "LIPRT_BF16=off";
    return;
  }
  if (!processorHasBf16()) {
    s.bf16Why = "this processor reports neither AVX512-BF16 nor AMX-BF16";
    return;
  }
  const Shape probe{false, false, 256, 256, 256, 256, 256, 256, 1.0f, false, 1, true};
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!s.primitives.emplace(probe, create(s, probe, s.bf16Kernel)).first->second.primitive)
    s.bf16Why = "oneDNN has no optimized bf16 kernel for this processor";
}

/// The state with its bf16 decision made.
State &stateWithBf16() {
  State &s = state();
  std::call_once(s.bf16Checked, [&] { checkBf16(s); });
  return s;
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

bool liprt::onednn::bf16Active() { return stateWithBf16().bf16Why.empty(); }

std::string liprt::onednn::describeBf16() {
  State &s = stateWithBf16();
  if (!s.bf16Why.empty())
    return "float32 (bf16 not used: " + s.bf16Why + ")";
  return "bf16 operands, float32 accumulation (oneDNN " + s.bf16Kernel + ")";
}

liprt::Status liprt::onednn::checkChoices() {
  for (auto [name, other] : {std::pair{"LIPRT_GEMM", "openblas"}, std::pair{"LIPRT_BF16", "off"}}) {
    const char *choice = std::getenv(name);
    if (choice && std::strcmp(choice, "auto") != 0 && std::strcmp(choice, other) != 0)
      return Status::error(std::string(name) + " is \"" + choice + "\": it takes auto or " + other);
  }
  return Status::ok();
}

bool liprt::onednn::sgemm(bool transposeA, bool transposeB, int64_t m, int64_t n, int64_t k,
                          float alpha, const float *a, int64_t lda, const float *b, int64_t ldb,
                          float beta, float *c, int64_t ldc, bool bf16) {
  State &s = bf16 ? stateWithBf16() : state();
  if (!s.loaded || (beta != 0 && beta != 1))
    return false;
  bf16 = bf16 && s.bf16Why.empty();
  Lane *l = lane(s);
  if (!l)
    return false;
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const Shape shape{transposeA, transposeB, m, n, k, lda, ldb, ldc, alpha, beta != 0, threads, bf16};
  const Bound *bound = boundFor(s, *l, shape);
  return bound && execute(s, *bound, *l, a, b, c);
}
