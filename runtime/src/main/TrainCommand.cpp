//===- TrainCommand.cpp - `BIN train`: the training loop ------------------===//
//
// Initializes (or resumes), then runs the compiled step on shuffled batches.
// Under mpirun every rank takes its equal slice of each batch, in the order
// a single process would see them, and rank 0 alone prints, logs,
// evaluates and writes checkpoints.
// The projections inside the step enforce the certified bound at every
// step; a non-finite loss stops the run (exit 4) and leaves the last
// interval checkpoint as the last good weights. Evaluations on the held-out
// data every --eval-every steps and at the end.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "Model.h"
#include "Progress.h"

#include "liprt/Cuda.h"
#include "liprt/Distributed.h"
#include "liprt/Evaluate.h"
#include "liprt/Files.h"
#include "liprt/Init.h"
#include "liprt/MemoryEstimate.h"
#include "liprt/OneDnn.h"
#include "liprt/StepArena.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>

using namespace liprt;
using namespace liprt::main;

namespace {
/// --lr and --horizon over `schedule` (the spec's, or the resumed run's).
Status applyScheduleOptions(CompiledStep &model, const Options &o, TrainingMetadata schedule) {
  const TrainDefaults &spec = model.manifest().train;
  if (o.lr > 0) {
    if (!(spec.lr > 0))
      return Status::error("--lr: this binary records no base learning rate to replace");
    schedule.lrScale = o.lr / spec.lr;
  }
  if (o.horizon > 0)
    schedule.horizon = o.horizon;
  if (schedule.lrScale == 1 && schedule.horizon == spec.steps)
    return Status::ok();
  Status s = model.setScheduleOverrides(schedule.lrScale, schedule.horizon);
  if (!s && o.lr > 0 && schedule.lrScale > model.manifest().maxLrScale)
    return Status::error(fmt::format("--lr {:g} is beyond the guarantee of a soft or hard cap: "
                                     "the largest base rate that keeps it is {:.6g}",
                                     o.lr, model.manifest().maxLrScale * spec.lr));
  return s;
}

/// The message for a batch that does not split evenly among the ranks, or
/// none.
std::optional<std::string> unevenBatch(const Options &o, const dist::Ranks &ranks) {
  if (o.batch % ranks.size == 0)
    return std::nullopt;
  return fmt::format("--batch {} does not split evenly among {} ranks: it is the whole run's "
                     "batch, of which each rank takes an equal part",
                     o.batch, ranks.size);
}
} // namespace

int main::train(const char *program, const Options &o) {
  // Every rank finds an uneven batch, before MPI is opened: rank 0 says so.
  Result<dist::Ranks> launched = dist::launchedRanks();
  if (!launched)
    return fail(program, launched.status().message(), kUsage);
  if (std::optional<std::string> uneven = unevenBatch(o, *launched))
    return launched->rank == 0 ? fail(program, *uneven, kUsage) : kUsage;
  Result<dist::Ranks> ranks = dist::join();
  if (!ranks)
    return fail(program, ranks.status().message());
  if (ranks->rank != 0 && !std::freopen("/dev/null", "w", stdout))
    return fail(program, "rank " + std::to_string(ranks->rank) +
                             ": cannot silence the standard output");
  // Rank 0 writes the run's files; every rank runs its part of each batch.
  const bool writer = ranks->rank == 0;
  const int64_t shard = o.batch / ranks->size, firstInShard = ranks->rank * shard;
  Result<ModelAndData> loaded = loadModelAndData(o.data);
  if (!loaded)
    return fail(program, loaded.status().message());
  CompiledStep &model = loaded->model;
  const Examples &examples = loaded->examples;
  if (Status s = initializeParameters(model, static_cast<uint64_t>(o.seed)); !s)
    return fail(program, s.message());
  int64_t first = 0;
  const TrainDefaults &spec = model.manifest().train;
  TrainingMetadata schedule{0, "", 1.0, spec.steps}; // the run's lr scale and horizon
  if (!o.resume.empty()) {
    Result<TrainingMetadata> resumed = loadTrainingState(model, examples, o.resume);
    if (!resumed)
      return fail(program, resumed.status().message());
    // Training enforces the certificate by keeping every weight inside its
    // constraint; a run that started outside could not claim it.
    if (std::string outside = weightOutsideCertificate(model, evalCertificate().weightTolerance);
        !outside.empty())
      return fail(program, "'" + o.resume + "': " + outside +
                               ", so no training from it could be certified (lipc certify "
                               "measures these weights)");
    first = resumed->step;
    schedule.lrScale = resumed->lrScale;
    if (resumed->horizon > 0)
      schedule.horizon = resumed->horizon;
    if (first >= o.steps)
      return fail(program,
                  fmt::format("the checkpoint is at step {}; --steps {} leaves nothing to do", first,
                              o.steps),
                  kUsage);
  }
  if (Status s = applyScheduleOptions(model, o, schedule); !s)
    return fail(program, s.message(), kUsage);
  if (Status s = checkBatchFits(model.manifest(), shard, physicalMemoryBytes()); !s)
    return fail(program, s.message(), kUsage);
  // The outputs are checked now, not found unwritable at the end of the run.
  std::optional<LineFile> log;
  if (writer && !o.log.empty()) {
    Result<LineFile> opened = LineFile::open(o.log, "log");
    if (!opened)
      return fail(program, opened.status().message());
    log.emplace(std::move(*opened));
  }
  if (writer && !o.checkpoint.empty())
    if (Status s = checkCheckpointWritable(trainingCheckpoint(model, examples, first),
                                           o.checkpoint);
        !s)
      return fail(program, s.message());
  setThreads(o.threads);
  // One GPU per rank on each machine; their gradients are averaged by NCCL.
  cuda::selectDevice(ranks->local);
  if (Status s = useDevice(model, o.device, program); !s)
    return fail(program, s.message());
  if (model.onGpu() && ranks->size > 1) {
    if (Status s = dist::useNccl(cuda::stream(), cuda::synchronize); !s)
      return fail(program, s.message());
    model.withoutGraphs(); // the step's collectives wait on the host
  }

  double bound = certifiedBound();
  const char *unit = examples.isText() ? "tokens" : "samples";
  int64_t perExample = examples.isText() ? examples.inputElements() : 1;
  std::printf("training %lld steps, batch %lld, %lld training and %lld held-out examples; %s\n",
              static_cast<long long>(o.steps), static_cast<long long>(o.batch),
              static_cast<long long>(examples.trainCount()),
              static_cast<long long>(examples.heldOutCount()),
              std::isfinite(bound) ? fmt::format("certified bound {:.6g}", bound).c_str()
                                   : "the bound is not certified");
  if (ranks->size > 1)
    std::printf("data-parallel over %d ranks: %lld examples of each batch per rank, gradients "
                "averaged by %s\n",
                ranks->size, static_cast<long long>(shard), dist::describeCollective().c_str());
  if (!model.onGpu())
    std::printf("matrix products: %s\n", onednn::describe().c_str());
  if (spec.products == lipc::abi::ProductPrecision::Bf16)
    std::printf("model products (--precision bf16): %s\n",
                model.onGpu() ? "bf16 operands, float32 accumulation (cuBLAS, "
                                "CUBLAS_COMPUTE_32F_FAST_16BF)"
                              : onednn::describeBf16().c_str());
  if (spec.products == lipc::abi::ProductPrecision::Tf32)
    std::printf("model products (--precision tf32): %s\n",
                model.onGpu() ? "TF32 operands, float32 accumulation (cuBLAS, CUBLAS_COMPUTE_32F_FAST_TF32)"
                              : "float32 (TF32 is a GPU tensor-core format; a CPU has no TF32 instructions)");
  if (model.lrScale() != 1)
    std::printf("learning rates %.6g times the spec's (base %.6g)\n", model.lrScale(),
                model.lrScale() * spec.lr);
  // Say so when the run is shorter or longer than the schedule.
  if (o.steps != model.horizon() && spec.schedule != "constant")
    std::printf("note: the %s learning-rate schedule spans %lld steps; this run %s at step %lld "
                "(--horizon %lld makes it follow the run)\n",
                spec.schedule.c_str(), static_cast<long long>(model.horizon()),
                o.steps < model.horizon() ? "stops" : "continues past its end to stop",
                static_cast<long long>(o.steps), static_cast<long long>(o.steps));
  // The batches are a function of the seed: a resumed run replays the
  // sampler through the steps before it and sees the same batches after.
  EpochSampler sampler(examples.trainCount(), static_cast<uint64_t>(o.seed));
  for (int64_t skipped = 0; skipped < first * o.batch; ++skipped)
    sampler.next();
  std::vector<char> x(shard * examples.inputBytes());
  std::vector<int32_t> y(shard * examples.labelElements());
  Progress progress(o.steps, stdout, /*bar=*/ranks->size == 1);
  double trainSeconds = 0; // steps only, not evaluations or checkpoints
  int status = kOk;
  for (int64_t s = first; s < o.steps; ++s) {
    auto start = std::chrono::steady_clock::now();
    for (int64_t b = 0; b < o.batch; ++b) {
      int64_t example = sampler.next(), slot = b - firstInShard;
      if (slot >= 0 && slot < shard)
        examples.fill(/*heldOut=*/false, example, &x[slot * examples.inputBytes()],
                      &y[slot * examples.labelElements()]);
    }
    Result<StepOutcome> outcome = model.run(static_cast<double>(s), shard, {x.data(), y.data()});
    if (!outcome) {
      status = fail(program, fmt::format("step {}: {}", s, outcome.status().message()));
      break;
    }
    // Every step's weights on the CPU (a checkpoint is only written from
    // finite weights, so it stays loadable); on the GPU, where reading them
    // moves them to the host, only before a checkpoint and at the end.
    bool last = s + 1 == o.steps;
    bool due = last || (o.checkpointEvery && (s + 1) % o.checkpointEvery == 0);
    bool checkWeights = !model.onGpu() || due;
    if (!std::isfinite(outcome->loss) || (checkWeights && !model.carriedFinite())) {
      progress.clearBar();
      status = fail(program,
                    fmt::format("the {} at step {}: training stopped; the last checkpoint, if "
                                "any, holds the last finite weights",
                                std::isfinite(outcome->loss) ? "weights are no longer finite"
                                                             : "loss is not finite",
                                s),
                    kDiverged);
      break;
    }
    trainSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double rate = (s + 1 - first) * o.batch * perExample / trainSeconds;
    progress.step(s, outcome->loss, outcome->lr, rate, unit);
    std::optional<Evaluation> evaluation;
    if (writer && examples.heldOutCount() &&
        (last || (o.evalEvery && (s + 1) % o.evalEvery == 0))) {
      // The arena keeps every block a step frees for the next one; the
      // forward pass needs blocks of other sizes. Emptying the cache on the
      // way in and out keeps the peak at the larger of the two, not their
      // sum, for one step's page faults per evaluation.
      arena::trim();
      Result<Evaluation> e = evaluate(model, examples, o.batch, o.evalSamples);
      arena::trim();
      if (!e) {
        status = fail(program, e.status().message());
        break;
      }
      evaluation = *e;
    }
    if (s == first || (s + 1) % o.logEvery == 0 || last || evaluation) {
      std::string text = fmt::format("step {:5}  loss {:.4f}  lr {:.4g}  {:.0f} {}/s", s,
                                     outcome->loss, outcome->lr, rate, unit);
      if (evaluation)
        text += fmt::format("  val loss {:.4f}  val accuracy {:.2f}%", evaluation->loss,
                            100 * evaluation->accuracy);
      progress.line(text);
      if (log) {
        json::Json line = {{"step", s}, {"loss", logNumber(outcome->loss)},
                           {"lr", logNumber(outcome->lr, 7)}};
        if (evaluation) {
          line["val_loss"] = logNumber(evaluation->loss);
          line["val_accuracy"] = logNumber(evaluation->accuracy);
        }
        line["certified_bound"] = logNumber(bound);
        line[std::string(unit) + "_per_second"] = logNumber(rate);
        if (Status written = log->writeLine(json::dump(line)); !written) {
          status = fail(program, written.message());
          break;
        }
      }
    }
    // Every interval and at the end; a later divergence leaves the last one.
    if (writer && due && !o.checkpoint.empty()) {
      if (Status saved = saveCheckpoint(trainingCheckpoint(model, examples, s + 1), o.checkpoint);
          !saved) {
        status = fail(program, saved.message());
        break;
      }
      progress.line(fmt::format("checkpoint at step {} written to {}", s + 1, o.checkpoint));
    }
  }
  if (log)
    if (Status closed = log->close(); !closed && status == kOk)
      status = fail(program, closed.message());
  return status;
}
