// bench_web_train: DSM training steps/s of one small MLP on a 2D density (wgf::DsmTrainer,
// paper Eq. 16), one thread. The same source is built natively (build/default), as a node
// program (build/web, `node --no-experimental-fetch bench_web_train.js`) and as a browser
// module (bench_web_train_page.js, driven by bench/web/run_bench.mjs through bench.html), so
// the three rates of one configuration are measured side by side in one run.
//
// Default configuration = the peer's (Diffusion Explorer, TF.js): input 3 = (x, y, c(t)) with
// time_features 0 -> 64 -> 64 -> 64 -> 2, ELU, batch 200, Adam.
//
// Usage: bench_web_train [--width 64] [--depth 3] [--activation elu] [--time-features 0]
//                        [--batch 200] [--density gmm8] [--steps 300] [--reps 5] [--warmup 30]
// Prints one JSON line (starting with '{'). Two rates, each the best of --reps repetitions:
// per wall-clock second, and per second of CPU time (process CPU time natively, node's
// process.cpuUsage() under node; run_bench.mjs measures the browser's from outside). On a
// machine shared with compilers the CPU rate is the engine's cost; the wall rate is what
// waiting for a busy core adds to it.
#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "wgf/density.hpp"
#include "wgf/dsm.hpp"
#include "wgf/mlp.hpp"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#else
#define EMSCRIPTEN_KEEPALIVE
#endif

#ifndef WGF_BENCH_TARGET
#define WGF_BENCH_TARGET "native"
#endif

namespace {

struct Options {
  wgf::MlpConfig mlp;
  int batch = 200;
  std::string density = "gmm8";
  int steps = 300, reps = 5, warmup = 30;
};

int to_int(const std::string& name, const std::string& v) {
  char* end = nullptr;
  const long x = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end || x < 0 || x > 1000000) throw std::invalid_argument(name + ": expected a count, got '" + v + "'");
  return static_cast<int>(x);
}

Options parse(const std::vector<std::string>& args) {
  Options o;
  o.mlp.dim = 2;
  o.mlp.width = 64;
  o.mlp.depth = 3;
  o.mlp.activation = wgf::Activation::ELU;
  o.mlp.time_features = 0;
  for (size_t i = 0; i < args.size(); i += 2) {
    const std::string& a = args[i];
    if (i + 1 >= args.size()) throw std::invalid_argument(a + ": missing value (usage at the top of bench_train.cpp)");
    const std::string& v = args[i + 1];
    if (a == "--width") o.mlp.width = to_int(a, v);
    else if (a == "--depth") o.mlp.depth = to_int(a, v);
    else if (a == "--activation") o.mlp.activation = wgf::parse_activation(v);
    else if (a == "--time-features") o.mlp.time_features = to_int(a, v);
    else if (a == "--batch") o.batch = to_int(a, v);
    else if (a == "--density") o.density = v;
    else if (a == "--steps") o.steps = std::max(1, to_int(a, v));
    else if (a == "--reps") o.reps = std::max(1, to_int(a, v));
    else if (a == "--warmup") o.warmup = to_int(a, v);
    else throw std::invalid_argument("unknown option " + a);
  }
  std::shared_ptr<const wgf::Density> d(wgf::make_density(o.density));
  o.mlp.dim = d->dim();
  o.mlp.validate();
  return o;
}

// What the products vectorise with: Eigen's own report, and on wasm how it got there.
std::string simd() {
  std::string s = Eigen::SimdInstructionSetsInUse();
#if defined(__wasm_simd128__)
  s = s == "None" ? "wasm simd128 (compiler auto-vectorisation; Eigen's scalar path)"
                  : "wasm simd128 (Eigen " + s + " through Emscripten's SSE emulation)";
#endif
  return s;
}

#ifdef __EMSCRIPTEN__
// node: user + system CPU time of the process; a browser has no CPU clock (NaN).
EM_JS(double, js_cpu_seconds, (), {
  return (typeof process === 'object' && process.cpuUsage) ? (process.cpuUsage().user + process.cpuUsage().system) / 1e6
                                                           : NaN;
});
double cpu_seconds() { return js_cpu_seconds(); }
#else
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
#endif

struct Bench {
  Options o;
  std::shared_ptr<wgf::Mlp> model;
  std::unique_ptr<wgf::DsmTrainer> trainer;
  double loss = 0, cpu = NAN;  // last batch loss; CPU seconds of the last rep
  std::string reply;
};
Bench g;

}  // namespace

extern "C" {

// Builds the model and trainer from space-separated options (see the usage above).
EMSCRIPTEN_KEEPALIVE void bench_setup(const char* args) {
  std::vector<std::string> v;
  std::istringstream in(args);
  for (std::string w; in >> w;) v.push_back(w);
  g.o = parse(v);
  g.model = std::make_shared<wgf::Mlp>(g.o.mlp, 1);
  wgf::TrainConfig tc;
  tc.batch = g.o.batch;
  tc.lr = 1e-3;
  g.trainer = std::make_unique<wgf::DsmTrainer>(std::shared_ptr<const wgf::Density>(wgf::make_density(g.o.density)),
                                                g.model, tc, 2);
}

// `steps` training steps; returns their wall-clock seconds (CPU seconds in bench_last_cpu()).
EMSCRIPTEN_KEEPALIVE double bench_rep(int steps) {
  const double c0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) g.loss = g.trainer->step();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  g.cpu = cpu_seconds() - c0;
  return wall;
}
EMSCRIPTEN_KEEPALIVE double bench_last_cpu() { return g.cpu; }

// The JSON result line for the given best seconds per step (wall, CPU; NaN CPU -> null).
EMSCRIPTEN_KEEPALIVE const char* bench_report(double wall_per_step, double cpu_per_step) {
  char buf[1024];
  const bool cpu_ok = std::isfinite(cpu_per_step) && cpu_per_step > 0;
  std::snprintf(buf, sizeof buf,
                "{\"bench\": \"train2d\", \"target\": \"%s\", \"simd\": \"%s\", \"model\": \"%s\", \"batch\": %d, "
                "\"density\": \"%s\", \"params\": %zu, \"steps\": %d, \"reps\": %d, \"steps_per_s\": %.1f, "
                "\"cpu_steps_per_s\": %s, \"ms_per_step\": %.4f, \"last_loss\": %.6g}",
                WGF_BENCH_TARGET, simd().c_str(), wgf::describe(g.o.mlp).c_str(), g.o.batch, g.o.density.c_str(),
                g.model->num_params(), g.o.steps, g.o.reps, 1.0 / wall_per_step,
                cpu_ok ? std::to_string(1.0 / cpu_per_step).c_str() : "null", 1e3 * wall_per_step, g.loss);
  g.reply = buf;
  return g.reply.c_str();
}

}  // extern "C"

int main(int argc, char** argv) {
#ifdef WGF_BENCH_PAGE
  (void)argc, (void)argv;
  return 0;  // the page's JS drives bench_setup / bench_rep (run_bench.mjs)
#else
  try {
    std::string args;
    for (int i = 1; i < argc; ++i) args += std::string(argv[i]) + " ";
    bench_setup(args.c_str());
    bench_rep(g.o.warmup);
    double wall = 1e300, cpu = 1e300;
    for (int r = 0; r < g.o.reps; ++r) {
      wall = std::min(wall, bench_rep(g.o.steps) / g.o.steps);
      cpu = std::isfinite(bench_last_cpu()) ? std::min(cpu, bench_last_cpu() / g.o.steps) : NAN;
    }
    std::printf("%s\n", bench_report(wall, cpu));
    std::fflush(stdout);
    return std::isfinite(g.loss) ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_web_train: error: %s\n", e.what());
    return 2;
  }
#endif
}
