// bench_frontend: the lab's engine work per frame with live training (the target:
// under 8 ms per frame on one core), measured on the real front end run headless (ImGui with
// no backend, so the numbers are the engine's and ImGui's CPU work, not a GPU's).
//
// For each panel, on the default lesson (01-tour: gmm8, width 64, depth 3, batch 256,
// training live with a 6 ms budget): `warmup` frames, then `frames` frames, recording per frame
// the App's engine time (every engine call the frame made: training steps, field maps,
// particles, metrics) and the training steps it ran. Engine times are process CPU time (the
// App's EngineClock keeps both; the budget itself runs on wall-clock time), so a machine
// shared with compilers does not inflate them; the wall-clock mean comes along. Reference, in
// the same process: a plain loop of the same DsmTrainer::step() calls outside the UI, in CPU
// time. The ratio
//   engine CPU time in the UI / plain-loop CPU time of the same number of steps
// is the UI's engine overhead (1 = the frames did nothing but training).
//
//   bench_frontend [frames] [warmup]     (defaults 300, 60)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "app.hpp"
#include "headless.hpp"
#include "wgf/dsm.hpp"

namespace {

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

// ms per DsmTrainer::step() of the lesson's settings, best of 3 blocks of `steps`.
double plain_loop_ms(const wgf::ui::AppState& s, int steps) {
  wgf::MlpConfig mc;
  mc.width = s.train.width;
  mc.depth = s.train.depth;
  mc.param = wgf::parse_parameterization(s.train.param);
  mc.time_features = s.train.time_features;
  wgf::TrainConfig tc;
  tc.batch = s.train.batch;
  tc.lr = s.train.lr;
  tc.weighting = wgf::parse_weighting(s.train.weighting);
  wgf::Rng root(s.seed);
  auto model = std::make_shared<wgf::Mlp>(mc, root.next_u64());
  wgf::DsmTrainer trainer(wgf::make_density(s.density), model, tc, root.next_u64());
  for (int i = 0; i < 50; ++i) trainer.step();
  double best = 1e300;
  for (int r = 0; r < 3; ++r) {
    const double t0 = wgf::ui::cpu_ms_now();
    for (int i = 0; i < steps; ++i) trainer.step();
    best = std::min(best, (wgf::ui::cpu_ms_now() - t0) / steps);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const int frames = argc > 1 ? std::atoi(argv[1]) : 300, warmup = argc > 2 ? std::atoi(argv[2]) : 60;
  wgf::ui::HeadlessImGui imgui(ImVec2(1600, 1000));
  wgf::ui::AppOptions opts;
  opts.assets_dir = WGF_ASSETS_DIR;
  opts.out_dir = "";
  wgf::ui::App app(opts);
  const wgf::ui::AppState& s = app.state();
  std::printf("bench_frontend: lesson %s, %s, width %d depth %d batch %d (%s weighting), budget %.1f ms/frame\n",
              s.lesson.c_str(), s.density.c_str(), s.train.width, s.train.depth, s.train.batch,
              s.train.weighting.c_str(), s.train.budget_ms);
  const double step_ms = plain_loop_ms(s, 300);
  std::printf("plain loop: %.3f ms CPU per DsmTrainer::step() (%.0f steps/s), outside the UI\n\n", step_ms,
              1000 / step_ms);
  std::printf("%-12s %9s %9s %9s %9s %9s %11s %8s\n", "panel", "engine", "p95", "max", "engine", "frame", "steps/frame",
              "ratio");
  std::printf("%-12s %9s %9s %9s %9s %9s %11s %8s\n", "", "cpu ms", "cpu ms", "cpu ms", "wall ms", "cpu ms", "", "UI/plain");
  double worst_mean = 0, worst_p95 = 0;
  for (int p = 0; p < wgf::ui::kPanelCount; ++p) {
    app.state().panel = static_cast<wgf::ui::PanelId>(p);
    app.state().train.running = true;
    std::vector<double> engine, whole;
    double wall = 0;
    size_t steps = 0;
    for (int f = 0; f < warmup + frames; ++f) {
      imgui.io().DeltaTime = 1.0f / 60.0f;
      const size_t before = app.lab().losses().size();
      const double t0 = wgf::ui::cpu_ms_now();
      app.frame();
      const double ms = wgf::ui::cpu_ms_now() - t0;
      if (f < warmup) continue;
      engine.push_back(app.lab().clock().frame_cpu_ms());
      wall += app.lab().clock().frame_ms();
      whole.push_back(ms);
      steps += app.lab().losses().size() - before;
    }
    double total = 0, frame_total = 0;
    for (double e : engine) total += e;
    for (double e : whole) frame_total += e;
    const double mean = total / frames, per_frame = static_cast<double>(steps) / frames;
    worst_mean = std::max(worst_mean, mean);
    worst_p95 = std::max(worst_p95, percentile(engine, 0.95));
    std::printf("%-12s %9.2f %9.2f %9.2f %9.2f %9.2f %11.1f %8.2f\n", wgf::ui::panel_name(static_cast<wgf::ui::PanelId>(p)),
                mean, percentile(engine, 0.95), percentile(engine, 1.0), wall / frames, frame_total / frames, per_frame,
                total / (static_cast<double>(steps) * step_ms));
  }
  std::printf("\nworst panel: engine %.2f ms CPU/frame mean, %.2f ms p95 (target < 8 ms per frame)\n", worst_mean,
              worst_p95);
  return 0;
}
