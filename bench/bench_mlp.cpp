// bench_mlp: the engine loops of `wgflab bench` without the CLI, for profiling.
//   bench_mlp train  [batch width depth steps]   DSM training steps/s and GEMM GFLOP/s
//   bench_mlp sample [particles width depth steps] Heun particle-steps/s
//   bench_mlp peak                                single-core SGEMM peak
// e.g. valgrind --tool=callgrind build/default/bench/bench_mlp train 256 128 3 20
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_core.hpp"

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "train";
  auto arg = [&](int i, int dflt) { return argc > i ? std::atoi(argv[i]) : dflt; };
  wgf::MlpConfig cfg;
  cfg.width = arg(3, 128);
  cfg.depth = arg(4, 3);
  wgf::bench::TimingConfig tc;
  tc.steps = arg(5, 200);
  tc.warmup = tc.steps / 10;
  try {
    if (mode == "train") {
      const int batch = arg(2, 256);
      const auto r = wgf::bench::bench_train(cfg, batch, "gmm8", tc);
      std::printf("train batch=%d width=%d depth=%d: %.1f steps/s, %.2f GFLOP/s in GEMMs, loss %.4f\n", batch,
                  cfg.width, cfg.depth, r.steps_per_s, r.gemm_gflops, r.last_loss);
    } else if (mode == "sample") {
      const int particles = arg(2, 4096);
      const auto r = wgf::bench::bench_sample(cfg, particles, tc);
      std::printf("sample P=%d width=%d depth=%d: %.0f particle-steps/s, %.2f GFLOP/s in GEMMs\n", particles, cfg.width,
                  cfg.depth, r.particle_steps_per_s, r.gemm_gflops);
    } else if (mode == "peak") {
      const auto p = wgf::bench::sgemm_peak();
      std::printf("SGEMM peak %.1f GFLOP/s at n=%d (Eigen: %s)\n", p.gflops, p.n, wgf::bench::eigen_simd().c_str());
    } else {
      std::fprintf(stderr, "usage: bench_mlp train|sample|peak [batch|particles width depth steps]\n");
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_mlp: %s\n", e.what());
    return 1;
  }
  return 0;
}
