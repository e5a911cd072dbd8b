// bench_sweep2d: the diagnostics time sweep (wgf::time_sweep) of a 2D width-128 depth-3 MLP
// against gmm8's exact score, on one thread, next to the single-core SGEMM peak measured in
// the same process.
//   bench_sweep2d [num_k samples path_steps max_batch]     defaults: 100 256 1000 2048
// path_steps sets the Brownian and rotation steps and the projection points (K = 10 noisings,
// path_steps / 10 points per segment). The paths dominate the cost: num_k * samples *
// 3 * path_steps network evaluations (77M for the defaults, ~5 TFLOP of GEMMs).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>

#include "bench_core.hpp"
#include "wgf/diagnostics.hpp"
#include "wgf/mlp.hpp"

namespace {

// Counts the columns the sweep sends through eval and jvp.
class CountingField final : public wgf::VectorField {
 public:
  explicit CountingField(const wgf::VectorField& f) : f_(f) {}
  int dim() const override { return f_.dim(); }
  std::string name() const override { return f_.name(); }
  wgf::Points eval(const wgf::Points& x, double t) const override {
    evals += static_cast<double>(x.cols());
    ++calls;
    return f_.eval(x, t);
  }
  wgf::Points jvp(const wgf::Points& x, double t, const wgf::Points& v) const override {
    jvps += static_cast<double>(x.cols());
    ++calls;
    return f_.jvp(x, t, v);
  }
  bool exact_jvp() const override { return f_.exact_jvp(); }
  mutable double evals = 0, jvps = 0, calls = 0;

 private:
  const wgf::VectorField& f_;
};

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) {
  auto arg = [&](int i, int dflt) { return argc > i ? std::atoi(argv[i]) : dflt; };
  try {
    wgf::SweepConfig cfg;
    cfg.num_k = arg(1, 100);
    cfg.samples = arg(2, 256);
    const int steps = arg(3, 1000);
    cfg.brownian.steps = steps;
    cfg.rotation_steps = steps;
    cfg.projection.points_per_segment = std::max(1, steps / cfg.projection.noisings);
    cfg.max_batch = arg(4, wgf::kDefaultMaxBatch);

    wgf::MlpConfig mc;  // dim 2, width 128, depth 3, SiLU, score, 16 time features, cosine
    auto mlp = std::make_shared<wgf::Mlp>(mc, 1);
    const wgf::MlpField net(mlp);
    const CountingField field(net);
    auto schedule = std::shared_ptr<const wgf::Schedule>(wgf::make_schedule(mc.schedule, mc.T));
    const wgf::ExactScore truth(std::shared_ptr<const wgf::Density>(wgf::make_density("gmm8")), schedule);

    const double c0 = cpu_seconds();
    const auto w0 = std::chrono::steady_clock::now();
    const auto rows = wgf::time_sweep(field, truth, cfg);
    const double cpu = cpu_seconds() - c0;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();

    // A JVP costs a forward pass plus a tangent pass of the same GEMM shapes: ~2 forwards.
    const double flops = wgf::bench::mlp_forward_gemm_flops(mc, 1) * (field.evals + 2 * field.jvps);
    const auto peak = wgf::bench::sgemm_peak();
    std::printf("sweep 2D: %d k x %d samples, paths of %d steps (3 kinds), max_batch %d, %s\n",
                static_cast<int>(rows.size()), cfg.samples, steps, cfg.max_batch, wgf::describe(mc).c_str());
    std::printf("  time        %.2f s CPU (%.2f s wall), %.1f ms per k\n", cpu, wall, 1e3 * cpu / rows.size());
    std::printf("  field work  %.3g evaluations + %.3g JVP columns in %.0f calls (%.2f M evaluations/s)\n",
                field.evals, field.jvps, field.calls, field.evals / cpu / 1e6);
    std::printf("  GEMM rate   %.1f GFLOP/s = %.0f%% of the SGEMM peak %.1f GFLOP/s (n=%d, Eigen: %s)\n",
                flops / cpu / 1e9, 100.0 * flops / cpu / 1e9 / peak.gflops, peak.gflops, peak.n,
                wgf::bench::eigen_simd().c_str());
    const auto& last = rows.back();
    std::printf("  last row    k=%d: |loop| brownian %.3g rotation %.3g projection %.3g, jac_asym_rel %.3g, stein_rms %.3g\n",
                last.k, last.loops[0].abs_mean, last.loops[1].abs_mean, last.loops[2].abs_mean, last.jac_asym_rel,
                last.stein_rms);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_sweep2d: %s\n", e.what());
    return 1;
  }
  return 0;
}
