// Measurements behind `wgflab bench` (bench/README.md): the engine's 2D DSM training loop
// and probability-flow ODE sampler timed on one thread, the single-core SGEMM peak measured
// in the same process, and the PyTorch reference (bench/torch_reference.py) run as a child
// process, so every number is reported as a ratio against something measured in the same run.
//
// Sections: [flop counts] [SGEMM peak] [engine loops] [PyTorch reference]
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wgf/mlp.hpp"

namespace wgf::bench {

// ---- [flop counts] -------------------------------------------------------------------------
// Matrix-product FLOPs (2 per multiply-add) of one forward pass of an MLP with `cfg`'s layer
// shapes on `batch` columns: sum over layers of 2 in out B.
double mlp_forward_gemm_flops(const MlpConfig& cfg, int batch);
// Forward + backward of a score/eps-parameterised MLP, as wgf::Mlp::loss_backward does it:
// per layer the forward product, the weight gradient dA prev^T, and (every layer but the
// first, whose input gradient nobody needs) the back-propagated W^T dA: 3x forward minus the
// first layer's input-gradient product.
double mlp_train_gemm_flops(const MlpConfig& cfg, int batch);

// ---- [SGEMM peak] ------------------------------------------------------------------------
struct GemmPeak {
  int n = 0;             // square size that reached the best rate
  double gflops = 0.0;   // best of the repetitions, GFLOP/s
};
// Single-threaded Eigen float C = A B on n x n matrices for each n in `sizes` (sized to be
// compute-bound), best of `reps` products per size, in CPU time.
GemmPeak sgemm_peak(const std::vector<int>& sizes = {512, 768, 1024}, int reps = 10);

// ---- [engine loops] ----------------------------------------------------------------------
// Rates are per second of process CPU time (clock_gettime(CLOCK_PROCESS_CPUTIME_ID), the
// same clock as Python's time.process_time() in torch_reference.py): on a shared machine the
// time a single-threaded loop waits for a core is not its cost. Wall-clock rates come along.
struct TimingConfig {
  int steps = 200;   // timed iterations per repetition
  int warmup = 20;   // untimed iterations first
  int reps = 3;      // repetitions; the best (fastest) is reported (robust to a busy machine)
};

struct TrainResult {
  double steps_per_s = 0.0;          // per CPU second
  double wall_steps_per_s = 0.0;     // per wall-clock second
  double gemm_flops_per_step = 0.0;  // mlp_train_gemm_flops
  double gemm_gflops = 0.0;          // gemm_flops_per_step * steps_per_s / 1e9
  double last_loss = 0.0;
};
// DsmTrainer on `density` (uniform weighting, lr 1e-3, batch `batch`) with model `cfg`.
TrainResult bench_train(const MlpConfig& cfg, int batch, const std::string& density, const TimingConfig& timing,
                        std::uint64_t seed = 0);

struct SampleResult {
  int heun_steps = 0;                 // per integration, sub-steps included
  double heun_steps_per_s = 0.0;
  double particle_steps_per_s = 0.0;  // particles * Heun steps per CPU second
  double wall_particle_steps_per_s = 0.0;
  double gemm_gflops = 0.0;           // 2 forward passes per Heun step
};
// wgf::integrate with the probability-flow ODE, Heun, on the k grid of `timing.steps` steps,
// through MlpField (the path the lessons and the CLI sample with); one repetition is one
// integration. Rates count the Heun steps actually taken: the sampler splits grid intervals
// longer than SamplerConfig::max_dt into sub-steps (the cosine grid's first ones).
SampleResult bench_sample(const MlpConfig& cfg, int particles, const TimingConfig& timing, std::uint64_t seed = 0);

// ---- [PyTorch reference] -------------------------------------------------------------------
// bench/torch_reference.py in the source tree this binary was built from.
std::string default_torch_script();
// Runs `env... python script args...` (every word shell-quoted here; `env` holds NAME=VALUE
// settings for the child), returns the JSON object it prints on its last line starting with
// '{'. Throws std::runtime_error with the command and its output when it fails or prints no JSON.
nlohmann::ordered_json run_torch_reference(const std::string& python, const std::string& script,
                                           const std::vector<std::string>& args,
                                           const std::vector<std::string>& env = {});

// What Eigen vectorises with in this build ("AVX512, FMA, AVX2, AVX, SSE..." as Eigen says).
std::string eigen_simd();

}  // namespace wgf::bench
