//===- ModelMain.cpp - The main of a binary built by `lipc compile` -------===//
//
// `lipc compile MODEL -o BIN` links the model's object (the packed training
// step, its manifest and its bound report) with this file and liprt:
//
//   BIN bounds                 the compile-time bound report
//   BIN train --data PATH ...  initialize, then train with the compiled step;
//                              the projections inside the step enforce the
//                              certified bound at every step
//
// Image data: a directory with Fashion-MNIST's IDX files, or a CSV file.
//
//===----------------------------------------------------------------------===//

#include "liprt/Checkpoint.h"
#include "liprt/CompiledStep.h"
#include "liprt/Data.h"
#include "liprt/Init.h"

#include "../MiniJson.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>
#include <string>

extern "C" void lipc_train_step(void **args);
extern "C" const char lipc_manifest[];
extern "C" const char lipc_bounds_table[];
extern "C" const char lipc_bounds_json[];
extern "C" const char lipc_spec_hash[];

using namespace liprt;

namespace {
constexpr int kOk = 0, kBadInput = 1, kUsage = 2, kDiverged = 4;

const char *kUsageText = R"(usage:
  %s bounds
  %s train --data PATH [--steps N] [--batch N] [--seed N] [--log FILE]
           [--checkpoint FILE] [--checkpoint-every N] [--log-every N]
           [--resume CHECKPOINT]
PATH: a directory with Fashion-MNIST's train-images-idx3-ubyte[.gz] and
train-labels-idx1-ubyte[.gz], or a CSV file of features and a last-column label.
--resume continues a run from its checkpoint up to --steps in all, with the
same losses as a run that was never interrupted (same --data, --batch, --seed).
)";

struct TrainOptions {
  std::string data, log, checkpoint, resume;
  int64_t steps = 100, batch = 128, logEvery = 10;
  int64_t checkpointEvery = 0; // 0: only at the end
  int64_t seed = 0;
};

int usage(const char *program, const std::string &message) {
  std::fprintf(stderr, "%s: %s\n", program, message.c_str());
  std::fprintf(stderr, kUsageText, program, program);
  return kUsage;
}

/// Parses `--flag value` pairs; returns an error message or "".
std::string parseTrainOptions(int argc, char **argv, TrainOptions &o) {
  for (int i = 2; i < argc; i += 2) {
    std::string flag = argv[i];
    if (i + 1 >= argc)
      return flag + " needs a value";
    std::string value = argv[i + 1];
    auto number = [&](int64_t &out, int64_t min) -> std::string {
      char *end = nullptr;
      long long v = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end || v < min)
        return flag + " takes an integer >= " + std::to_string(min) + ", not '" + value + "'";
      out = v;
      return "";
    };
    std::string error;
    if (flag == "--data")
      o.data = value;
    else if (flag == "--log")
      o.log = value;
    else if (flag == "--checkpoint")
      o.checkpoint = value;
    else if (flag == "--resume")
      o.resume = value;
    else if (flag == "--steps")
      error = number(o.steps, 1);
    else if (flag == "--batch")
      error = number(o.batch, 1);
    else if (flag == "--log-every")
      error = number(o.logEvery, 1);
    else if (flag == "--checkpoint-every")
      error = number(o.checkpointEvery, 1);
    else if (flag == "--seed")
      error = number(o.seed, 0);
    else
      return "unknown option '" + flag + "'";
    if (!error.empty())
      return error;
  }
  return o.data.empty() ? "train needs --data PATH" : "";
}

Result<ImageSet> loadImages(const std::string &path) {
  if (!std::filesystem::is_directory(path))
    return loadCsv(path);
  auto pick = [&](const std::string &name) {
    std::string plain = path + "/" + name;
    return std::filesystem::exists(plain) ? plain : plain + ".gz";
  };
  return loadIdx(pick("train-images-idx3-ubyte"), pick("train-labels-idx1-ubyte"));
}

/// The certified bound from the embedded report (NaN when not certified).
double certifiedBound() {
  Result<json::Value> report = json::parse(lipc_bounds_json);
  const json::Value *bound = report ? report->get("lipschitz_bound") : nullptr;
  return bound && bound->kind == json::Value::Kind::Number ? bound->number : NAN;
}

/// The checkpoint name of a parameter ("out") or its state ("out.momentum").
std::string checkpointName(const StepTensor &t) {
  return t.role == "param" ? t.name : t.name + "." + t.state;
}

Status saveTrained(CompiledStep &step, int64_t steps, const std::string &path) {
  Checkpoint c;
  for (size_t i = 0; i < step.manifest().arguments.size(); ++i) {
    const StepTensor &t = step.manifest().arguments[i];
    if (!t.isCarried())
      continue;
    const std::vector<float> &v = step.tensor(i);
    c.tensors[checkpointName(t)] = {DType::F32, t.shape, std::vector<double>(v.begin(), v.end())};
  }
  c.metadata["step"] = std::to_string(steps);
  c.metadata["spec_hash"] = lipc_spec_hash;
  c.metadata["manifest"] = lipc_manifest;
  return saveCheckpoint(c, path);
}

/// Loads parameters and state from a checkpoint of this model; returns the
/// step it was written at.
Result<int64_t> resumeFrom(CompiledStep &step, const std::string &path) {
  Result<Checkpoint> c = loadCheckpoint(path);
  if (!c)
    return c.status();
  std::map<std::string, std::vector<int64_t>> expected;
  for (const StepTensor &t : step.manifest().arguments)
    if (t.isCarried())
      expected[checkpointName(t)] = t.shape;
  if (Status s = checkCompatible(*c, lipc_spec_hash, expected); !s)
    return Status::error("'" + path + "': " + s.message());
  auto at = c->metadata.find("step");
  char *end = nullptr;
  long long steps = at == c->metadata.end() ? -1 : std::strtoll(at->second.c_str(), &end, 10);
  if (steps < 0 || !end || *end)
    return Status::error("'" + path + "': no valid step count in the checkpoint's metadata");
  for (size_t i = 0; i < step.manifest().arguments.size(); ++i)
    if (step.manifest().arguments[i].isCarried()) {
      const std::vector<double> &v = c->tensors[checkpointName(step.manifest().arguments[i])].values;
      std::copy(v.begin(), v.end(), step.tensor(i).begin());
    }
  return static_cast<int64_t>(steps);
}

int train(const char *program, const TrainOptions &o) {
  Result<CompiledStep> step = CompiledStep::create(lipc_manifest, lipc_train_step);
  if (!step)
    return std::fprintf(stderr, "%s: %s\n", program, step.status().message().c_str()), kBadInput;
  const std::vector<StepTensor> &args = step->manifest().arguments;
  size_t inputs = 0;
  const StepTensor *input = nullptr;
  for (const StepTensor &t : args)
    if (t.role == "input")
      input = &t, ++inputs;
  if (inputs != 1 || input->dtype != "f32")
    return std::fprintf(stderr, "%s: train reads image data; this model takes %zu inputs%s\n",
                        program, inputs, input && input->dtype != "f32" ? " of tokens" : ""),
           kBadInput;
  Result<ImageSet> data = loadImages(o.data);
  if (!data)
    return std::fprintf(stderr, "%s: %s\n", program, data.status().message().c_str()), kBadInput;
  int64_t features = data->rows * data->cols, perSample = input->elements(1);
  if (features != perSample)
    return std::fprintf(stderr, "%s: '%s' has %lld features per sample; the model takes %lld\n",
                        program, o.data.c_str(), static_cast<long long>(features),
                        static_cast<long long>(perSample)),
           kBadInput;
  if (Status s = initializeParameters(*step, static_cast<uint64_t>(o.seed)); !s)
    return std::fprintf(stderr, "%s: %s\n", program, s.message().c_str()), kBadInput;
  int64_t first = 0;
  if (!o.resume.empty()) {
    Result<int64_t> resumed = resumeFrom(*step, o.resume);
    if (!resumed)
      return std::fprintf(stderr, "%s: %s\n", program, resumed.status().message().c_str()),
             kBadInput;
    first = *resumed;
    if (first >= o.steps)
      return std::fprintf(stderr, "%s: the checkpoint is at step %lld; --steps %lld leaves "
                          "nothing to do\n", program, static_cast<long long>(first),
                          static_cast<long long>(o.steps)),
             kUsage;
  }
  std::FILE *log = nullptr;
  if (!o.log.empty() && !(log = std::fopen(o.log.c_str(), "w")))
    return std::fprintf(stderr, "%s: cannot write '%s': %s\n", program, o.log.c_str(),
                        std::strerror(errno)),
           kBadInput;

  double bound = certifiedBound();
  char boundJson[32] = "null";
  if (std::isfinite(bound))
    std::snprintf(boundJson, sizeof(boundJson), "%.9g", bound);
  std::printf("training %lld steps, batch %lld, %lld samples; certified bound %.6g\n",
              static_cast<long long>(o.steps), static_cast<long long>(o.batch),
              static_cast<long long>(data->count), bound);
  std::mt19937_64 shuffle(static_cast<uint64_t>(o.seed));
  std::vector<int64_t> order(data->count);
  std::iota(order.begin(), order.end(), 0);
  size_t cursor = order.size();
  std::vector<float> x(o.batch * features);
  std::vector<int32_t> y(o.batch);
  // The sample order is a function of the seed: a resumed run replays the
  // shuffles of the steps before it and sees the same batches after.
  auto nextSample = [&] {
    if (cursor == order.size())
      std::shuffle(order.begin(), order.end(), shuffle), cursor = 0;
    return order[cursor++];
  };
  for (int64_t skipped = 0; skipped < first * o.batch; ++skipped)
    nextSample();
  auto start = std::chrono::steady_clock::now();
  int status = kOk;
  for (int64_t s = first; s < o.steps; ++s) {
    for (int64_t b = 0; b < o.batch; ++b) {
      int64_t sample = nextSample();
      std::memcpy(&x[b * features], &data->pixels[sample * features], features * sizeof(float));
      y[b] = data->labels[sample];
    }
    Result<StepOutcome> outcome = step->run(static_cast<double>(s), o.batch, {x.data(), y.data()});
    Result<double> loss = outcome ? Result<double>(outcome->loss) : Result<double>(outcome.status());
    if (!loss) {
      std::fprintf(stderr, "%s: step %lld: %s\n", program, static_cast<long long>(s),
                   loss.status().message().c_str());
      status = kBadInput;
      break;
    }
    if (!std::isfinite(*loss)) {
      std::fprintf(stderr, "%s: the loss is %g at step %lld: training stopped; the last "
                   "checkpoint, if any, holds the last good weights\n",
                   program, *loss, static_cast<long long>(s));
      status = kDiverged;
      break;
    }
    if (s % o.logEvery == 0 || s + 1 == o.steps) {
      double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      double rate = (s + 1 - first) * o.batch / seconds;
      std::printf("step %5lld  loss %.4f  %.0f samples/s\n", static_cast<long long>(s), *loss, rate);
      if (log)
        std::fprintf(log,
                     "{\"step\":%lld,\"loss\":%.9g,\"certified_bound\":%s,"
                     "\"samples_per_second\":%.6g}\n",
                     static_cast<long long>(s), *loss, boundJson, rate);
    }
    // Every interval and at the end; a later divergence leaves the last one.
    bool due = s + 1 == o.steps || (o.checkpointEvery && (s + 1) % o.checkpointEvery == 0);
    if (due && !o.checkpoint.empty()) {
      if (Status saved = saveTrained(*step, s + 1, o.checkpoint); !saved) {
        std::fprintf(stderr, "%s: %s\n", program, saved.message().c_str());
        status = kBadInput;
        break;
      }
      std::printf("checkpoint at step %lld written to %s\n", static_cast<long long>(s + 1),
                  o.checkpoint.c_str());
    }
  }
  if (log)
    std::fclose(log);
  return status;
}
} // namespace

int main(int argc, char **argv) {
  const char *program = argv[0];
  if (argc < 2)
    return usage(program, "no command given");
  std::string command = argv[1];
  if (command == "bounds") {
    if (argc != 2)
      return usage(program, "bounds takes no arguments");
    std::fputs(lipc_bounds_table, stdout);
    return kOk;
  }
  if (command == "train") {
    TrainOptions options;
    if (std::string error = parseTrainOptions(argc, argv, options); !error.empty())
      return usage(program, error);
    return train(program, options);
  }
  return usage(program, "unknown command '" + command + "'");
}
