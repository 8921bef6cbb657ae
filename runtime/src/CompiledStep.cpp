//===- CompiledStep.cpp - Drive a compiled training step ------------------===//

#include "liprt/CompiledStep.h"

#include "liprt/Cuda.h"
#include "liprt/StepArena.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

using namespace liprt;

namespace {
using lipc::abi::descriptorWords;

/// Whether the descriptor `d` of rank `rank` (sizes at d[3], strides after)
/// lays its elements out contiguously in row-major order.
bool denseRowMajor(const int64_t *d, size_t rank) {
  int64_t expected = 1;
  for (size_t j = rank; j-- > 0;) {
    if (d[3 + j] != 1 && d[3 + rank + j] != expected)
      return false;
    expected *= d[3 + j];
  }
  return true;
}
} // namespace

/// The results struct an entry point fills: every result's descriptor, one
/// after another (lipc_abi.h, all 8-byte words).
struct liprt::detail::PackedResults {
  explicit PackedResults(const std::vector<StepTensor> &results) {
    size_t total = 0;
    for (const StepTensor &r : results) {
      offset.push_back(total);
      total += descriptorWords(r.shape.size());
    }
    words.assign(total, 0);
  }
  const int64_t *descriptor(size_t k) const { return &words[offset[k]]; }
  void *allocated(size_t k) const { return pointer(offset[k]); }
  void *aligned(size_t k) const { return pointer(offset[k] + 1); }

  std::vector<size_t> offset;
  std::vector<int64_t> words;

private:
  void *pointer(size_t word) const {
    void *p;
    std::memcpy(&p, &words[word], sizeof(void *));
    return p;
  }
};

/// A step recorded as a graph: the batch and the argument buffers it was
/// recorded over (its work reads them there), its results' descriptors (its
/// work writes them there), and the result buffers it keeps.
struct liprt::detail::CapturedStep {
  CapturedStep(const std::vector<StepTensor> &results, const StepMemory &memory)
      : packed(results), memory(memory) {}
  CapturedStep(const CapturedStep &) = delete;
  CapturedStep &operator=(const CapturedStep &) = delete;
  ~CapturedStep() {
    if (graph)
      memory.graphs.drop(graph);
    for (void *buffer : kept)
      memory.release(buffer);
  }

  PackedResults packed;
  StepMemory memory;
  void *graph = nullptr;
  int64_t batch = 0;
  std::vector<const void *> data;
  std::vector<void *> kept;
};

namespace {
void deleteCaptured(detail::CapturedStep *captured) { delete captured; }
} // namespace

CompiledStep::CompiledStep(StepManifest manifest, Entry entry, Entry forward)
    : manifest_(std::move(manifest)), entry_(entry), forward_(forward),
      horizon_(static_cast<double>(manifest_.train.steps)), owned_(manifest_.arguments.size()),
      captured_(nullptr, deleteCaptured) {
  for (size_t i = 0; i < manifest_.arguments.size(); ++i)
    if (manifest_.arguments[i].isCarried())
      owned_[i].assign(manifest_.arguments[i].elements(0), 0.0f);
}

Status CompiledStep::setScheduleOverrides(double lrScale, int64_t horizon) {
  if (!manifest_.takesScheduleOverrides())
    return Status::error("this step has no learning-rate scale or horizon to set");
  if (!(lrScale > 0) || !std::isfinite(lrScale))
    return Status::error("the learning-rate scale must be a positive number");
  // Soft and hard caps keep their guarantees only below this scale
  // (dialects/lipopt/Rationale.md).
  if (lrScale > manifest_.maxLrScale * (1 + 1e-12))
    return Status::error("the learning rates would be " + std::to_string(lrScale) +
                         " times the spec's, beyond the guarantee of a soft or hard cap (at most " +
                         std::to_string(manifest_.maxLrScale) + " times)");
  if (horizon <= manifest_.train.warmup)
    return Status::error("the schedule's horizon (" + std::to_string(horizon) +
                         " steps) must exceed its warm-up (" +
                         std::to_string(manifest_.train.warmup) + " steps)");
  lrScale_ = lrScale;
  horizon_ = static_cast<double>(horizon);
  return Status::ok();
}

Result<CompiledStep> CompiledStep::create(const std::string &manifestText, Entry entry,
                                          Entry forward) {
  Result<StepManifest> manifest = parseStepManifest(manifestText);
  if (!manifest)
    return manifest.status();
  for (const StepTensor &a : manifest->arguments)
    if (a.isCarried() && a.elements(-1) < 0)
      return Status::error("step manifest: parameter or state '" + a.name +
                           "' has a dynamic extent");
  return CompiledStep(std::move(*manifest), entry, forward);
}

std::vector<float> &CompiledStep::tensor(size_t argument) {
  fetchCarried();
  hostNewer_ = true;
  return owned_[argument];
}

const std::vector<float> &CompiledStep::values(size_t argument) const {
  fetchCarried();
  return owned_[argument];
}

bool CompiledStep::carriedFinite() const {
  for (size_t i = 0; i < manifest_.arguments.size(); ++i) {
    if (!manifest_.arguments[i].isCarried())
      continue;
    const float *v = owned_[i].data();
    size_t count = owned_[i].size();
    if (resident_ && residentNewer_ && memory_.host)
      v = static_cast<const float *>(residentBuffers_[i].get());
    else if (residentNewer_)
      v = values(i).data();
    for (size_t k = 0; k < count; ++k)
      if (!std::isfinite(v[k]))
        return false;
  }
  return true;
}

void CompiledStep::fetchCarried() const {
  if (!residentNewer_)
    return;
  for (size_t i = 0; i < manifest_.arguments.size(); ++i)
    if (manifest_.arguments[i].isCarried())
      memory_.toHost(owned_[i].data(), residentBuffers_[i].get(), owned_[i].size() * sizeof(float));
  residentNewer_ = false;
}

Status CompiledStep::sendCarried() {
  for (size_t i = 0; i < manifest_.arguments.size(); ++i) {
    if (!manifest_.arguments[i].isCarried())
      continue;
    size_t bytes = owned_[i].size() * sizeof(float);
    if (!residentBuffers_[i]) {
      residentBuffers_[i] = Buffer(memory_.allocate(bytes), memory_.release);
      if (!residentBuffers_[i])
        return Status::error("no memory for '" + manifest_.arguments[i].name + "' where the step runs");
    }
    memory_.toDevice(residentBuffers_[i].get(), owned_[i].data(), bytes);
  }
  hostNewer_ = false;
  return Status::ok();
}

Result<const void *> CompiledStep::stage(size_t slot, const void *host, size_t bytes) {
  while (scratch_.size() <= slot) {
    scratch_.emplace_back(nullptr, memory_.release);
    scratchBytes_.push_back(0);
  }
  if (!scratch_[slot] || scratchBytes_[slot] < bytes) {
    scratch_[slot] = Buffer(memory_.allocate(bytes ? bytes : 1), memory_.release);
    scratchBytes_[slot] = scratch_[slot] ? bytes : 0;
    if (!scratch_[slot])
      return Status::error("no memory for " + std::to_string(bytes) + " bytes of batch where the step runs");
  }
  memory_.toDevice(scratch_[slot].get(), host, bytes);
  return static_cast<const void *>(scratch_[slot].get());
}

Status CompiledStep::keepResident(StepMemory memory, Entry train, Entry forward) {
  if (!memory.allocate || !memory.release || !memory.toDevice || !memory.toHost || !memory.within)
    return Status::error("resident memory needs an allocator, a release and the copies");
  fetchCarried();
  captured_.reset();
  lastBatch_ = 0;
  memory_ = memory;
  residentBuffers_.clear();
  scratch_.clear();
  scratchBytes_.clear();
  for (size_t i = 0; i < manifest_.arguments.size(); ++i)
    residentBuffers_.emplace_back(nullptr, memory_.release);
  entry_ = train;
  forward_ = forward;
  resident_ = true;
  hostNewer_ = true;
  return Status::ok();
}

Status CompiledStep::useGpu(Entry train, Entry forward) {
  if (!train)
    return Status::error("this binary has no GPU code (build it with lipc compile --gpu)");
  const cuda::Availability &gpu = cuda::probe();
  if (!gpu.usable)
    return Status::error("no usable GPU: " + gpu.reason);
  if (Status s = cuda::loadBlas(); !s.isOk())
    return Status::error("no usable GPU: " + s.message());
  if (Status s = keepResident({cuda::allocate, cuda::release, cuda::copyToDevice, cuda::copyToHost,
                               cuda::copyOnDevice, /*host=*/false,
                               {cuda::beginCapture, cuda::endCapture, cuda::launchGraph, cuda::dropGraph}},
                              train, forward);
      !s.isOk())
    return s;
  gpu_ = true;
  return Status::ok();
}

Status CompiledStep::keepResidentInArena() {
  auto copy = [](void *to, const void *from, size_t bytes) { std::memcpy(to, from, bytes); };
  return keepResident({[](size_t bytes) { return arena::allocate(bytes); }, arena::release, copy, copy, copy,
                       /*host=*/true, /*graphs=*/{}},
                      entry_, forward_);
}

Result<StepOutcome> CompiledStep::run(double step, int64_t batch,
                                      const std::vector<const void *> &batchData) {
  if (resident_ && hostNewer_)
    if (Status s = sendCarried(); !s.isOk())
      return s;
  std::vector<const void *> data;
  size_t nextBatchArgument = 0;
  for (size_t i = 0; i < manifest_.arguments.size(); ++i) {
    const StepTensor &a = manifest_.arguments[i];
    const void *host = nullptr;
    if (a.role == Role::Step) {
      host = &step;
    } else if (a.role == Role::LrScale) {
      host = &lrScale_;
    } else if (a.role == Role::Horizon) {
      host = &horizon_;
    } else if (a.role == Role::Input || a.role == Role::Labels) {
      if (nextBatchArgument == batchData.size())
        return Status::error("the step takes more batch tensors than were given");
      host = batchData[nextBatchArgument++];
    } else {
      data.push_back(resident_ ? residentBuffers_[i].get() : owned_[i].data());
      continue;
    }
    // Host memory reads the batch where it is; device memory needs a copy,
    // scalars included (the step's host code reads no memory).
    if (!resident_ || memory_.host) {
      data.push_back(host);
      continue;
    }
    Result<const void *> staged = stage(i, host, a.bytes(batch));
    if (!staged)
      return staged.status();
    data.push_back(*staged);
  }
  if (nextBatchArgument != batchData.size())
    return Status::error("the step takes fewer batch tensors than were given");
  // A copy that failed while staging is this step's error.
  if (gpu_)
    if (Status staged = cuda::takeError(); !staged.isOk())
      return staged;
  if (batch > 0 && replaysAt(batch) && captured_->data == data)
    return replay();
  if (batch > 0 && resident_ && graphs_ && memory_.graphs.usable() && lastBatch_ == batch) {
    Result<bool> recorded = capture(data, batch);
    if (!recorded)
      return recorded.status();
    if (*recorded)
      return replay();
  }
  // The host code swaps in new resident buffers, which a recorded step
  // would not read.
  captured_.reset();
  // Result k > 1 is the new value of the (k-2)-th parameter or state.
  std::vector<int> adopt(manifest_.results.size(), -1);
  size_t next = 2;
  for (size_t i = 0; resident_ && i < manifest_.arguments.size(); ++i)
    if (manifest_.arguments[i].isCarried())
      adopt[next++] = static_cast<int>(i);
  Result<std::vector<std::vector<float>>> results =
      invoke(entry_, manifest_.arguments, data, manifest_.results, batch, adopt);
  if (!results)
    return results.status();
  lastBatch_ = batch;
  if (resident_) {
    residentNewer_ = true;
  } else {
    next = 2;
    for (size_t i = 0; i < manifest_.arguments.size(); ++i)
      if (manifest_.arguments[i].isCarried())
        owned_[i] = std::move((*results)[next++]);
  }
  return StepOutcome{(*results)[0][0], (*results)[1][0]};
}

Result<std::vector<float>> CompiledStep::forward(int64_t batch,
                                                 const std::vector<const void *> &inputs) {
  if (!forward_ || !manifest_.hasForward())
    return Status::error("this model has no compiled forward pass");
  if (resident_ && hostNewer_)
    if (Status s = sendCarried(); !s.isOk())
      return s;
  // The forward arguments are the step's parameters, then its inputs.
  std::vector<const void *> data;
  for (size_t i = 0; i < manifest_.arguments.size(); ++i)
    if (manifest_.arguments[i].role == Role::Param)
      data.push_back(resident_ ? residentBuffers_[i].get() : owned_[i].data());
  if (data.size() + inputs.size() != manifest_.forwardArguments.size())
    return Status::error("the forward pass takes " +
                         std::to_string(manifest_.forwardArguments.size() - data.size()) +
                         " inputs, " + std::to_string(inputs.size()) + " were given");
  for (size_t j = 0; j < inputs.size(); ++j) {
    if (!resident_ || memory_.host) {
      data.push_back(inputs[j]);
      continue;
    }
    // Scratch slots after the step's own, so a forward pass between steps
    // leaves the step's batch buffers alone.
    const StepTensor &a = manifest_.forwardArguments[data.size()];
    Result<const void *> staged =
        stage(manifest_.arguments.size() + j, inputs[j], a.bytes(batch));
    if (!staged)
      return staged.status();
    data.push_back(*staged);
  }
  Result<std::vector<std::vector<float>>> results =
      invoke(forward_, manifest_.forwardArguments, data, manifest_.forwardResults, batch);
  if (!results)
    return results.status();
  return std::move((*results)[0]);
}

namespace {
int64_t extent(int64_t shape, int64_t batch) { return shape < 0 ? batch : shape; }

/// Dense row-major descriptors of the arguments, over `data`.
std::vector<std::vector<int64_t>> argumentDescriptors(const std::vector<StepTensor> &arguments,
                                                      const std::vector<const void *> &data,
                                                      int64_t batch) {
  std::vector<std::vector<int64_t>> descriptors;
  for (size_t i = 0; i < arguments.size(); ++i) {
    const StepTensor &a = arguments[i];
    std::vector<int64_t> d(descriptorWords(a.shape.size()));
    std::memcpy(&d[0], &data[i], sizeof(void *));
    std::memcpy(&d[1], &data[i], sizeof(void *));
    int64_t stride = 1;
    for (size_t k = a.shape.size(); k-- > 0;) {
      d[3 + k] = extent(a.shape[k], batch);
      d[3 + a.shape.size() + k] = stride;
      stride *= d[3 + k];
    }
    descriptors.push_back(std::move(d));
  }
  return descriptors;
}

/// Whether every result has its manifest's shape.
Status checkResultShapes(const detail::PackedResults &packed, const std::vector<StepTensor> &results,
                         int64_t batch) {
  for (size_t k = 0; k < results.size(); ++k)
    for (size_t j = 0; j < results[k].shape.size(); ++j)
      if (packed.descriptor(k)[3 + j] != extent(results[k].shape[j], batch))
        return Status::error("the compiled step returned " +
                             std::string(lipc::abi::roleName(results[k].role)) + " '" +
                             results[k].name + "' with a different shape than its manifest");
  return Status::ok();
}

/// The buffers a call allocated for its `count` results, each once (results
/// may share one; an argument in `data` returned as a result is not one).
std::vector<void *> callsBuffers(const detail::PackedResults &packed, size_t count,
                                 const std::vector<const void *> &data) {
  std::vector<void *> buffers;
  for (size_t k = 0; k < count; ++k) {
    void *p = packed.allocated(k);
    if (p && std::find(data.begin(), data.end(), p) == data.end() &&
        std::find(buffers.begin(), buffers.end(), p) == buffers.end())
      buffers.push_back(p);
  }
  return buffers;
}

/// Whether carried result `k` is dense row-major, as a resident step takes
/// it (as its new buffer, or copied as one span).
Status checkDense(const detail::PackedResults &packed, size_t k, const StepTensor &result) {
  if (denseRowMajor(packed.descriptor(k), result.shape.size()))
    return Status::ok();
  return Status::error("the compiled step returned " + std::string(lipc::abi::roleName(result.role)) + " '" +
                       result.name + "' in a layout other than dense row-major, which a resident step cannot take");
}

/// Result `k` copied out as f32 (an f64 result, the learning rate, rounded);
/// from `device` memory (null: host memory) through a copy of its span.
std::vector<float> readResult(const detail::PackedResults &packed, size_t k, const StepTensor &result,
                              int64_t batch, const StepMemory *device) {
  const int64_t *d = packed.descriptor(k);
  const char *base = static_cast<const char *>(packed.aligned(k));
  bool wide = result.dtype == "f64";
  size_t rank = result.shape.size(), element = wide ? sizeof(double) : sizeof(float);
  std::vector<float> out(result.elements(batch));
  if (out.empty())
    return out;
  int64_t offset = d[2];
  std::vector<char> staged;
  if (device) {
    int64_t last = 0; // the span's last element, from the first
    for (size_t j = 0; j < rank; ++j)
      last += (d[3 + j] - 1) * d[3 + rank + j];
    staged.resize(static_cast<size_t>(last + 1) * element);
    device->toHost(staged.data(), base + offset * static_cast<int64_t>(element), staged.size());
    base = staged.data();
    offset = 0;
  }
  if (!wide && denseRowMajor(d, rank)) {
    std::memcpy(out.data(), reinterpret_cast<const float *>(base) + offset, out.size() * sizeof(float));
    return out;
  }
  for (size_t flat = 0; flat < out.size(); ++flat) {
    int64_t at = offset, rest = static_cast<int64_t>(flat);
    for (size_t j = rank; j-- > 0;) {
      at += (rest % d[3 + j]) * d[3 + rank + j];
      rest /= d[3 + j];
    }
    out[flat] = wide ? static_cast<float>(reinterpret_cast<const double *>(base)[at])
                     : reinterpret_cast<const float *>(base)[at];
  }
  return out;
}
} // namespace

Result<std::vector<std::vector<float>>>
CompiledStep::invoke(Entry entry, const std::vector<StepTensor> &arguments,
                     const std::vector<const void *> &data, const std::vector<StepTensor> &results,
                     int64_t batch, const std::vector<int> &adopt) {
  if (batch <= 0)
    return Status::error("the batch size must be positive");
  std::vector<std::vector<int64_t>> descriptors = argumentDescriptors(arguments, data, batch);
  detail::PackedResults packed(results);
  std::vector<void *> args = {packed.words.data()};
  for (std::vector<int64_t> &d : descriptors)
    args.push_back(d.data());
  entry(args.data());
  Status status = gpu_ ? cuda::synchronize() : Status::ok();
  if (status.isOk())
    status = checkResultShapes(packed, results, batch);

  // Read every result into fresh buffers (a result may share memory with an
  // argument the call updated in place), then free each buffer the call
  // allocated exactly once (results may share one; none may be one of the
  // arguments).
  auto adopted = [&](size_t k) { return status.isOk() && k < adopt.size() && adopt[k] >= 0; };
  std::vector<std::vector<float>> values;
  for (size_t k = 0; status.isOk() && k < results.size(); ++k)
    values.push_back(adopted(k) ? std::vector<float>()
                                : readResult(packed, k, results[k], batch,
                                             resident_ && !memory_.host ? &memory_ : nullptr));
  std::set<void *> taken;
  if (status.isOk())
    status = adoptResults(packed, results, data, batch, adopt, taken);
  for (void *p : callsBuffers(packed, results.size(), data)) {
    if (taken.count(p))
      continue;
    if (resident_)
      memory_.release(p);
    else
      arena::release(p);
  }
  if (!status.isOk())
    return status;
  return values;
}

Status CompiledStep::adoptResults(const detail::PackedResults &packed,
                                  const std::vector<StepTensor> &results,
                                  const std::vector<const void *> &data, int64_t batch,
                                  const std::vector<int> &adopt, std::set<void *> &taken) {
  // A resident step takes a carried result's buffer as the argument's new
  // one when the buffer is its own (a compiled step's results are dense,
  // offset 0); a buffer shared with another result or argument is copied.
  // The old buffers go only after every result is taken: one may be read.
  std::vector<std::pair<size_t, Buffer>> replacements;
  for (size_t k = 0; k < results.size(); ++k) {
    if (k >= adopt.size() || adopt[k] < 0)
      continue;
    if (Status dense = checkDense(packed, k, results[k]); !dense.isOk())
      return dense;
    size_t i = static_cast<size_t>(adopt[k]);
    void *base = packed.allocated(k), *aligned = packed.aligned(k);
    int64_t offset = packed.descriptor(k)[2];
    size_t bytes = results[k].elements(batch) * sizeof(float);
    bool shared = taken.count(base) || std::find(data.begin(), data.end(), base) != data.end();
    if (!shared && base == aligned && offset == 0) {
      replacements.emplace_back(i, Buffer(base, memory_.release));
      taken.insert(base);
      continue;
    }
    Buffer copy(memory_.allocate(bytes), memory_.release);
    if (!copy)
      return Status::error("no memory for '" + results[k].name + "' where the step runs");
    memory_.within(copy.get(), static_cast<const float *>(aligned) + offset, bytes);
    replacements.emplace_back(i, std::move(copy));
  }
  for (auto &[i, buffer] : replacements)
    residentBuffers_[i] = std::move(buffer);
  return Status::ok();
}

void CompiledStep::withoutGraphs() {
  graphs_ = false;
  captured_.reset();
}

bool CompiledStep::replaysAt(int64_t batch) const { return captured_ && captured_->batch == batch; }

Result<bool> CompiledStep::capture(const std::vector<const void *> &data, int64_t batch) {
  captured_.reset();
  std::unique_ptr<detail::CapturedStep, void (*)(detail::CapturedStep *)> captured(
      new detail::CapturedStep(manifest_.results, memory_), deleteCaptured);
  captured->batch = batch;
  captured->data = data;
  auto stop = [&](const std::string &why) -> Result<bool> {
    graphs_ = false;
    std::fprintf(stderr, "liprt: the step could not be recorded as a graph (%s); every step runs its host code\n",
                 why.c_str());
    return false;
  };
  if (!memory_.graphs.begin())
    return stop(gpu_ ? cuda::takeError().message() : "recording did not start");
  std::vector<std::vector<int64_t>> descriptors = argumentDescriptors(manifest_.arguments, data, batch);
  std::vector<void *> args = {captured->packed.words.data()};
  for (std::vector<int64_t> &d : descriptors)
    args.push_back(d.data());
  entry_(args.data());
  // The recorded work ends with the new parameters and state copied where
  // the next replay reads them. Result k > 1 is the (k-2)-th carried value.
  Status shapes = checkResultShapes(captured->packed, manifest_.results, batch);
  bool aliased = false;
  size_t k = 2;
  for (size_t i = 0; shapes.isOk() && i < manifest_.arguments.size(); ++i) {
    if (!manifest_.arguments[i].isCarried())
      continue;
    if (shapes = checkDense(captured->packed, k, manifest_.results[k]); !shapes.isOk())
      break;
    const float *from = static_cast<const float *>(captured->packed.aligned(k)) + captured->packed.descriptor(k)[2];
    // A result in another argument's buffer could be overwritten by the
    // copies before it is read: such a step is not recorded.
    void *base = captured->packed.allocated(k);
    if (base != residentBuffers_[i].get() && std::find(data.begin(), data.end(), base) != data.end())
      aliased = true;
    if (from != residentBuffers_[i].get())
      memory_.within(residentBuffers_[i].get(), from, owned_[i].size() * sizeof(float));
    ++k;
  }
  std::string why;
  captured->graph = memory_.graphs.end(why);
  captured->kept = callsBuffers(captured->packed, manifest_.results.size(), data);
  if (!shapes.isOk())
    return shapes;
  if (!captured->graph)
    return stop(why);
  if (aliased)
    return stop("a new parameter or state shares its buffer with another argument");
  captured_ = std::move(captured);
  return true;
}

Result<StepOutcome> CompiledStep::replay() {
  detail::CapturedStep &c = *captured_;
  if (!memory_.graphs.launch(c.graph)) {
    Status why = gpu_ ? cuda::takeError() : Status::ok();
    return Status::error("launching the recorded step failed" + (why.isOk() ? "" : ": " + why.message()));
  }
  if (gpu_)
    if (Status s = cuda::synchronize(); !s.isOk())
      return s;
  residentNewer_ = true;
  std::vector<float> loss = readResult(c.packed, 0, manifest_.results[0], c.batch, &memory_);
  std::vector<float> lr = readResult(c.packed, 1, manifest_.results[1], c.batch, &memory_);
  return StepOutcome{loss[0], lr[0]};
}
