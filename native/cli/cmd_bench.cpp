// wgflab bench: performance of the engine's 2D loops on one thread, every number printed next
// to a reference measured in the same run (bench/README.md, measurement code in
// bench/bench_core.cpp):
//   bench train2d   DSM training steps/s (wgf::DsmTrainer on gmm8), the GEMM FLOP rate of the
//                   step as a fraction of this core's SGEMM peak (Eigen, measured first), and
//                   with --torch the ratio engine / PyTorch (bench/torch_reference.py: the same
//                   model, loss, schedule, Adam and batch, torch.set_num_threads(1)).
//   bench sample2d  probability-flow ODE particle-steps/s (Heun, wgf::integrate through
//                   MlpField), its GEMM FLOP rate, and with --torch the ratio.
// Rates are per second of process CPU time on both sides (wall-clock rates are printed too):
// the time a single-threaded loop waits for a core on a shared machine is not its cost.
// Output: a small table on stdout; --out FILE also writes the numbers as a run JSON
// (common head, command "bench train2d" / "bench sample2d", config, metrics, torch).
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bench_core.hpp"
#include "commands.hpp"
#include "common.hpp"

namespace wgf::cli {
namespace {

// glibc settings handed to the PyTorch child: they keep its large per-step tensors off
// mmap/munmap (TOOLCHAIN.md: 13 -> 19 steps/s on a LibTorch CPU loop), so the reference runs
// at its best. The engine allocates nothing large per step and does not need them.
const std::vector<std::string> kTorchMallocEnv = {"MALLOC_MMAP_THRESHOLD_=33554432",
                                                  "MALLOC_TRIM_THRESHOLD_=68719476736"};

struct BenchOptions {
  int width = 128, depth = 3;
  int batch = 256;         // train2d
  int particles = 4096;    // sample2d
  int steps = 200, warmup = 20, reps = 3;
  std::uint64_t seed = 0;
  bool torch = false;
  std::string python = "/usr/bin/python3";
  std::string script = bench::default_torch_script();
  std::string out;
};

MlpConfig model_config(const BenchOptions& o) {
  MlpConfig c;  // dim 2, SiLU, score, 16 time features, cosine T = 1000: the 2D lessons' model
  c.width = o.width;
  c.depth = o.depth;
  return c;
}

bench::TimingConfig timing(const BenchOptions& o) { return {o.steps, o.warmup, o.reps}; }

void validate(const BenchOptions& o, bool train) {
  require_at_least("--width", o.width, 1);
  require_at_least("--depth", o.depth, 1);
  if (train) require_at_least("--batch", o.batch, 1);
  if (!train) require_at_least("--particles", o.particles, 1);
  require_at_least("--steps", o.steps, 1);
  require_at_least("--warmup", o.warmup, 0);
  require_at_least("--reps", o.reps, 1);
  if (!train && o.steps > 999) throw UsageError("--steps: the ODE runs on the k grid from T = 1000 to 1, at most 999 steps");
  if (!o.out.empty()) check_output_path("--out", o.out);
  if (o.torch) {  // before minutes of measuring, not after
    if (access(o.python.c_str(), X_OK) != 0)
      throw UsageError("--python " + o.python + ": not an executable file (Debian's python3-torch is /usr/bin/python3)");
    if (access(o.script.c_str(), R_OK) != 0) throw UsageError("--script " + o.script + ": cannot read the file");
  }
  model_config(o).validate();
}

std::vector<std::string> torch_args(const BenchOptions& o, bool train) {
  std::vector<std::string> a = {"--mode",   train ? "train" : "sample",
                                "--width",  std::to_string(o.width),
                                "--depth",  std::to_string(o.depth),
                                "--steps",  std::to_string(o.steps),
                                // sample2d's warmup counts whole integrations, the script's counts Heun steps
                                "--warmup", std::to_string(train ? o.warmup : o.warmup * o.steps),
                                "--reps",   std::to_string(o.reps),
                                "--seed",   std::to_string(o.seed),
                                "--threads", "1"};
  if (train) a.insert(a.end(), {"--batch", std::to_string(o.batch)});
  if (!train) a.insert(a.end(), {"--particles", std::to_string(o.particles)});
  return a;
}

Json config_json(const BenchOptions& o, bool train) {
  Json c{{"width", o.width}, {"depth", o.depth}};
  if (train) c["batch"] = o.batch;
  if (!train) c["particles"] = o.particles;
  c["steps"] = o.steps;
  c["warmup"] = o.warmup;
  c["reps"] = o.reps;
  c["seed"] = o.seed;
  c["torch"] = o.torch;
  return c;
}

void print_torch(const Json& t, const char* unit, double engine_rate, const char* key) {
  const double rate = t.at(key).get<double>();
  std::printf("  PyTorch        %12.1f %s  (torch %s, one thread; BLAS %s: %s)\n", rate, unit,
              t.value("torch", std::string("?")).c_str(), t.value("blas", std::string("?")).c_str(),
              t.value("blas_library", std::string("?")).c_str());
  std::printf("  ratio          %12.2fx engine / PyTorch\n", engine_rate / rate);
  if (t.value("blas", std::string()) != "openblas" && t.value("blas", std::string()) != "mkl")
    std::printf("  WARNING: PyTorch did not run on OpenBLAS or MKL, so the ratio flatters the engine; "
                "apt-get install -y libopenblas0-pthread (bench/README.md)\n");
}

void print_peak(const bench::GemmPeak& peak) {
  std::printf("  SGEMM peak     %12.1f GFLOP/s  (Eigen float C = A B, n = %d, best of 10, this core)\n", peak.gflops,
              peak.n);
}

void run_train(const BenchOptions& o) {
  validate(o, true);
  const MlpConfig cfg = model_config(o);
  std::printf("wgflab bench train2d: %s, batch %d, gmm8, uniform weighting, Adam lr 1e-3, one thread\n",
              describe(cfg).c_str(), o.batch);
  std::printf("  Eigen SIMD     %s\n", bench::eigen_simd().c_str());
  std::fflush(stdout);
  // The engine loop runs first, in a fresh process: the peak measurement frees large blocks,
  // which raises glibc's dynamic mmap threshold and would flatter any loop that allocates.
  const bench::TrainResult r = bench::bench_train(cfg, o.batch, "gmm8", timing(o), o.seed);
  const bench::GemmPeak peak = bench::sgemm_peak();
  const double fraction = r.gemm_gflops / peak.gflops;
  print_peak(peak);
  std::printf("  engine         %12.1f steps/s  (%.3f ms/step, best of %d x %d steps; wall clock %.1f steps/s)\n",
              r.steps_per_s, 1e3 / r.steps_per_s, o.reps, o.steps, r.wall_steps_per_s);
  std::printf("  GEMM work      %12.2f MFLOP/step (forward + backward matrix products of the layer shapes)\n",
              r.gemm_flops_per_step / 1e6);
  std::printf("  GEMM rate      %12.1f GFLOP/s = %.1f%% of SGEMM peak\n", r.gemm_gflops, 100.0 * fraction);
  std::fflush(stdout);

  Json doc = run_json_head("bench train2d", o.seed);
  doc["config"] = config_json(o, true);
  doc["model"] = describe(cfg);
  doc["metrics"] = Json{{"steps_per_s", number(r.steps_per_s)},
                        {"gemm_mflop_per_step", number(r.gemm_flops_per_step / 1e6)},
                        {"gemm_gflops", number(r.gemm_gflops)},
                        {"sgemm_peak_gflops", number(peak.gflops)},
                        {"sgemm_peak_n", peak.n},
                        {"fraction_of_peak", number(fraction)},
                        {"wall_steps_per_s", number(r.wall_steps_per_s)},
                        {"eigen_simd", bench::eigen_simd()}};
  if (o.torch) {
    const Json t = bench::run_torch_reference(o.python, o.script, torch_args(o, true), kTorchMallocEnv);
    print_torch(t, "steps/s", r.steps_per_s, "steps_per_s");
    doc["torch"] = t;
    doc["metrics"]["torch_steps_per_s"] = number(t.at("steps_per_s").get<double>());
    doc["metrics"]["ratio_engine_over_torch"] = number(r.steps_per_s / t.at("steps_per_s").get<double>());
  }
  if (!o.out.empty()) write_json_atomic("--out", o.out, doc);
}

void run_sample(const BenchOptions& o) {
  validate(o, false);
  const MlpConfig cfg = model_config(o);
  std::printf("wgflab bench sample2d: %s, %d particles, probability-flow ODE (Heun, k grid, %d steps), one thread\n",
              describe(cfg).c_str(), o.particles, o.steps);
  std::printf("  Eigen SIMD     %s\n", bench::eigen_simd().c_str());
  std::fflush(stdout);
  const bench::SampleResult r = bench::bench_sample(cfg, o.particles, timing(o), o.seed);  // first: see run_train
  const bench::GemmPeak peak = bench::sgemm_peak();
  const double fraction = r.gemm_gflops / peak.gflops;
  print_peak(peak);
  std::printf("  engine         %12.0f p-steps/s  (%.1f Heun steps/s, %d Heun steps with the sub-steps, best of %d "
              "runs; wall clock %.0f p-steps/s)\n",
              r.particle_steps_per_s, r.heun_steps_per_s, r.heun_steps, o.reps, r.wall_particle_steps_per_s);
  std::printf("  GEMM rate      %12.1f GFLOP/s = %.1f%% of SGEMM peak (2 forward passes per Heun step)\n",
              r.gemm_gflops, 100.0 * fraction);
  std::fflush(stdout);

  Json doc = run_json_head("bench sample2d", o.seed);
  doc["config"] = config_json(o, false);
  doc["model"] = describe(cfg);
  doc["metrics"] = Json{{"particle_steps_per_s", number(r.particle_steps_per_s)},
                        {"heun_steps_per_s", number(r.heun_steps_per_s)},
                        {"gemm_gflops", number(r.gemm_gflops)},
                        {"sgemm_peak_gflops", number(peak.gflops)},
                        {"fraction_of_peak", number(fraction)},
                        {"wall_particle_steps_per_s", number(r.wall_particle_steps_per_s)},
                        {"eigen_simd", bench::eigen_simd()}};
  if (o.torch) {
    const Json t = bench::run_torch_reference(o.python, o.script, torch_args(o, false), kTorchMallocEnv);
    print_torch(t, "p-steps/s", r.particle_steps_per_s, "particle_steps_per_s");
    doc["torch"] = t;
    doc["metrics"]["torch_particle_steps_per_s"] = number(t.at("particle_steps_per_s").get<double>());
    doc["metrics"]["ratio_engine_over_torch"] =
        number(r.particle_steps_per_s / t.at("particle_steps_per_s").get<double>());
  }
  if (!o.out.empty()) write_json_atomic("--out", o.out, doc);
}

void add_common_options(CLI::App* sub, BenchOptions& o) {
  sub->option_defaults()->always_capture_default();
  sub->add_option("--width", o.width, "Hidden units per layer");
  sub->add_option("--depth", o.depth, "Hidden layers");
  sub->add_option("--warmup", o.warmup, "Untimed iterations first");
  sub->add_option("--reps", o.reps, "Timed repetitions; the fastest is reported (robust to a busy machine)");
  sub->add_option("--seed", o.seed, "Seed of the weights and of the data");
  sub->add_flag("--torch", o.torch, "Also run the PyTorch reference (bench/torch_reference.py) and print the ratio");
  sub->add_option("--python", o.python, "Interpreter with torch for --torch (Debian's python3-torch)");
  sub->add_option("--script", o.script, "The PyTorch reference script");
  sub->add_option("--out", o.out, "Also write the numbers as a run JSON");
}

}  // namespace

void add_bench(CLI::App& app) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks of the engine's 2D loops (one thread), as ratios against "
                                                "references measured in the same run");
  bench->require_subcommand(1, 1);

  auto t = std::make_shared<BenchOptions>();
  CLI::App* train = bench->add_subcommand("train2d", "DSM training steps/s, fraction of SGEMM peak, ratio to PyTorch");
  add_common_options(train, *t);
  train->add_option("--batch", t->batch, "Batch size");
  train->add_option("--steps", t->steps, "Timed training steps per repetition");
  train->footer(
      "The fraction of peak counts the forward and backward matrix-product FLOPs of the layer shapes exactly "
      "(2 per multiply-add) against the best single-thread Eigen float GEMM on square matrices measured first.\n"
      "Example: wgflab bench train2d --batch 256 --width 128 --depth 3 --torch");
  train->callback([t] { run_train(*t); });

  auto s = std::make_shared<BenchOptions>();
  s->steps = 100;
  s->warmup = 1;
  CLI::App* sample = bench->add_subcommand("sample2d", "Probability-flow ODE particle-steps/s, ratio to PyTorch");
  add_common_options(sample, *s);
  sample->add_option("--particles", s->particles, "Particles P integrated together");
  sample->add_option("--steps", s->steps, "Heun steps per integration (k grid, at most T = 1000)");
  sample->footer(
      "One particle-step is one Heun step (two network evaluations) of one particle.\n"
      "Example: wgflab bench sample2d --particles 4096 --steps 100 --torch");
  sample->callback([s] { run_sample(*s); });
}

}  // namespace wgf::cli
