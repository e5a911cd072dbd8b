// wgflab diagnose2d: the diagnostics of a 2D score-like field (paper Secs. 3.2-3.3, 4;
// DESIGN.md "Diagnostics") at one time t or over a sweep of time indices k, computed by the
// engine (wgf::diagnose_time / wgf::time_sweep, circle loops by wgf::circle_path and
// wgf::loop_integrals), written as one run JSON (+ CSV series) that `wgflab report` and the
// front end's Compare panel read.
//
// Seeds: the sweep's streams derive from (--seed, k) inside the engine (a row does not depend
// on which other k are swept); a --t run is the row k = 1 of a one-step schedule whose only
// time is t (OneTimeSchedule below), so its streams derive from (--seed, 1). The field maps,
// the transport samplers and the transport metrics use root.split() streams of
// wgf::Rng(--seed), in that order.
//
// Run JSON (besides the common head, common.hpp; key names are read by `wgflab report`):
//   config      every option that determines the numbers (t or k_sweep: the other is null)
//   field       the field's description; density, schedule
//   mode        "single_t" | "k_sweep"
//   loops       the path kinds in --loops order: "brownian", "rotation", "projection",
//               "circle:CX,CY,R" (one key each in loop_integral / loop_ratio)
//   notes       array of strings: how to read the numbers (Stein's identity, ...)
//   rows        one object per time, k ascending:
//                 t, k (fractional for --t), sigma,
//                 loop_integral {KIND: {mean, std, abs_mean, paths}}  (Eq. 4)
//                 loop_ratio    {KIND: {mean, std, abs_mean, paths}}  (Eq. 7)
//                   a circle is one deterministic path: paths 1, mean = its integral, std null
//                 jac_asym_abs_mean, jac_asym_abs_max, jac_asym_rel, curl_rms  (Eq. 5)
//                 error_l2 (E|e|^2), stein_mean, stein_sem, stein_rms, stein_cancellation,
//                 div_e_rms, s_dot_e_rms  (Eqs. 20-21)
//   maps        (--t only) field maps on a grid: grid {nx, ny, x_min, x_max, y_min, y_max},
//               log_density, curl, stein (nx ny arrays), field, velocity, error ({u, v}
//               arrays), circles [{cx, cy, r}]; node (i, j) is entry j nx + i, at
//               (x_min + i (x_max - x_min)/(nx - 1), y_min + j (y_max - y_min)/(ny - 1))
//   transport   (--transport) samples generated from t_max down to t ~ 0 by ode-heun and sde on
//               the --transport-grid, scored against the density: {n, steps, grid, grid_box, reference_floor,
//               field: {ode-heun: M, sde: M}, exact: {...} (field != exact),
//               gradient_part: {...} (--helmholtz), helmholtz_grid}, M = {swd, mmd, energy, grid_kl}
//   metrics     rows, diagnose_seconds, transport_seconds
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>

#include "commands.hpp"
#include "common.hpp"
#include "output_dir.hpp"
#include "wgf/diagnostics.hpp"
#include "wgf/helmholtz.hpp"
#include "wgf/metrics.hpp"
#include "wgf/mlp.hpp"
#include "wgf/ou.hpp"
#include "wgf/paths.hpp"
#include "wgf/runjson/diagnose_json.hpp"
#include "wgf/sampler.hpp"
#include "wgf/test_fields.hpp"

namespace wgf::cli {

using runjson::diagnose_notes;
using runjson::loop_stats_json;
using runjson::sweep_row_json;

namespace {

struct Diagnose2dOptions {
  std::string density;
  std::string field = "exact";
  std::string schedule = "cosine";
  double t = NAN;
  int k_sweep = 0;
  std::string loops = "brownian,rotation,projection";
  int samples = SweepConfig{}.samples;
  std::uint64_t seed = 0;
  int jacobian = 2;
  int circle_points = 1000;
  int grid = 64;
  double bridge_span = BrownianBridgeConfig{}.U;
  int bridge_steps = BrownianBridgeConfig{}.steps;
  double bridge_scale = BrownianBridgeConfig{}.scale;
  int rotation_steps = SweepConfig{}.rotation_steps;
  int projection_noisings = ProjectionConfig{}.noisings;
  int projection_points = ProjectionConfig{}.points_per_segment;
  bool transport = false;
  bool helmholtz = false;
  int transport_n = 2000;
  int transport_steps = 100;
  std::string transport_grid = "k";
  std::string out, csv;
  bool quiet = false;
  const CLI::Option* schedule_opt = nullptr;
  const CLI::Option* t_opt = nullptr;
  const CLI::Option* k_opt = nullptr;
};

// ---- loops ---------------------------------------------------------------------------------
// One entry of --loops: a sampled path kind of the engine's sweep, or a fixed circle.
struct LoopSpec {
  std::string key;  // the JSON key: "brownian" or "circle:CX,CY,R" (numbers as %.10g)
  bool circle = false;
  PathKind kind = PathKind::Brownian;
  double cx = 0, cy = 0, r = 0;
};

double parse_double(const std::string& what, const std::string& s) {
  char* end = nullptr;
  errno = 0;
  const double v = s.empty() ? NAN : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v))
    throw UsageError(what + ": '" + s + "' is not a finite number");
  return v;
}

// "circle:CX,CY,R|brownian|rotation|projection[,...]": the list is split on commas and a
// circle takes the two entries after its own.
std::vector<LoopSpec> parse_loops(const std::string& text) {
  std::vector<std::string> tok;
  std::string cur;
  for (char c : text + ",") {
    if (c == ',') {
      tok.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  const std::string where = "--loops '" + text + "'";
  const std::string expected = "expected a comma-separated list of circle:CX,CY,R, brownian, rotation, projection";
  std::vector<LoopSpec> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < tok.size(); ++i) {
    LoopSpec s;
    if (tok[i].rfind("circle:", 0) == 0) {
      if (i + 2 >= tok.size()) throw UsageError(where + ": circle needs three numbers CX,CY,R; " + expected);
      s.circle = true;
      s.kind = PathKind::Circle;
      s.cx = parse_double(where + " circle centre x", tok[i].substr(7));
      s.cy = parse_double(where + " circle centre y", tok[i + 1]);
      s.r = parse_double(where + " circle radius", tok[i + 2]);
      if (!(s.r > 0)) throw UsageError(where + ": circle radius must be > 0, got " + format_number(s.r));
      s.key = "circle:" + format_number(s.cx) + "," + format_number(s.cy) + "," + format_number(s.r);
      i += 2;
    } else {
      if (tok[i].empty()) throw UsageError(where + ": empty entry; " + expected);
      PathKind k;
      try {
        k = parse_path_kind(tok[i]);
      } catch (const std::invalid_argument&) {
        throw UsageError(where + ": unknown loop '" + tok[i] + "'; " + expected);
      }
      if (k == PathKind::Circle || k == PathKind::Polygon)
        throw UsageError(where + ": '" + tok[i] + "' needs its geometry (circle:CX,CY,R); " + expected);
      s.kind = k;
      s.key = tok[i];
    }
    if (!seen.insert(s.key).second) throw UsageError(where + ": '" + s.key + "' is listed twice");
    out.push_back(s);
  }
  return out;
}

// ---- a one-time schedule -------------------------------------------------------------------
// The engine's sweep works on the index grid k of a schedule; a --t run asks for one time t
// that need not lie on that grid. This adapter has T = 1 and t_1 = t and otherwise answers
// as the real schedule (m, sigma, f, g^2 are functions of t alone), so diagnose_time(k = 1)
// computes every diagnostic exactly at t.
class OneTimeSchedule final : public Schedule {
 public:
  OneTimeSchedule(std::shared_ptr<const Schedule> base, double t) : base_(std::move(base)) { t_ = {0.0, t}; }
  ScheduleKind kind() const override { return base_->kind(); }
  std::string name() const override { return base_->name(); }
  double mean_coef(double t) const override { return base_->mean_coef(t); }
  double sigma(double t) const override { return base_->sigma(t); }
  double drift_coef(double t) const override { return base_->drift_coef(t); }
  double diffusion_sq(double t) const override { return base_->diffusion_sq(t); }

 private:
  std::shared_ptr<const Schedule> base_;
};

// ---- JSON pieces ---------------------------------------------------------------------------
Json loop_stats(double mean, double std, double abs_mean, int paths) { return loop_stats_json(mean, std, abs_mean, paths); }

struct CircleResult {
  double integral = 0, ratio = 0;
};

Json row_json(const SweepRow& r, double k, const std::vector<LoopSpec>& loops, const std::vector<CircleResult>& circles) {
  Json li = Json::object(), lr = Json::object();
  size_t sampled = 0, circle = 0;
  for (const LoopSpec& s : loops) {
    if (s.circle) {
      const CircleResult& c = circles[circle++];
      li[s.key] = loop_stats(c.integral, NAN, std::abs(c.integral), 1);
      lr[s.key] = loop_stats(c.ratio, NAN, std::abs(c.ratio), 1);
    } else {
      const LoopStats& st = r.loops[sampled++];
      li[s.key] = loop_stats(st.mean, st.std, st.abs_mean, st.paths);
      lr[s.key] = loop_stats(st.ratio_mean, st.ratio_std, st.ratio_abs_mean, st.paths);
    }
  }
  return sweep_row_json(r, k, std::move(li), std::move(lr));
}

Json array_of(const Vec& v) {
  Json a = Json::array();
  for (Eigen::Index i = 0; i < v.size(); ++i) a.push_back(number(v[i]));
  return a;
}

Json vector_map(const Points& p) {
  return Json{{"u", array_of(p.row(0).transpose())}, {"v", array_of(p.row(1).transpose())}};
}

void run_diagnose2d(const Diagnose2dOptions& o) {
  // ---- 1. validate every option before any work or output ----
  const bool single = o.t_opt->count() > 0;
  if (single == (o.k_opt->count() > 0)) throw UsageError("give exactly one of --t T (one time) and --k-sweep N");
  if (single && !(o.t >= 0)) throw UsageError("--t must be a time >= 0, got " + format_number(o.t));
  if (!single) require_at_least("--k-sweep", o.k_sweep, 1);
  require_at_least("--samples", o.samples, 2);
  require_at_least("--jacobian", o.jacobian, 2);
  require_at_least("--circle-points", o.circle_points, 3);
  require_at_least("--grid", o.grid, 3);
  require_at_least("--bridge-steps", o.bridge_steps, 2);
  require_at_least("--rotation-steps", o.rotation_steps, 3);
  require_at_least("--projection-noisings", o.projection_noisings, 2);
  require_at_least("--projection-points", o.projection_points, 1);
  require_at_least("--transport-n", o.transport_n, 2);
  require_at_least("--transport-steps", o.transport_steps, 1);
  if (!(o.bridge_span > 0) || !std::isfinite(o.bridge_span))
    throw UsageError("--bridge-span must be a finite number > 0, got " + format_number(o.bridge_span));
  if (!(o.bridge_scale > 0) || !std::isfinite(o.bridge_scale))
    throw UsageError("--bridge-scale must be a finite number > 0, got " + format_number(o.bridge_scale));
  if (o.transport_grid != "k" && o.transport_grid != "t")
    throw UsageError("--transport-grid '" + o.transport_grid + "': expected k or t");
  if (o.helmholtz && !o.transport) throw UsageError("--helmholtz samples with the gradient part: it needs --transport");
  const std::vector<LoopSpec> loops = parse_loops(o.loops);

  check_output_path("--out", o.out);
  if (!o.csv.empty()) check_output_dir("--csv", o.csv);

  const std::shared_ptr<const Density> density = load_density(o.density);
  if (density->dim() != 2)
    throw UsageError("--density " + o.density + ": diagnose2d needs a 2D density, this one is " +
                     std::to_string(density->dim()) + "-D");
  if (o.jacobian > density->dim())
    throw UsageError("--jacobian " + std::to_string(o.jacobian) + ": the density is " + std::to_string(density->dim()) +
                     "-D, so at most " + std::to_string(density->dim()) + " coordinates");
  // An mlp field carries its schedule; the exact fields use --schedule.
  std::string schedule_name = o.schedule;
  if (o.field.rfind("mlp:", 0) == 0 && o.field.size() > 4) {
    std::string trained_on;
    try {
      trained_on = Mlp::load(o.field.substr(4)).config().schedule;
    } catch (const std::exception& e) {
      throw UsageError("--field " + o.field + ": " + e.what());
    }
    if (o.schedule_opt->count() > 0 && o.schedule != trained_on)
      throw UsageError("--schedule " + o.schedule + " conflicts with the model " + o.field.substr(4) + ", trained on the " +
                       trained_on + " schedule (an mlp field carries its own schedule; drop --schedule)");
    schedule_name = trained_on;
  }
  std::shared_ptr<const Schedule> schedule;
  try {
    schedule = make_schedule(schedule_name);
  } catch (const std::invalid_argument& e) {
    throw UsageError("--schedule: " + std::string(e.what()));
  }
  std::shared_ptr<const VectorField> field;
  try {
    field = make_field(o.field, density, schedule);
  } catch (const std::exception& e) {
    throw UsageError("--field: " + std::string(e.what()));
  }
  if (single && o.t > schedule->t_max())
    throw UsageError("--t " + format_number(o.t) + " is beyond the " + schedule_name + " schedule's t_max = " +
                     format_number(schedule->t_max()));
  if (!single && o.k_sweep > schedule->T())
    throw UsageError("--k-sweep " + std::to_string(o.k_sweep) + ": the " + schedule_name + " schedule has only T = " +
                     std::to_string(schedule->T()) + " time indices");

  SweepConfig cfg;
  cfg.num_k = single ? 1 : o.k_sweep;
  if (single) cfg.ks = {1};
  cfg.samples = o.samples;
  cfg.path_kinds.clear();
  for (const LoopSpec& s : loops)
    if (!s.circle) cfg.path_kinds.push_back(s.kind);
  cfg.brownian.U = o.bridge_span;
  cfg.brownian.steps = o.bridge_steps;
  cfg.brownian.scale = o.bridge_scale;
  cfg.rotation_steps = o.rotation_steps;
  cfg.projection.noisings = o.projection_noisings;
  cfg.projection.points_per_segment = o.projection_points;
  cfg.jacobian_coords = o.jacobian;
  cfg.seed = o.seed;
  // The truth the sweep compares with: the exact score on the real schedule, or on the
  // one-time schedule of a --t run (same m(t), sigma(t)).
  const std::shared_ptr<const Schedule> sweep_schedule =
      single ? std::make_shared<OneTimeSchedule>(schedule, o.t) : schedule;
  const ExactScore truth(density, sweep_schedule);
  try {
    cfg.validate(*sweep_schedule);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }

  // ---- 2. diagnostics in memory ----
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<int> ks = single ? cfg.ks : sweep_indices(schedule->T(), cfg.num_k);
  Progress bar("diagnose2d", static_cast<std::int64_t>(ks.size()), !o.quiet);
  const std::vector<SweepRow> rows = time_sweep(*field, truth, cfg, [&](int done, int, const SweepRow& r) {
    bar.update(done, "k " + std::to_string(r.k));
    return true;
  });
  bar.finish();
  Json rows_json = Json::array();
  for (const SweepRow& r : rows) {
    std::vector<CircleResult> circles;
    for (const LoopSpec& s : loops) {
      if (!s.circle) continue;
      const LoopIntegrals li = loop_integrals(*field, circle_path(Eigen::Vector2d(s.cx, s.cy), s.r, o.circle_points), r.t);
      circles.push_back({li.integral[0], li.ratio[0]});
    }
    rows_json.push_back(row_json(r, single ? schedule->index(o.t) : static_cast<double>(r.k), loops, circles));
  }
  const double diagnose_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  Rng root(o.seed);
  Rng maps_rng = root.split(), transport_rng = root.split(), metric_rng = root.split();

  // Field maps at a single t, on a grid over the 0.5%-99.5% quantile box of forward samples.
  Json maps;
  if (single) {
    const double t = o.t, m = schedule->mean_coef(t), sigma = schedule->sigma(t);
    const Points x0 = density->sample(maps_rng, std::max(o.samples, 2000));
    Points eps(2, x0.cols());
    sample_normal(maps_rng, eps);
    const Box2d box = grid_box_2d(ou_forward(*schedule, x0, eps, t));
    Grid2D grid;
    grid.x_min = grid.y_min = box.lo;
    grid.x_max = grid.y_max = box.hi;
    grid.nx = grid.ny = o.grid;
    const Points P = grid.points();
    const ExactScore exact(density, schedule);
    const SteinValues sv = stein_values(exact, *field, P, t, DivergenceOptions{}, maps_rng);
    Json circles = Json::array();
    for (const LoopSpec& s : loops)
      if (s.circle) circles.push_back(Json{{"cx", s.cx}, {"cy", s.cy}, {"r", s.r}});
    maps = Json{{"t", number(t)},
                {"grid", Json{{"nx", grid.nx},
                              {"ny", grid.ny},
                              {"x_min", number(grid.x_min)},
                              {"x_max", number(grid.x_max)},
                              {"y_min", number(grid.y_min)},
                              {"y_max", number(grid.y_max)}}},
                {"log_density", array_of(density->log_prob(P, m, sigma))},
                {"field", vector_map(field->eval(P, t))},
                {"velocity", vector_map(pf_ode_velocity(*field, *schedule, P, t))},
                {"error", vector_map(sv.e)},
                {"curl", array_of(curl_on_grid(*field, grid, t))},
                {"stein", array_of(sv.stein)},
                {"circles", std::move(circles)}};
  }

  // Transport: generate with the field (and the exact score, and the gradient part alone)
  // from t_max down; every run starts from the same particles and noise, and every
  // score uses the same density draws, so the runs are paired.
  Json transport;
  double transport_seconds = 0;
  if (o.transport) {
    const auto t1 = std::chrono::steady_clock::now();
    SamplerConfig sc;
    sc.steps = o.transport_steps;
    sc.grid = o.transport_grid == "k" ? TimeGrid::K : TimeGrid::T;
    sc.validate(*schedule);
    struct Variant {
      std::string key;
      std::shared_ptr<const VectorField> field;
    };
    std::vector<Variant> variants = {{"field", field}};
    if (o.field != "exact") variants.push_back({"exact", std::make_shared<ExactScore>(density, schedule)});
    Json helmholtz_grid;
    if (o.helmholtz) {
      // The split's box must hold the mass at every time: the data's quantile box and
      // 4 sigma(t_max) around the origin, squared.
      Rng box_rng = metric_rng;
      const Box2d b = grid_box_2d(density->sample(box_rng, 4000));
      const double L = std::max({std::abs(b.lo), std::abs(b.hi), 4.0 * schedule->sigma(schedule->t_max())});
      Grid2D g;
      g.x_min = g.y_min = -L;
      g.x_max = g.y_max = L;
      g.nx = g.ny = o.grid;
      std::vector<double> times = sampler_times(*schedule, sc);
      std::reverse(times.begin(), times.end());
      variants.push_back({"gradient_part", std::make_shared<HelmholtzPartField>(field, g, times, HelmholtzPart::Gradient)});
      helmholtz_grid = Json{{"nx", g.nx}, {"ny", g.ny}, {"x_min", -L}, {"x_max", L}, {"y_min", -L}, {"y_max", L}};
    }
    const std::vector<SamplerKind> samplers = {SamplerKind::OdeHeun, SamplerKind::Sde};
    Progress tbar("transport", static_cast<std::int64_t>(variants.size() * samplers.size()) * sc.steps, !o.quiet);
    std::int64_t done = 0;
    transport = Json{{"n", o.transport_n}, {"steps", sc.steps}, {"grid", o.transport_grid}};
    for (const Variant& v : variants) {
      Json per = Json::object();
      for (SamplerKind kind : samplers) {
        sc.kind = kind;
        Rng r = transport_rng, mr = metric_rng;  // copies: paired runs
        const Points x = sample(*v.field, *schedule, sc, o.transport_n, r, [&](int step, double, const Points&) {
          tbar.update(done + step, v.key + " " + to_string(kind));
          return true;
        });
        done += sc.steps;
        const cli::SampleReport rep = cli::evaluate_samples(x, *density, mr);
        per[to_string(kind)] = rep.metrics;
        if (!transport.contains("reference_floor")) {
          transport["reference_floor"] = rep.reference_floor;
          transport["grid_box"] = rep.grid_box;
        }
      }
      transport[v.key] = std::move(per);
    }
    if (o.helmholtz) transport["helmholtz_grid"] = std::move(helmholtz_grid);
    tbar.finish();
    transport_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  }

  Json doc = run_json_head("diagnose2d", o.seed);
  doc["config"] = Json{{"density", o.density},
                       {"field", o.field},
                       {"schedule", schedule_name},
                       {"t", single ? number(o.t) : Json(nullptr)},
                       {"k_sweep", single ? Json(nullptr) : Json(o.k_sweep)},
                       {"loops", o.loops},
                       {"samples", o.samples},
                       {"seed", o.seed},
                       {"jacobian", o.jacobian},
                       {"circle_points", o.circle_points},
                       {"grid", o.grid},
                       {"bridge_span", number(o.bridge_span)},
                       {"bridge_steps", o.bridge_steps},
                       {"bridge_scale", number(o.bridge_scale)},
                       {"rotation_steps", o.rotation_steps},
                       {"projection_noisings", o.projection_noisings},
                       {"projection_points", o.projection_points},
                       {"transport", o.transport},
                       {"helmholtz", o.helmholtz},
                       {"transport_n", o.transport_n},
                       {"transport_steps", o.transport_steps},
                       {"transport_grid", o.transport_grid}};
  doc["outputs"] = Json{{"out", o.out}};
  if (!o.csv.empty()) doc["outputs"]["csv"] = o.csv;
  doc["field"] = field->name();
  doc["density"] = o.density;
  doc["schedule"] = schedule_name;
  doc["mode"] = single ? "single_t" : "k_sweep";
  Json loop_keys = Json::array();
  for (const LoopSpec& s : loops) loop_keys.push_back(s.key);
  doc["loops"] = std::move(loop_keys);
  doc["notes"] = diagnose_notes();
  doc["rows"] = rows_json;
  if (single) doc["maps"] = std::move(maps);
  if (o.transport) doc["transport"] = std::move(transport);
  doc["metrics"] = Json{{"rows", rows.size()},
                        {"diagnose_seconds", number(diagnose_seconds)},
                        {"transport_seconds", o.transport ? number(transport_seconds) : Json(nullptr)}};

  // ---- 3. write: the CSV series first, the run JSON last ----
  if (!o.csv.empty()) {
    make_output_dir("--csv", o.csv);
    auto path = [&](const std::string& name) { return o.csv + "/" + name + ".csv"; };
    auto csv = [&](const std::vector<std::string>& cols, auto value) {
      std::string text;
      for (size_t c = 0; c < cols.size(); ++c) text += (c ? "," : "") + cols[c];
      text += '\n';
      char buf[40];
      for (const Json& row : rows_json) {
        for (size_t c = 0; c < cols.size(); ++c) {
          const Json v = value(row, cols[c]);
          if (v.is_null()) {
            std::snprintf(buf, sizeof buf, "nan");
          } else {
            std::snprintf(buf, sizeof buf, "%.17g", v.get<double>());
          }
          text += (c ? "," : "") + std::string(buf);
        }
        text += '\n';
      }
      return text;
    };
    for (const LoopSpec& s : loops)
      for (const char* series : {"loop_integral", "loop_ratio"})
        write_text_atomic("--csv", path(std::string(series) + "_" + file_safe(s.key)),
                          csv({"k", "t", "mean", "std", "abs_mean"}, [&](const Json& row, const std::string& col) {
                            return col == "k" || col == "t" ? row[col] : row[series][s.key][col];
                          }));
    auto plain = [](const Json& row, const std::string& col) { return row[col]; };
    write_text_atomic("--csv", path("jacobian"),
                      csv({"k", "t", "jac_asym_abs_mean", "jac_asym_abs_max", "jac_asym_rel", "curl_rms"}, plain));
    write_text_atomic("--csv", path("stein"),
                      csv({"k", "t", "error_l2", "stein_mean", "stein_sem", "stein_rms", "stein_cancellation",
                           "div_e_rms", "s_dot_e_rms"},
                          plain));
  }
  write_json_atomic("--out", o.out, doc);
  if (!o.quiet) {
    const SweepRow& last = rows.back();
    std::fprintf(stderr, "diagnose2d: %zu time%s of %s on %s in %.2f s; last row t=%.4g: curl_rms %.3g, error_l2 %.3g, "
                 "stein_rms %.3g, stein_cancellation %.3g; run %s\n",
                 rows.size(), rows.size() == 1 ? "" : "s", field->name().c_str(), o.density.c_str(), diagnose_seconds,
                 last.t, last.curl_rms, last.error_l2, last.stein_rms, last.stein_cancellation, o.out.c_str());
  }
}

}  // namespace

void add_diagnose2d(CLI::App& app) {
  CLI::App* sub = app.add_subcommand(
      "diagnose2d", "Diagnose a 2D field at one time or over k: loop integrals, Jacobian asymmetry, curl, Stein check");
  auto o = std::make_shared<Diagnose2dOptions>();
  sub->option_defaults()->always_capture_default();
  std::string names;
  for (const std::string& n : density_names()) names += (names.empty() ? "" : "|") + n;
  sub->add_option("--density", o->density, "2D density (its exact noisy score is the truth): " + names)->required();
  sub->add_option("--field", o->field,
                  "Field to diagnose: exact | exact+rot:A (s + A R s, not conservative, Stein-null) | "
                  "exact+const:CX,CY (s + c) | linear:A11,A12,A21,A22 (s = A x) | mlp:FILE (wgflab train2d --save)");
  o->schedule_opt = sub->add_option("--schedule", o->schedule,
                                    "Noise schedule: cosine|linear|ve (an mlp:FILE field uses the schedule it was "
                                    "trained on)");
  o->t_opt = sub->add_option("--t", o->t, "One time t >= 0 (process time, not k); also writes the field maps");
  o->k_opt = sub->add_option("--k-sweep", o->k_sweep, "N time indices k spread evenly over 1..T");
  sub->add_option("--loops", o->loops,
                  "Closed paths, comma-separated: brownian (bridge around x_t), rotation (noise rotated in random "
                  "coordinate pairs), projection (noisings joined on the noise shell), circle:CX,CY,R (one fixed "
                  "counter-clockwise circle, exact)");
  sub->add_option("--samples", o->samples, "Forward samples x_t per time (and sampled paths of each kind)");
  sub->add_option("--seed", o->seed, "Seed of every random stream");
  sub->add_option("--jacobian", o->jacobian, "Coordinates of the sub-Jacobian J = ds_I/dx_I (at most D = 2 in 2D)");
  sub->add_option("--circle-points", o->circle_points, "Segments of each circle loop (midpoint rule, error O(1/N^2))");
  sub->add_option("--grid", o->grid, "Nodes per axis of the field maps (--t) and of the Helmholtz split (--helmholtz)");
  sub->add_option("--bridge-span", o->bridge_span, "Brownian bridge: fictitious time span U");
  sub->add_option("--bridge-steps", o->bridge_steps, "Brownian bridge: segments per path");
  sub->add_option("--bridge-scale", o->bridge_scale, "Brownian bridge: y = x_t + scale * X_u");
  sub->add_option("--rotation-steps", o->rotation_steps, "Rotation paths: segments per path");
  sub->add_option("--projection-noisings", o->projection_noisings, "Projection paths: noisings K joined cyclically");
  sub->add_option("--projection-points", o->projection_points, "Projection paths: points per segment");
  sub->add_flag("--transport", o->transport,
                "Also generate samples with the field (ode-heun and sde from t_max down, --transport-steps on the "
                "--transport-grid) and score them against the density, next to the exact score's samples (when the "
                "field is not exact) and the Monte Carlo floor");
  sub->add_flag("--helmholtz", o->helmholtz,
                "With --transport: also generate with the gradient part of the field alone (Helmholtz-Hodge split on "
                "a --grid x --grid box)");
  sub->add_option("--transport-n", o->transport_n, "Transport: samples per run");
  sub->add_option("--transport-steps", o->transport_steps, "Transport: sampler steps");
  sub->add_option("--transport-grid", o->transport_grid,
                  "Transport time grid: k (evenly in k down to k = 1, as sample2d and train2d sample; steps crowd "
                  "near t = 0, where trained fields are stiff) or t (evenly in t down to t = 1e-3). Use t for "
                  "exact+rot:A: the k grid's first step spans t = 6.5 -> 9.9 (the schedule's clipped last betas), "
                  "which no explicit solver follows through the rotational part A R s");
  sub->add_option("--out", o->out, "Output run JSON (DIAG.json: config, rows per time, maps, transport)")->required();
  sub->add_option("--csv", o->csv,
                  "Also write CSV series into this directory (created if missing): loop_integral_KIND.csv, "
                  "loop_ratio_KIND.csv, jacobian.csv, stein.csv, one row per time");
  sub->add_flag("--quiet", o->quiet, "No progress output");
  sub->footer(
      "Per time: loop_integral and loop_ratio {mean, std, abs_mean} per path kind (Eqs. 4, 7), jac_asym_abs_mean, "
      "jac_asym_rel, curl_rms (Eq. 5), error_l2 = E|e|^2, stein_mean (+ stein_sem), stein_rms, stein_cancellation "
      "(Eqs. 20-21) with e = s_true - s. CAUTION: stein_mean is zero for every decaying error field (Stein's "
      "identity); stein_rms, stein_cancellation and --transport are the evidence.\n"
      "Plot with: wgflab report DIAG.json... --out DIR\n"
      "Example: wgflab diagnose2d --density gmm8 --field exact+rot:0.5 --k-sweep 20 --samples 256 --loops "
      "brownian,rotation,circle:0,0,1 --seed 0 --out diag.json --csv diag_csv");
  sub->callback([o] { run_diagnose2d(*o); });
}

}  // namespace wgf::cli
