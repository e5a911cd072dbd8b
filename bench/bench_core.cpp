#include "bench_core.hpp"

#include <sys/wait.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <memory>
#include <stdexcept>

#include "wgf/density.hpp"
#include "wgf/dsm.hpp"
#include "wgf/ou.hpp"
#include "wgf/sampler.hpp"

#ifndef WGF_SOURCE_DIR
#define WGF_SOURCE_DIR "."
#endif

namespace wgf::bench {

namespace {
// Both clocks of a measurement: process CPU time (the headline: it does not count the time
// this process waits for a core while others compile) and wall time.
struct Stamp {
  double cpu, wall;
  static Stamp now() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    return {static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec), wall};
  }
};

struct Seconds {
  double cpu = std::numeric_limits<double>::infinity(), wall = std::numeric_limits<double>::infinity();
};

// Best-of-reps seconds per call of fn over `steps` calls, for each clock.
template <class F>
Seconds best_seconds_per_call(F&& fn, const TimingConfig& tc) {
  for (int i = 0; i < tc.warmup; ++i) fn();
  Seconds best;
  for (int r = 0; r < std::max(1, tc.reps); ++r) {
    const Stamp t0 = Stamp::now();
    for (int i = 0; i < tc.steps; ++i) fn();
    const Stamp t1 = Stamp::now();
    best.cpu = std::min(best.cpu, (t1.cpu - t0.cpu) / tc.steps);
    best.wall = std::min(best.wall, (t1.wall - t0.wall) / tc.steps);
  }
  return best;
}

void check_timing(const TimingConfig& tc) {
  if (tc.steps < 1) throw std::invalid_argument("bench: steps must be >= 1, got " + std::to_string(tc.steps));
  if (tc.warmup < 0) throw std::invalid_argument("bench: warmup must be >= 0");
  if (tc.reps < 1) throw std::invalid_argument("bench: reps must be >= 1, got " + std::to_string(tc.reps));
}
}  // namespace

// ---- [flop counts] -------------------------------------------------------------------------
double mlp_forward_gemm_flops(const MlpConfig& cfg, int batch) {
  const int in0 = cfg.dim + std::max(1, cfg.time_features);
  const int out = cfg.param == Parameterization::Potential ? 1 : cfg.dim;
  double macs = static_cast<double>(in0) * cfg.width;
  macs += static_cast<double>(cfg.depth - 1) * cfg.width * cfg.width;
  macs += static_cast<double>(cfg.width) * out;
  return 2.0 * macs * batch;
}

double mlp_train_gemm_flops(const MlpConfig& cfg, int batch) {
  if (cfg.param == Parameterization::Potential)
    throw std::invalid_argument("bench: the FLOP count covers the score and eps parameterisations only");
  const int in0 = cfg.dim + std::max(1, cfg.time_features);
  return 3.0 * mlp_forward_gemm_flops(cfg, batch) - 2.0 * in0 * cfg.width * static_cast<double>(batch);
}

// ---- [SGEMM peak] ------------------------------------------------------------------------
GemmPeak sgemm_peak(const std::vector<int>& sizes, int reps) {
  GemmPeak best;
  for (int n : sizes) {
    const Eigen::MatrixXf A = Eigen::MatrixXf::Random(n, n), B = Eigen::MatrixXf::Random(n, n);
    Eigen::MatrixXf C(n, n);
    C.noalias() = A * B;  // warm the caches and the allocator
    for (int r = 0; r < std::max(1, reps); ++r) {
      const Stamp t0 = Stamp::now();
      C.noalias() = A * B;
      const double s = Stamp::now().cpu - t0.cpu;
      const double gf = 2.0 * n * n * static_cast<double>(n) / s / 1e9;
      if (gf > best.gflops) best = {n, gf};
    }
    if (!std::isfinite(C(0, 0))) throw std::runtime_error("sgemm_peak: non-finite product");
  }
  return best;
}

// ---- [engine loops] ----------------------------------------------------------------------
TrainResult bench_train(const MlpConfig& cfg, int batch, const std::string& density, const TimingConfig& timing,
                        std::uint64_t seed) {
  check_timing(timing);
  auto model = std::make_shared<Mlp>(cfg, seed);
  TrainConfig tc;
  tc.batch = batch;
  tc.lr = 1e-3;
  DsmTrainer trainer(std::shared_ptr<const Density>(make_density(density)), model, tc, seed + 1);
  TrainResult res;
  const Seconds sec = best_seconds_per_call([&] { res.last_loss = trainer.step(); }, timing);
  res.steps_per_s = 1.0 / sec.cpu;
  res.wall_steps_per_s = 1.0 / sec.wall;
  res.gemm_flops_per_step = mlp_train_gemm_flops(cfg, batch);
  res.gemm_gflops = res.gemm_flops_per_step * res.steps_per_s / 1e9;
  return res;
}

SampleResult bench_sample(const MlpConfig& cfg, int particles, const TimingConfig& timing, std::uint64_t seed) {
  check_timing(timing);
  if (particles < 1) throw std::invalid_argument("bench: particles must be >= 1");
  auto model = std::make_shared<Mlp>(cfg, seed);
  const MlpField field(model);
  SamplerConfig sc;
  sc.kind = SamplerKind::OdeHeun;
  sc.grid = TimeGrid::K;
  sc.steps = std::min(timing.steps, model->schedule().T() - sc.k_end);
  // Heun steps actually taken: the sampler splits grid intervals longer than max_dt in t.
  const double heun_steps = static_cast<double>(sampler_substep_times(model->schedule(), sc).size() - 1);
  Rng rng(seed + 1);
  Points x0(cfg.dim, particles);
  sample_normal(rng, x0);
  // One call = one full integration; time whole integrations.
  TimingConfig per_run = timing;
  per_run.steps = 1;
  per_run.warmup = timing.warmup > 0 ? 1 : 0;
  double check = 0.0;
  const Seconds sec = best_seconds_per_call(
      [&] { check += integrate(field, model->schedule(), sc, x0, rng)(0, 0); }, per_run);
  if (!std::isfinite(check)) throw std::runtime_error("bench sample: non-finite particles");
  SampleResult res;
  res.heun_steps = static_cast<int>(heun_steps);
  res.heun_steps_per_s = heun_steps / sec.cpu;
  res.particle_steps_per_s = res.heun_steps_per_s * particles;
  res.wall_particle_steps_per_s = heun_steps / sec.wall * particles;
  res.gemm_gflops = 2.0 * mlp_forward_gemm_flops(cfg, particles) * res.heun_steps_per_s / 1e9;
  return res;
}

// ---- [PyTorch reference] -------------------------------------------------------------------
std::string default_torch_script() { return std::string(WGF_SOURCE_DIR) + "/bench/torch_reference.py"; }

nlohmann::ordered_json run_torch_reference(const std::string& python, const std::string& script,
                                           const std::vector<std::string>& args, const std::vector<std::string>& env) {
  auto quote = [](const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  };
  std::string cmd;
  if (!env.empty()) {
    cmd = "env";
    for (const auto& e : env) cmd += " " + quote(e);
    cmd += " ";
  }
  cmd += quote(python) + " " + quote(script);
  for (const auto& a : args) cmd += " " + quote(a);
  cmd += " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("could not start the PyTorch reference: " + cmd);
  std::string output;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), static_cast<int>(buf.size()), pipe.get())) output += buf.data();
  const int wait_status = pclose(pipe.release());
  const int status = wait_status != -1 && WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : wait_status;
  // The JSON is the last line that starts with '{'.
  std::string json_line;
  size_t pos = 0;
  while (pos < output.size()) {
    size_t end = output.find('\n', pos);
    if (end == std::string::npos) end = output.size();
    if (output[pos] == '{') json_line = output.substr(pos, end - pos);
    pos = end + 1;
  }
  if (status != 0 || json_line.empty())
    throw std::runtime_error("the PyTorch reference failed (exit status " + std::to_string(status) + "): " + cmd +
                             "\n" + output + "(needs Debian's python3-torch: apt-get install python3-torch)");
  return nlohmann::ordered_json::parse(json_line);
}

std::string eigen_simd() { return Eigen::SimdInstructionSetsInUse(); }

}  // namespace wgf::bench
