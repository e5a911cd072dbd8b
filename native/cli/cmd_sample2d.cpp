// wgflab sample2d: run a sampler (probability-flow ODE, reverse SDE or DDPM; sampler.hpp) with
// the exact or a trained field and score the samples against fresh draws of the density, next
// to the Monte Carlo floor of a second draw (common.hpp, evaluate_samples).
//
// Seeds: root wgf::Rng(--seed); the sampler's stream is root.split(), the metrics' root.split()
// after it. Run JSON (besides the common head): metrics {swd, mmd, energy, grid_kl,
// sample_seconds}, reference_floor, grid_box, field (a description of the field).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "common.hpp"
#include "wgf/sampler.hpp"

namespace wgf::cli {
namespace {

struct Sample2dOptions {
  std::string density;
  std::string field = "exact";
  std::string schedule = "cosine";
  std::string sampler = "ode-heun";
  int steps = 100;
  std::string grid = "k";
  int n = 2000;
  std::uint64_t seed = 0;
  std::string out, samples;
  bool quiet = false;
  const CLI::Option* schedule_opt = nullptr;
};

void run_sample2d(const Sample2dOptions& o) {
  // ---- 1. validate ----
  require_at_least("--steps", o.steps, 1);
  require_at_least("--n", o.n, 2);
  SamplerConfig sc;
  try {
    sc.kind = parse_sampler(o.sampler);
  } catch (const std::invalid_argument& e) {
    throw UsageError("--sampler: " + std::string(e.what()));
  }
  if (o.grid != "k" && o.grid != "t") throw UsageError("--grid '" + o.grid + "': expected k or t");
  sc.grid = o.grid == "k" ? TimeGrid::K : TimeGrid::T;
  sc.steps = o.steps;
  const FieldSpec spec = parse_field_spec(o.field);
  check_output_path("--out", o.out);
  if (!o.samples.empty()) {
    check_output_path("--samples", o.samples);
    if (o.samples == o.out) throw UsageError("--samples and --out name the same file " + o.out);
  }
  const std::shared_ptr<const Density> density = load_density(o.density);
  const LoadedField f = load_field(spec, density, o.schedule, o.schedule_opt->count() > 0);
  try {
    sc.validate(*f.schedule);
  } catch (const std::invalid_argument& e) {
    throw UsageError("--steps/--grid: " + std::string(e.what()));
  }

  // ---- 2. sample and score in memory ----
  Rng root(o.seed);
  Rng sampler_rng = root.split(), metric_rng = root.split();
  const auto t0 = std::chrono::steady_clock::now();
  Progress bar("sample2d", sc.steps, !o.quiet);
  const Points x = sample(*f.field, *f.schedule, sc, o.n, sampler_rng, [&](int step, double, const Points&) {
    bar.update(step);
    return true;
  });
  bar.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const SampleReport report = evaluate_samples(x, *density, metric_rng);

  Json doc = run_json_head("sample2d", o.seed);
  doc["config"] = Json{{"density", o.density}, {"field", o.field},  {"schedule", f.schedule_name},
                       {"sampler", o.sampler}, {"steps", o.steps},  {"grid", o.grid},
                       {"n", o.n},             {"seed", o.seed}};
  doc["outputs"] = Json{{"out", o.out}};
  if (!o.samples.empty()) doc["outputs"]["samples"] = o.samples;
  doc["field"] = f.description;
  Json metrics = report.metrics;
  metrics["sample_seconds"] = number(seconds);
  doc["metrics"] = std::move(metrics);
  doc["reference_floor"] = report.reference_floor;
  doc["grid_box"] = report.grid_box;

  // ---- 3. write atomically ----
  if (!o.samples.empty()) write_text_atomic("--samples", o.samples, points_csv(point_header(static_cast<int>(x.rows())), {&x}));
  write_json_atomic("--out", o.out, doc);
  if (!o.quiet) {
    const Json& m = doc["metrics"];
    const Json& r = doc["reference_floor"];
    auto show = [](const Json& v) { return v.is_null() ? NAN : v.get<double>(); };
    std::fprintf(stderr, "sample2d: swd %.4g (floor %.4g), mmd %.3g (floor %.3g), grid_kl %.4g (floor %.4g); run %s\n",
                 show(m["swd"]), show(r["swd"]), show(m["mmd"]), show(r["mmd"]), show(m["grid_kl"]),
                 show(r["grid_kl"]), o.out.c_str());
  }
}

}  // namespace

void add_sample2d(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("sample2d", "Sample a 2D density with a field and a sampler; score the samples");
  auto o = std::make_shared<Sample2dOptions>();
  sub->option_defaults()->always_capture_default();
  std::string names;
  for (const std::string& n : density_names()) names += (names.empty() ? "" : "|") + n;
  sub->add_option("--density", o->density, "Target density (the exact field's and the metrics'): " + names)->required();
  sub->add_option("--field", o->field, "exact (the density's exact noisy score) or mlp:FILE (a model saved by "
                                       "wgflab train2d --save)");
  o->schedule_opt = sub->add_option("--schedule", o->schedule,
                                    "Noise schedule of the exact field: cosine|linear|ve (an mlp:FILE field uses the "
                                    "schedule it was trained on)");
  sub->add_option("--sampler", o->sampler, "ode-euler|ode-heun|ode-rk4 (probability flow), sde (reverse SDE, "
                                           "Euler-Maruyama) or ddpm (ancestral)");
  sub->add_option("--steps", o->steps, "Sampler steps N");
  sub->add_option("--grid", o->grid, "Time grid: k (N+1 indices evenly spaced in k from T to 0) or t (evenly in t down "
                                     "to t = 1e-3; not for ddpm)");
  sub->add_option("--n", o->n, "Number of samples (and of fresh density samples for the metrics)");
  sub->add_option("--seed", o->seed, "Seed of the sampler and of the density draws");
  sub->add_option("--out", o->out, "Output run JSON (config, seed, version, metrics, reference_floor)")->required();
  sub->add_option("--samples", o->samples, "Also write the samples as CSV (x,y)");
  sub->add_flag("--quiet", o->quiet, "No progress output");
  sub->footer(
      "Metrics against fresh density samples: swd (sliced Wasserstein-2, 128 projections), mmd (squared MMD, RBF "
      "kernel, median bandwidth), energy (energy distance), grid_kl (KL(density || samples) of 64x64 histograms over "
      "the 0.5%-99.5% quantile box of the density samples, padded 10%). reference_floor: the same metrics for a second "
      "independent density draw, the Monte Carlo floor at this n.\n"
      "Options can also come from JSON: --config FILE (a run JSON written by this subcommand, or an object keyed by "
      "option name); options on the command line win.\n"
      "Example: wgflab sample2d --density gmm8 --field exact --sampler ode-heun --steps 100 --n 2000 --seed 0 "
      "--out run.json --samples x.csv");
  sub->callback([o] { run_sample2d(*o); });
}

}  // namespace wgf::cli
