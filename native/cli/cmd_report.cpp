// wgflab report: PNG figures of `wgflab diagnose2d` runs, drawn with native/report (our own
// rasteriser over stb_image_write), plus DIR/index.md listing what each figure shows.
//
//   k sweeps (the paper's Figs. 2, 4, 6): violations against the time index k, one series per
//     run (named after its field), mean ± std bands:
//       loop_integral.png       mean |loop integral| per path kind (Eq. 4)
//       loop_ratio.png          mean |Eq. 7 ratio| per path kind
//       jacobian_asymmetry.png  mean |J - J^T|, ||J - J^T||_F / ||J + J^T||_F, RMS curl (Eq. 5)
//       stein.png               E|e|^2, RMS S, |mean S| against 2 standard errors, cancellation
//   single-time runs: maps_N_FIELD.png per run — log p_t, s, the WGF velocity -x - s, the
//     error e, the curl and the Stein value S on the run's grid (circle loops drawn on top).
// A y axis is log10 when its positive values span two decades or more (values <= 0 are then
// not drawn; the index says so). Nothing is computed here but display choices (which nodes
// carry quiver arrows, colour limits): every number comes from the run JSON.
//
// Sections: [loading] [display helpers] [sweep figures] [map figures] [index] [command]
#include <algorithm>
#include <filesystem>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "commands.hpp"
#include "common.hpp"
#include "figure.hpp"
#include "output_dir.hpp"

namespace wgf::cli {
namespace {

using report::Canvas;
using report::Colormap;
using report::HeatmapFigure;
using report::LineFigure;
using report::Scale;

constexpr double kPi = 3.14159265358979323846;

struct ReportOptions {
  std::vector<std::string> inputs;
  std::string out;
  int panel_width = 560, panel_height = 400;
  bool quiet = false;
};

// ---- [loading] ------------------------------------------------------------------------------
// One diagnose2d run, checked for every key the figures read.
struct Run {
  std::string path, name, field, density, schedule, mode;
  Json doc;
  std::vector<std::string> loops;
  bool single() const { return mode == "single_t"; }
};

class Checker {
 public:
  explicit Checker(std::string path) : path_(std::move(path)) {}
  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw UsageError("report: " + path_ + ": " + where + " " + what +
                     " (expected a run JSON written by wgflab diagnose2d or diagnose --out)");
  }
  const Json& key(const Json& j, const std::string& k, const std::string& where) const {
    if (!j.is_object() || !j.contains(k)) fail(where, "has no key '" + k + "'");
    return j[k];
  }
  // A number or null (null: a non-finite value, or a statistic that does not apply).
  void number(const Json& j, const std::string& k, const std::string& where) const {
    const Json& v = key(j, k, where);
    if (!v.is_number() && !v.is_null()) fail(where + "." + k, "is not a number");
  }
  std::string string(const Json& j, const std::string& k, const std::string& where) const {
    const Json& v = key(j, k, where);
    if (!v.is_string()) fail(where + "." + k, "is not a string");
    return v.get<std::string>();
  }
  void array(const Json& j, const std::string& k, size_t n, const std::string& where) const {
    const Json& v = key(j, k, where);
    if (!v.is_array() || v.size() != n)
      fail(where + "." + k, "is not an array of " + std::to_string(n) + " numbers");
    for (const Json& x : v)
      if (!x.is_number() && !x.is_null()) fail(where + "." + k, "holds a non-number");
  }

 private:
  std::string path_;
};

const char* const kRowNumbers[] = {"t",        "k",          "jac_asym_abs_mean", "jac_asym_rel",
                                   "curl_rms", "error_l2",   "stein_mean",        "stein_sem",
                                   "stein_rms", "stein_cancellation"};

Run load_run(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError("report: " + path + ": cannot open for reading");
  Run r;
  r.path = path;
  try {
    r.doc = Json::parse(in);
  } catch (const Json::exception& e) {
    throw UsageError("report: " + path + ": not valid JSON (" + std::string(e.what()) + ")");
  }
  const Checker c(path);
  const Json& d = r.doc;
  if (!d.is_object()) c.fail("the document", "is not a JSON object");
  const std::string command = c.string(d, "command", "the document");
  // diagnose2d runs, and image runs of `wgflab diagnose` (same row keys, k sweeps only).
  const bool image = command == "diagnose";
  if (command != "diagnose2d" && !image)
    c.fail("the document", "is a run of '" + command + "', not of diagnose2d or diagnose");
  if (!d.contains("schema_version") || d["schema_version"] != 1) c.fail("schema_version", "is not 1");
  r.mode = c.string(d, "mode", "the document");
  if (r.mode != "single_t" && r.mode != "k_sweep") c.fail("mode", "is '" + r.mode + "', not single_t or k_sweep");
  r.density = c.string(d, "density", "the document");
  r.schedule = c.string(d, "schedule", "the document");
  r.field = image ? c.string(d, "field", "the document") : c.string(c.key(d, "config", "the document"), "field", "config");
  if (image && r.mode != "k_sweep") c.fail("mode", "is not k_sweep (the image diagnose writes sweeps)");
  const Json& loops = c.key(d, "loops", "the document");
  if (!loops.is_array()) c.fail("loops", "is not an array");
  for (const Json& l : loops) {
    if (!l.is_string()) c.fail("loops", "holds a non-string");
    r.loops.push_back(l.get<std::string>());
  }
  const Json& rows = c.key(d, "rows", "the document");
  if (!rows.is_array() || rows.empty()) c.fail("rows", "is not a non-empty array");
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string where = "rows[" + std::to_string(i) + "]";
    for (const char* k : kRowNumbers) c.number(rows[i], k, where);
    for (const char* series : {"loop_integral", "loop_ratio"})
      for (const std::string& kind : r.loops)
        for (const char* stat : {"mean", "std", "abs_mean"})
          c.number(c.key(c.key(rows[i], series, where), kind, where + "." + series), stat,
                   where + "." + series + "." + kind);
  }
  if (r.single()) {
    const Json& maps = c.key(d, "maps", "the document");
    const Json& g = c.key(maps, "grid", "maps");
    for (const char* k : {"nx", "ny"})
      if (!c.key(g, k, "maps.grid").is_number_integer() || g[k].get<long>() < 2 || g[k].get<long>() > 4096)
        c.fail("maps.grid." + std::string(k), "is not a node count in 2..4096");
    for (const char* k : {"x_min", "x_max", "y_min", "y_max"})
      if (!c.key(g, k, "maps.grid").is_number()) c.fail("maps.grid." + std::string(k), "is not a number");
    if (!(g["x_max"].get<double>() > g["x_min"].get<double>() && g["y_max"].get<double>() > g["y_min"].get<double>()))
      c.fail("maps.grid", "is not a box with x_max > x_min and y_max > y_min");
    const size_t n = g["nx"].get<size_t>() * g["ny"].get<size_t>();
    for (const char* k : {"log_density", "curl", "stein"}) c.array(maps, k, n, "maps");
    for (const char* k : {"field", "velocity", "error"}) {
      c.array(c.key(maps, k, "maps"), "u", n, "maps." + std::string(k));
      c.array(maps[k], "v", n, "maps." + std::string(k));
    }
    const Json& circles = c.key(maps, "circles", "maps");
    if (!circles.is_array()) c.fail("maps.circles", "is not an array");
    for (const Json& ci : circles)
      for (const char* k : {"cx", "cy", "r"}) c.number(ci, k, "maps.circles[]");
  }
  return r;
}

// Legend names: the field spec (an mlp file by its base name), made unique with the density
// when runs differ in it, then with the file name.
void name_runs(std::vector<Run>& runs) {
  std::set<std::string> densities;
  for (Run& r : runs) {
    r.name = r.field;
    // mlp:DIR/FILE -> mlp:FILE; unet:DIR/RUN/checkpoint.pt (EMA) -> unet:RUN (EMA); torchscript:DIR/F -> torchscript:F
    for (const char* prefix : {"mlp:", "unet:", "torchscript:"}) {
      if (r.name.rfind(prefix, 0) != 0) continue;
      std::string rest = r.name.substr(std::string(prefix).size()), suffix;
      const size_t paren = rest.find(" (");
      if (paren != std::string::npos) {
        suffix = rest.substr(paren);
        rest = rest.substr(0, paren);
      }
      const std::filesystem::path p(rest);
      const std::string base = p.filename() == "checkpoint.pt" && p.has_parent_path() ? p.parent_path().filename().string()
                                                                                     : p.filename().string();
      r.name = prefix + base + suffix;
    }
    densities.insert(r.density);
  }
  if (densities.size() > 1)
    for (Run& r : runs) r.name += " (" + r.density + ")";
  std::map<std::string, int> count;
  for (const Run& r : runs) ++count[r.name];
  for (Run& r : runs) {
    if (count[r.name] < 2) continue;
    const size_t slash = r.path.find_last_of('/');
    r.name += " [" + (slash == std::string::npos ? r.path : r.path.substr(slash + 1)) + "]";
  }
}

// ---- [display helpers] ----------------------------------------------------------------------
double num(const Json& v) { return v.is_number() ? v.get<double>() : NAN; }

std::vector<double> column(const Run& r, const std::string& key) {
  std::vector<double> out;
  for (const Json& row : r.doc["rows"]) out.push_back(num(row[key]));
  return out;
}

std::vector<double> loop_column(const Run& r, const std::string& series, const std::string& kind, const char* stat) {
  std::vector<double> out;
  for (const Json& row : r.doc["rows"]) out.push_back(num(row[series][kind][stat]));
  return out;
}

std::vector<double> abs_of(std::vector<double> v) {
  for (double& x : v) x = std::abs(x);
  return v;
}

// log10 when the positive finite values (over every series and band) span >= 2 decades.
Scale scale_for(const LineFigure& f) {
  double lo = INFINITY, hi = 0;
  for (const report::Series& s : f.series)
    for (const std::vector<double>* v : {&s.y, &s.band_low, &s.band_high})
      for (double x : *v)
        if (std::isfinite(x) && x > 0) {
          lo = std::min(lo, x);
          hi = std::max(hi, x);
        }
  return hi > 0 && hi >= 100 * lo ? Scale::log10 : Scale::linear;
}

// Settles the y scale. On a log axis a band y ± d is drawn symmetric in log, from y^2/(y + d)
// to y + d: its true lower edge y - d is often <= 0 (the spread of |loop integral| is that of
// the signed integral, whose mean is near 0) and could not be drawn.
void finish_axes(LineFigure& f) {
  f.y_scale = scale_for(f);
  if (f.y_scale != Scale::log10) return;
  for (report::Series& s : f.series)
    for (size_t i = 0; i < s.band_low.size(); ++i)
      s.band_low[i] = s.y[i] * s.y[i] / s.band_high[i];
  if (f.y_label.find("log") == std::string::npos) f.y_label += " (log)";
}

// A figure with its file name and what the index says about it.
struct Output {
  std::string file, caption;
  Canvas canvas;
};

Canvas compose_panels(std::vector<std::unique_ptr<report::Figure>>& figs, int cols, const ReportOptions& o,
                      const std::string& title) {
  std::vector<const report::Figure*> panels;
  for (const auto& f : figs) panels.push_back(f.get());
  return report::compose(panels, std::min<int>(cols, static_cast<int>(panels.size())), o.panel_width, o.panel_height,
                         title);
}

// ---- [sweep figures] ------------------------------------------------------------------------
std::unique_ptr<LineFigure> k_figure(const std::string& title, const std::string& y_label) {
  auto f = std::make_unique<LineFigure>();
  f->title = title;
  f->x_label = "time index k";
  f->y_label = y_label;
  return f;
}

// One run's series against k in the run's colour; std_dev (when given) shades y ± std_dev.
void add_series(LineFigure& f, const Run& r, size_t index, std::vector<double> y, const std::vector<double>* std_dev) {
  report::Series& s = f.add(r.name, column(r, "k"), y);
  s.color = report::palette_color(index);
  s.markers = y.size() <= 25;
  if (std_dev) {
    s.band_low = y;
    s.band_high = y;
    for (size_t i = 0; i < y.size(); ++i) {
      s.band_low[i] = y[i] - (*std_dev)[i];
      s.band_high[i] = y[i] + (*std_dev)[i];
    }
  }
}

std::vector<std::string> loop_kinds(const std::vector<Run>& runs) {
  std::vector<std::string> kinds;
  for (const Run& r : runs)
    for (const std::string& k : r.loops)
      if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) kinds.push_back(k);
  return kinds;
}

void sweep_figures(const std::vector<Run>& runs, const ReportOptions& o, std::vector<Output>& out) {
  const std::vector<std::string> kinds = loop_kinds(runs);
  struct LoopFigure {
    const char* series;
    const char* file;
    const char* what;
    const char* caption;
  };
  const LoopFigure loop_figures[] = {
      {"loop_integral", "loop_integral.png", "mean |loop integral of s . dy|",
       "Integral constraint (Eq. 4; paper Fig. 2a/b): per path kind, the mean over the sampled paths of |sum s(y_mid) "
       ". dy| against the time index k, shaded ± one standard deviation of the signed integral. A score (gradient "
       "field) gives 0 up to the midpoint rule's O(1/L^2); a circle is one fixed path (no band)."},
      {"loop_ratio", "loop_ratio.png", "mean |Eq. 7 ratio|",
       "Normalised integral constraint (Eq. 7; paper Figs. 6, 7): per path kind, the mean of |2 loop integral / sum "
       "|y_mid| |dy||, the violation relative to the linear drift x of the reverse dynamics, ± one standard "
       "deviation."},
  };
  for (const LoopFigure& lf : loop_figures) {
    if (kinds.empty()) break;
    std::vector<std::unique_ptr<report::Figure>> panels;
    for (const std::string& kind : kinds) {
      auto f = k_figure(kind, lf.what);
      for (size_t i = 0; i < runs.size(); ++i) {
        const Run& r = runs[i];
        if (std::find(r.loops.begin(), r.loops.end(), kind) == r.loops.end()) continue;
        const std::vector<double> sd = loop_column(r, lf.series, kind, "std");
        const bool band = std::any_of(sd.begin(), sd.end(), [](double v) { return std::isfinite(v); });
        add_series(*f, r, i, loop_column(r, lf.series, kind, "abs_mean"), band ? &sd : nullptr);
      }
      finish_axes(*f);
      panels.push_back(std::move(f));
    }
    out.push_back({lf.file, lf.caption,
                   compose_panels(panels, 3, o, std::string(lf.what) + " against k, per path kind")});
  }

  // Differential constraint.
  {
    std::vector<std::unique_ptr<report::Figure>> panels;
    struct P {
      const char* key;
      const char* title;
      const char* label;
    };
    for (const P& p : {P{"jac_asym_abs_mean", "mean |J - J^T| (Eq. 5)", "mean |ds_i/dx_j - ds_j/dx_i|"},
                       P{"jac_asym_rel", "relative asymmetry", "||J - J^T||_F / ||J + J^T||_F"},
                       P{"curl_rms", "curl RMS (2D)", "RMS of ds2/dx1 - ds1/dx2"}}) {
      // The curl exists in 2D only: image runs (D > 2) leave it null, and its panel out.
      bool any = false;
      for (const Run& r : runs)
        for (double v : column(r, p.key)) any = any || std::isfinite(v);
      if (!any) continue;
      auto f = k_figure(p.title, p.label);
      for (size_t i = 0; i < runs.size(); ++i) add_series(*f, runs[i], i, column(runs[i], p.key), nullptr);
      finish_axes(*f);
      panels.push_back(std::move(f));
    }
    out.push_back({"jacobian_asymmetry.png",
                   "Differential constraint (Eq. 5; paper Fig. 2c/d): at the forward samples of each k, the mean "
                   "|J - J^T| over the sub-Jacobian's off-diagonal pairs, the relative asymmetry ||J - J^T||_F / "
                   "||J + J^T||_F, and the RMS of the 2D curl. A score's Jacobian is symmetric: all three are 0.",
                   compose_panels(panels, static_cast<int>(panels.size()), o, "Jacobian asymmetry against k")});
  }

  // Error and Stein statistics.
  {
    std::vector<std::unique_ptr<report::Figure>> panels;
    auto l2 = k_figure("error norm E|e|^2, e = s_true - s", "E|e|^2");
    auto rms = k_figure("RMS of the Stein value S", "RMS S = RMS(div e + s_true . e)");
    auto mean = k_figure("|mean S| (solid) and 2 standard errors (dashed)", "|mean S|");
    auto canc = k_figure("cancellation RMS S / (RMS div e + RMS s.e)", "cancellation ratio");
    for (size_t i = 0; i < runs.size(); ++i) {
      const Run& r = runs[i];
      add_series(*l2, r, i, column(r, "error_l2"), nullptr);
      add_series(*rms, r, i, column(r, "stein_rms"), nullptr);
      add_series(*mean, r, i, abs_of(column(r, "stein_mean")), nullptr);
      std::vector<double> two_se = column(r, "stein_sem");
      for (double& v : two_se) v *= 2;
      report::Series& se = mean->add("", column(r, "k"), std::move(two_se));  // unnamed: not in the legend
      se.color = report::palette_color(i);
      se.dashed = true;
      add_series(*canc, r, i, column(r, "stein_cancellation"), nullptr);
    }
    for (auto* f : {l2.get(), rms.get(), mean.get(), canc.get()}) finish_axes(*f);
    if (canc->y_scale == Scale::linear) canc->y_min = 0.0;
    panels.push_back(std::move(l2));
    panels.push_back(std::move(rms));
    panels.push_back(std::move(mean));
    panels.push_back(std::move(canc));
    out.push_back({"stein.png",
                   "Stein null-kernel check (Eqs. 20-21; paper Fig. 4): E|e|^2 of the error e = s_true - s; the RMS of "
                   "S = div e + s_true . e (0 iff e is in the null kernel at the samples, i.e. the field transports "
                   "the true marginals); |mean S| (solid) against 2 standard errors (dashed) — the mean is 0 for EVERY "
                   "decaying error field (Stein's identity), so a solid line below its dashed one is no evidence by itself; "
                   "and the cancellation ratio RMS S / (RMS div e + RMS s_true . e), near 0 when the two terms "
                   "cancel point by point, near 1 when they do not (also when both vanish separately).",
                   compose_panels(panels, 2, o, "error norm and Stein statistics against k")});
  }
}

// ---- [map figures] --------------------------------------------------------------------------
std::vector<double> values_of(const Json& a) {
  std::vector<double> v;
  v.reserve(a.size());
  for (const Json& x : a) v.push_back(num(x));
  return v;
}

struct MapGrid {
  int nx = 0, ny = 0;
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  double hx() const { return (x_max - x_min) / (nx - 1); }
  double hy() const { return (y_max - y_min) / (ny - 1); }
};

// A heatmap of node values: each node is the centre of one cell.
std::unique_ptr<HeatmapFigure> node_map(const MapGrid& g, std::vector<double> values, const std::string& title,
                                        const std::string& bar_label, Colormap map) {
  auto f = std::make_unique<HeatmapFigure>();
  f->title = title;
  f->x_label = "x1";
  f->y_label = "x2";
  f->colorbar_label = bar_label;
  f->colormap = map;
  f->set_grid(g.nx, g.ny, std::move(values), g.x_min - 0.5 * g.hx(), g.x_max + 0.5 * g.hx(), g.y_min - 0.5 * g.hy(),
              g.y_max + 0.5 * g.hy());
  return f;
}

// The 99th percentile of |v| over the finite values (0 when there are none).
double p99_abs(const std::vector<double>& v) {
  std::vector<double> a;
  for (double x : v)
    if (std::isfinite(x)) a.push_back(std::abs(x));
  if (a.empty()) return 0;
  const size_t q = static_cast<size_t>(0.99 * static_cast<double>(a.size() - 1));
  std::nth_element(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(q), a.end());
  return a[q];
}

// Symmetric colour limits: the 99th percentile of |value| (a few extreme nodes would wash out
// the rest of the map), but at least `floor`, the scale the quantity is judged against; so a
// curl or Stein value that is rounding noise next to that scale shows white, not as a
// full-contrast pattern of noise.
void diverging_limits(HeatmapFigure& f, double floor) {
  const double m = std::max(p99_abs(f.values), floor);
  if (m > 0 && std::isfinite(m)) {
    f.v_min = -m;
    f.v_max = m;
  }
}

// Arrows at the cell centres of a q x q quiver grid (q <= 20) laid over the map, each taking
// the vector of the nearest node (at most half a node spacing away).
report::Quiver quiver_of(const MapGrid& g, const Json& vec, report::Rgb color) {
  const std::vector<double> u = values_of(vec["u"]), v = values_of(vec["v"]);
  report::Quiver q;
  q.nx = std::min(g.nx, 20);
  q.ny = std::min(g.ny, 20);
  for (int b = 0; b < q.ny; ++b)
    for (int a = 0; a < q.nx; ++a) {
      const int i = std::clamp(static_cast<int>(std::lround((a + 0.5) * g.nx / q.nx - 0.5)), 0, g.nx - 1);
      const int j = std::clamp(static_cast<int>(std::lround((b + 0.5) * g.ny / q.ny - 0.5)), 0, g.ny - 1);
      const size_t n = static_cast<size_t>(j) * static_cast<size_t>(g.nx) + static_cast<size_t>(i);
      q.u.push_back(std::isfinite(u[n]) ? u[n] : 0.0);
      q.v.push_back(std::isfinite(v[n]) ? v[n] : 0.0);
    }
  q.color = color;
  return q;
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

void map_figure(const Run& r, size_t index, const ReportOptions& o, std::vector<Output>& out) {
  const Json& m = r.doc["maps"];
  const Json& gj = m["grid"];
  MapGrid g;
  g.nx = gj["nx"].get<int>();
  g.ny = gj["ny"].get<int>();
  g.x_min = gj["x_min"].get<double>();
  g.x_max = gj["x_max"].get<double>();
  g.y_min = gj["y_min"].get<double>();
  g.y_max = gj["y_max"].get<double>();
  const Json& row = r.doc["rows"][0];

  std::vector<report::Loop> circles;
  for (const Json& c : m["circles"]) {
    report::Loop l;
    const double cx = num(c["cx"]), cy = num(c["cy"]), rad = num(c["r"]);
    for (int i = 0; i < 256; ++i) {  // a drawing of the circle, not its integral
      const double a = 2 * kPi * i / 256;
      l.x.push_back(cx + rad * std::cos(a));
      l.y.push_back(cy + rad * std::sin(a));
    }
    l.color = report::Rgb{255, 255, 255};
    l.dashed = true;
    circles.push_back(l);
  }

  // log p_t, coloured over the top 10 nats (the far tails would take the whole colour range).
  const std::vector<double> logp = values_of(m["log_density"]);
  double top = -INFINITY;
  for (double v : logp)
    if (std::isfinite(v)) top = std::max(top, v);
  auto density_map = [&](const std::string& title) {
    auto f = node_map(g, logp, title, "log p_t", Colormap::sequential);
    if (std::isfinite(top)) {
      f->v_min = top - 10;
      f->v_max = top;
    }
    return f;
  };
  // Display scales: |e|, |s|, and |s_true| |e| (s_true = s + e), the Cauchy-Schwarz bound of
  // the term s_true . e of S.
  const std::vector<double> su = values_of(m["field"]["u"]), sv = values_of(m["field"]["v"]);
  const std::vector<double> eu = values_of(m["error"]["u"]), ev = values_of(m["error"]["v"]);
  std::vector<double> e_norm(eu.size()), s_norm(eu.size()), bound(eu.size());
  for (size_t i = 0; i < eu.size(); ++i) {
    e_norm[i] = std::hypot(eu[i], ev[i]);
    s_norm[i] = std::hypot(su[i], sv[i]);
    bound[i] = std::hypot(su[i] + eu[i], sv[i] + ev[i]) * e_norm[i];
  }
  const double half_width = 0.5 * std::max(g.x_max - g.x_min, g.y_max - g.y_min);
  constexpr report::Rgb dark{25, 25, 25}, light{255, 255, 255};

  std::vector<std::unique_ptr<report::Figure>> panels;
  auto dens = density_map("log density log p_t");
  dens->loops = circles;
  panels.push_back(std::move(dens));
  auto field = density_map("field s (arrows) over log p_t");
  field->quivers.push_back(quiver_of(g, m["field"], dark));
  panels.push_back(std::move(field));
  auto vel = density_map("WGF velocity -x - s over log p_t");
  vel->quivers.push_back(quiver_of(g, m["velocity"], dark));
  panels.push_back(std::move(vel));
  auto err = node_map(g, e_norm, "error e = s_true - s, E|e|^2 " + fmt(num(row["error_l2"])), "|e|", Colormap::sequential);
  err->v_min = 0.0;  // |e| >= 0: a constant |e| shows as one colour, not as its rounding noise
  err->quivers.push_back(quiver_of(g, m["error"], light));
  panels.push_back(std::move(err));
  auto curl = node_map(g, values_of(m["curl"]), "curl, RMS at samples " + fmt(num(row["curl_rms"])), "ds2/dx1 - ds1/dx2",
                       Colormap::diverging);
  diverging_limits(*curl, 1e-3 * p99_abs(s_norm) / half_width);
  for (report::Loop l : circles) {
    l.color = report::Rgb{20, 20, 20};
    curl->loops.push_back(l);
  }
  panels.push_back(std::move(curl));
  auto stein = node_map(g, values_of(m["stein"]), "Stein value S, RMS at samples " + fmt(num(row["stein_rms"])),
                        "S = div e + s_true . e", Colormap::diverging);
  diverging_limits(*stein, 1e-2 * p99_abs(bound));
  panels.push_back(std::move(stein));

  const std::string title = r.name + " on " + r.density + ", t = " + fmt(num(row["t"])) + " (k = " + fmt(num(row["k"])) + ")";
  out.push_back({"maps_" + std::to_string(index + 1) + "_" + file_safe(r.name) + ".png",
                 "field maps of " + r.name + " on " + r.density + " at t = " + fmt(num(row["t"])) + " (" + r.path + ")",
                 compose_panels(panels, 3, o, title)});
}

// ---- [index] --------------------------------------------------------------------------------
std::string cell(const Json& v) {
  if (!v.is_number()) return "–";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v.get<double>());
  return buf;
}

std::string index_md(const std::vector<Run>& runs, const std::vector<Output>& figs) {
  std::ostringstream s;
  s << "# WGF Lab diagnostics report\n\n"
    << "Written by `wgflab report` from " << runs.size() << " `wgflab diagnose2d` run" << (runs.size() == 1 ? "" : "s")
    << ". Figures are PNGs drawn by WGF Lab's own rasteriser (native/report). A y axis is log10 when its positive "
       "values span two decades or more; values <= 0 (e.g. an exact field's zero error) are then not drawn, and a band "
       "y ± std is drawn symmetric in log, from y^2/(y + std) to y + std.\n\n"
    << "## Runs\n\n| series | file | field | density | schedule | mode | times |\n|---|---|---|---|---|---|---|\n";
  for (const Run& r : runs)
    s << "| " << r.name << " | " << r.path << " | " << r.field << " | " << r.density << " | " << r.schedule << " | "
      << r.mode << " | " << r.doc["rows"].size() << " |\n";
  s << "\n## Figures\n\n";
  if (runs.front().single())
    s << "Each maps_N_FIELD.png shows one run at its time t on the run's grid: log p_t (circle loops dashed; "
         "coloured over its top 10 nats); the field s and the WGF velocity -x - s (paper Eq. 13) as arrows over "
         "log p_t; the error e = s_true - s as arrows over |e|; the curl ds2/dx1 - ds1/dx2 (diverging, white = 0; "
         "0 everywhere for a score); the Stein value S = div e + s_true . e (diverging; 0 everywhere iff the field "
         "transports the true marginals). Diverging colour limits: +- the 99th percentile of |value|, but at least "
         "1e-3 |s| / (half the box width) for the curl and 1e-2 |s_true| |e| for S (99th percentiles), so values "
         "that are rounding noise next to those scales show white. Panel titles give the RMS over the run's "
         "forward samples.\n\n";
  for (const Output& f : figs)
    s << "- **" << f.file << "** (" << f.canvas.width() << " x " << f.canvas.height() << " px) — " << f.caption << "\n";
  if (runs.front().single()) {
    s << "\n## Values at the single time\n\n| series | t | k | loops: mean abs. integral (abs. ratio) | jac_asym_rel | curl_rms | "
         "error_l2 | stein_mean ± sem | stein_rms | stein_cancellation |\n|---|---|---|---|---|---|---|---|---|---|\n";
    for (const Run& r : runs) {
      const Json& row = r.doc["rows"][0];
      std::string loops;
      for (const std::string& k : r.loops)
        loops += (loops.empty() ? "" : "; ") + k + " " + cell(row["loop_integral"][k]["abs_mean"]) + " (" +
                 cell(row["loop_ratio"][k]["abs_mean"]) + ")";
      s << "| " << r.name << " | " << cell(row["t"]) << " | " << cell(row["k"]) << " | " << loops << " | "
        << cell(row["jac_asym_rel"]) << " | " << cell(row["curl_rms"]) << " | " << cell(row["error_l2"]) << " | "
        << cell(row["stein_mean"]) << " ± " << cell(row["stein_sem"]) << " | " << cell(row["stein_rms"]) << " | "
        << cell(row["stein_cancellation"]) << " |\n";
    }
  }
  bool any_transport = false;
  for (const Run& r : runs) any_transport = any_transport || r.doc.contains("transport");
  if (any_transport) {
    s << "\n## Transport (samples generated with the field vs the density)\n\n"
      << "Sliced Wasserstein-2 (swd) and grid KL of generated samples against fresh density draws; `floor` is a second "
         "density draw against the first (what a perfect sampler scores at this n). `exact` samples with the exact "
         "score, `gradient part` with the Helmholtz gradient part of the field alone.\n\n"
      << "| series | samples | sampler | swd | grid_kl | floor swd | floor grid_kl |\n|---|---|---|---|---|---|---|\n";
    for (const Run& r : runs) {
      if (!r.doc.contains("transport")) continue;
      const Json& t = r.doc["transport"];
      const Json floor = t.value("reference_floor", Json::object());
      for (const char* variant : {"field", "exact", "gradient_part"}) {
        if (!t.contains(variant) || !t[variant].is_object()) continue;
        for (const auto& [sampler, m] : t[variant].items())
          s << "| " << r.name << " | " << (std::string(variant) == "gradient_part" ? "gradient part" : variant)
            << " | " << sampler << " | " << cell(m.value("swd", Json())) << " | " << cell(m.value("grid_kl", Json()))
            << " | " << cell(floor.value("swd", Json())) << " | " << cell(floor.value("grid_kl", Json())) << " |\n";
      }
    }
  }
  s << "\n## How to read the Stein numbers\n\n";
  const Json& notes = runs.front().doc.value("notes", Json::array());
  for (const Json& n : notes)
    if (n.is_string()) s << "- " << n.get<std::string>() << "\n";
  return s.str();
}

// ---- [command] ------------------------------------------------------------------------------
void run_report(const ReportOptions& o) {
  require_at_least("--panel-width", o.panel_width, 240);
  require_at_least("--panel-height", o.panel_height, 180);
  check_output_dir("--out", o.out);
  std::vector<Run> runs;
  for (const std::string& p : o.inputs) runs.push_back(load_run(p));
  for (const Run& r : runs)
    if (r.mode != runs.front().mode)
      throw UsageError("report: " + runs.front().path + " is a " +
                       (runs.front().single() ? "single-time run (--t)" : "k sweep (--k-sweep)") + " but " + r.path +
                       " is a " + (r.single() ? "single-time run (--t)" : "k sweep (--k-sweep)") +
                       ": these do not share figures; report them separately");
  name_runs(runs);

  // Every figure is rendered in memory before anything is written.
  std::vector<Output> figs;
  try {
    if (runs.front().single()) {
      for (size_t i = 0; i < runs.size(); ++i) map_figure(runs[i], i, o, figs);
    } else {
      sweep_figures(runs, o, figs);
    }
  } catch (const std::runtime_error& e) {
    throw UsageError("report: cannot draw a figure: " + std::string(e.what()));
  }
  const std::string index = index_md(runs, figs);

  make_output_dir("--out", o.out);
  for (const Output& f : figs) f.canvas.save_png(o.out + "/" + f.file);
  write_text_atomic("--out", o.out + "/index.md", index);
  if (!o.quiet)
    std::fprintf(stderr, "report: %zu figure%s and index.md in %s\n", figs.size(), figs.size() == 1 ? "" : "s",
                 o.out.c_str());
}

}  // namespace

void add_report(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("report", "PNG figures (and index.md) from wgflab diagnose2d run JSONs");
  auto o = std::make_shared<ReportOptions>();
  sub->option_defaults()->always_capture_default();
  sub->add_option("inputs", o->inputs,
                  "DIAG.json files written by wgflab diagnose2d --out: all k sweeps (overlaid, one series per file) "
                  "or all single-time runs (one map figure each)")
      ->required();
  sub->add_option("--out", o->out, "Output directory (created if missing): the PNGs and index.md")->required();
  sub->add_option("--panel-width", o->panel_width, "Width of one panel in pixels");
  sub->add_option("--panel-height", o->panel_height, "Height of one panel in pixels");
  sub->add_flag("--quiet", o->quiet, "No summary line");
  sub->footer(
      "k sweeps: loop_integral.png, loop_ratio.png (one panel per path kind), jacobian_asymmetry.png, stein.png. "
      "Single-time runs: maps_N_FIELD.png (log p_t, s, velocity, error, curl, Stein value). index.md lists the "
      "figures, what each shows, and the runs' numbers.\n"
      "Example: wgflab report exact.json rot.json mlp.json --out report/");
  sub->callback([o] { run_report(*o); });
}

}  // namespace wgf::cli
