// wgflab field: evaluate a field s(x, t) at the points of a CSV (header x,y) and write
// x,y,s1,s2. `exact` is the density's exact noisy score under --schedule (wgf::ExactScore);
// `mlp:FILE` is a model saved by `wgflab train2d --save`, on its own schedule (wgf::MlpField).
#include <cmath>
#include <memory>

#include "commands.hpp"
#include "common.hpp"

namespace wgf::cli {
namespace {

struct FieldOptions {
  std::string density;
  std::string field = "exact";
  std::string schedule = "cosine";
  double t = 0.0;
  std::string points, out, json;
  const CLI::Option* schedule_opt = nullptr;
};

void run_field(const FieldOptions& o) {
  // 1. Validate everything before any output is touched.
  if (!std::isfinite(o.t) || o.t < 0) throw UsageError("--t must be a finite time >= 0, got " + format_number(o.t));
  const FieldSpec spec = parse_field_spec(o.field);
  check_output_path("--out", o.out);
  if (!o.json.empty()) {
    check_output_path("--json", o.json);
    if (o.json == o.out) throw UsageError("--json and --out name the same file " + o.out);
  }
  std::shared_ptr<const Density> density;
  if (!o.density.empty()) density = load_density(o.density);
  const LoadedField f = load_field(spec, density, o.schedule, o.schedule_opt->count() > 0);
  const Points x = read_points_csv(o.points, f.field->dim());

  // 2. Compute in memory.
  const Points s = f.field->eval(x, o.t);  // (D, N)
  std::vector<std::string> header = point_header(f.field->dim());
  for (int i = 1; i <= f.field->dim(); ++i) header.push_back("s" + std::to_string(i));
  const std::string csv = points_csv(header, {&x, &s});

  Json doc = run_json_head("field", nullptr);
  doc["config"] = Json{{"density", o.density.empty() ? Json(nullptr) : Json(o.density)},
                       {"field", o.field},
                       {"schedule", f.schedule_name},
                       {"t", number(o.t)},
                       {"points", o.points}};
  doc["outputs"] = Json{{"out", o.out}};
  if (!o.json.empty()) doc["outputs"]["json"] = o.json;
  const Eigen::VectorXd norms = s.colwise().norm().transpose();
  doc["metrics"] = Json{{"points", x.cols()},
                        {"k", number(f.schedule->index(o.t))},
                        {"mean_coef", number(f.schedule->mean_coef(o.t))},
                        {"sigma", number(f.schedule->sigma(o.t))},
                        {"mean_score_norm", number(norms.mean())},
                        {"max_score_norm", number(norms.maxCoeff())}};
  doc["field"] = f.description;

  // 3. Write atomically.
  write_text_atomic("--out", o.out, csv);
  if (!o.json.empty()) write_json_atomic("--json", o.json, doc);
}

}  // namespace

void add_field(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("field", "Evaluate a field s(x, t) (exact noisy score or trained MLP) at given points");
  auto o = std::make_shared<FieldOptions>();
  sub->option_defaults()->always_capture_default();
  std::string names;
  for (const std::string& n : density_names()) names += (names.empty() ? "" : "|") + n;
  sub->add_option("--density", o->density, "Density (" + names + "); required with --field exact, checked against the "
                                            "model's dimension with mlp:FILE");
  sub->add_option("--field", o->field, "exact (the density's exact noisy score) or mlp:FILE (a model saved by "
                                       "wgflab train2d --save)");
  o->schedule_opt = sub->add_option("--schedule", o->schedule,
                                    "Noise schedule of the exact field: cosine|linear|ve (an mlp:FILE field uses the "
                                    "schedule it was trained on)");
  sub->add_option("--t", o->t, "Time t >= 0 of the process (OU time for cosine/linear, t = sigma for ve)")->required();
  sub->add_option("--points", o->points, "Input CSV with the header x,y and one point per line")->required();
  sub->add_option("--out", o->out, "Output CSV: x,y,s1,s2 per point (17 significant digits)")->required();
  sub->add_option("--json", o->json, "Also write a run JSON (config, metrics: k, mean_coef, sigma, score norms)");
  sub->footer(
      "Options can also come from JSON: --config FILE (a run JSON written by this subcommand, or an object keyed by "
      "option name); options on the command line win.\n"
      "Example: wgflab field --density gmm8 --field exact --t 0.5 --points pts.csv --out score.csv");
  sub->callback([o] { run_field(*o); });
}

}  // namespace wgf::cli
