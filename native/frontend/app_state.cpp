#include "app_state.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "wgf/density.hpp"

namespace wgf::ui {
namespace {

const char* const kPanelNames[kPanelCount] = {"forward",    "velocity",    "training", "sampling",
                                              "violations", "null_kernel", "compare",  "images"};

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

std::string num(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

// Reads the keys of one JSON object, each checked; finish() rejects the keys nobody read.
class ObjectReader {
 public:
  ObjectReader(const Json& j, std::string where) : j_(j), where_(std::move(where)) {
    if (!j_.is_object()) throw std::invalid_argument(where_ + ": expected a JSON object");
  }
  // Call after reading every key: rejects the keys nobody asked for (a typo in a lesson).
  void done() const {
    for (auto it = j_.begin(); it != j_.end(); ++it)
      if (!seen_.count(it.key()))
        throw std::invalid_argument(where_ + "." + it.key() + ": unknown key (known: " + join(known_) + ")");
  }

  const Json* find(const char* key) {
    seen_.insert(key);
    known_.emplace_back(key);
    auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  std::string path(const char* key) const { return where_ + "." + key; }

  void integer(const char* key, int& out, int lo, int hi) {
    if (const Json* v = find(key)) {
      if (!v->is_number_integer()) throw std::invalid_argument(path(key) + ": expected an integer");
      const long long x = v->get<long long>();
      if (x < lo || x > hi)
        throw std::invalid_argument(path(key) + ": must be in " + std::to_string(lo) + ".." + std::to_string(hi) +
                                    ", got " + std::to_string(x));
      out = static_cast<int>(x);
    }
  }
  void seed(const char* key, std::uint64_t& out) {
    if (const Json* v = find(key)) {
      if (!v->is_number_unsigned()) throw std::invalid_argument(path(key) + ": expected a non-negative integer");
      out = v->get<std::uint64_t>();
    }
  }
  void number(const char* key, double& out, double lo, double hi) {
    if (const Json* v = find(key)) {
      if (!v->is_number()) throw std::invalid_argument(path(key) + ": expected a number");
      const double x = v->get<double>();
      if (!(x >= lo && x <= hi))
        throw std::invalid_argument(path(key) + ": must be in [" + num(lo) + ", " + num(hi) + "], got " + num(x));
      out = x;
    }
  }
  void boolean(const char* key, bool& out) {
    if (const Json* v = find(key)) {
      if (!v->is_boolean()) throw std::invalid_argument(path(key) + ": expected true or false");
      out = v->get<bool>();
    }
  }
  void text(const char* key, std::string& out, const std::vector<std::string>& allowed = {}) {
    if (const Json* v = find(key)) {
      if (!v->is_string()) throw std::invalid_argument(path(key) + ": expected a string");
      std::string x = v->get<std::string>();
      if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), x) == allowed.end())
        throw std::invalid_argument(path(key) + ": '" + x + "' is not one of " + join(allowed));
      out = std::move(x);
    }
  }
  void object(const char* key, const std::function<void(ObjectReader&)>& f) {
    if (const Json* v = find(key)) {
      ObjectReader sub(*v, path(key));
      f(sub);
      sub.done();
    }
  }

 private:
  const Json& j_;
  std::string where_;
  std::set<std::string> seen_;
  std::vector<std::string> known_;
};

std::array<double, 2> read_pair(const Json& j, const std::string& where) {
  if (!j.is_array() || j.size() != 2 || !j[0].is_number() || !j[1].is_number())
    throw std::invalid_argument(where + ": expected [x, y]");
  const std::array<double, 2> p{j[0].get<double>(), j[1].get<double>()};
  if (!std::isfinite(p[0]) || !std::isfinite(p[1])) throw std::invalid_argument(where + ": not finite");
  return p;
}

Json loop_json(const LoopSpec& l) {
  if (l.circle) return Json{{"circle", {l.centre[0], l.centre[1], l.radius}}};
  Json v = Json::array();
  for (const auto& p : l.vertices) v.push_back({p[0], p[1]});
  return Json{{"polygon", v}};
}

LoopSpec read_loop(const Json& j, const std::string& where) {
  LoopSpec l;
  if (j.is_object() && j.size() == 1 && j.contains("circle")) {
    const Json& c = j["circle"];
    if (!c.is_array() || c.size() != 3 || !c[0].is_number() || !c[1].is_number() || !c[2].is_number() ||
        !(c[2].get<double>() > 0))
      throw std::invalid_argument(where + ".circle: expected [cx, cy, r] with r > 0");
    l.centre = {c[0].get<double>(), c[1].get<double>()};
    l.radius = c[2].get<double>();
    return l;
  }
  if (j.is_object() && j.size() == 1 && j.contains("polygon")) {
    const Json& v = j["polygon"];
    if (!v.is_array() || v.size() < 3) throw std::invalid_argument(where + ".polygon: expected >= 3 [x, y] points");
    l.circle = false;
    for (size_t i = 0; i < v.size(); ++i) l.vertices.push_back(read_pair(v[i], where + ".polygon[" + std::to_string(i) + "]"));
    return l;
  }
  throw std::invalid_argument(where + ": expected {\"circle\": [cx, cy, r]} or {\"polygon\": [[x, y], ...]}");
}

}  // namespace

const char* panel_name(PanelId p) { return kPanelNames[static_cast<int>(p)]; }

PanelId parse_panel(const std::string& s) {
  for (int i = 0; i < kPanelCount; ++i)
    if (s == kPanelNames[i]) return static_cast<PanelId>(i);
  throw std::invalid_argument("unknown panel '" + s + "': expected one of " +
                              join(std::vector<std::string>(kPanelNames, kPanelNames + kPanelCount)));
}

Json to_json(const AppState& s) {
  const TrainSettings& t = s.train;
  const ForwardSettings& f = s.forward;
  const SampleSettings& p = s.sample;
  const ViolationSettings& v = s.violations;
  const NullKernelSettings& n = s.null_kernel;
  Json loops = Json::array();
  for (const LoopSpec& l : v.loops) loops.push_back(loop_json(l));
  return Json{
      {"lesson", s.lesson},   {"tour_step", s.tour_step}, {"panel", panel_name(s.panel)},
      {"density", s.density}, {"schedule", s.schedule},   {"k", s.k},
      {"field", s.field},     {"view", s.view},           {"grid", s.grid},
      {"seed", s.seed},       {"sweep_k", s.sweep_k},
      {"train",
       {{"width", t.width}, {"depth", t.depth}, {"param", t.param}, {"activation", t.activation},
        {"time_features", t.time_features}, {"weighting", t.weighting}, {"batch", t.batch}, {"jac_reg", t.jac_reg},
        {"lr", t.lr}, {"running", t.running}, {"budget_ms", t.budget_ms}}},
      {"forward",
       {{"particles", f.particles}, {"playing", f.playing}, {"speed", f.speed}, {"show_velocity", f.show_velocity}}},
      {"sample",
       {{"particles", p.particles}, {"steps", p.steps}, {"ode", p.ode}, {"steps_per_frame", p.steps_per_frame},
        {"running", p.running}}},
      {"violations",
       {{"loops", loops}, {"tool", v.tool}, {"path_kind", v.path_kind}, {"brownian_scale", v.brownian_scale}}},
      {"null_kernel", {{"rot_a", n.rot_a}, {"shift", {n.shift[0], n.shift[1]}}, {"show_split", n.show_split}}},
  };
}

void apply_json(AppState& s, const Json& j, const std::string& where) {
  ObjectReader r(j, where);
  r.text("lesson", s.lesson);
  r.integer("tour_step", s.tour_step, 0, 1000);
  if (const Json* p = r.find("panel")) {
    if (!p->is_string()) throw std::invalid_argument(r.path("panel") + ": expected a string");
    try {
      s.panel = parse_panel(p->get<std::string>());
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(r.path("panel") + ": " + e.what());
    }
  }
  r.text("density", s.density, density_names());
  r.text("schedule", s.schedule, {"cosine", "linear", "ve"});
  r.integer("k", s.k, 1, 100000);
  r.text("field", s.field);
  r.number("view", s.view, 0.5, 100);
  r.integer("grid", s.grid, 8, 256);
  r.seed("seed", s.seed);
  r.integer("sweep_k", s.sweep_k, 2, 200);
  r.object("train", [&](ObjectReader& o) {
    TrainSettings& t = s.train;
    o.integer("width", t.width, 4, 512);
    o.integer("depth", t.depth, 1, 8);
    o.text("param", t.param, {"score", "eps", "potential"});
    o.text("activation", t.activation, {"silu", "elu", "relu", "tanh"});
    o.integer("time_features", t.time_features, 0, 64);
    if (t.time_features % 2) throw std::invalid_argument(o.path("time_features") + ": must be even");
    o.text("weighting", t.weighting, {"uniform", "eps", "likelihood"});
    o.integer("batch", t.batch, 1, 8192);
    o.number("jac_reg", t.jac_reg, 0, 100);
    o.number("lr", t.lr, 1e-6, 1);
    o.boolean("running", t.running);
    o.number("budget_ms", t.budget_ms, 0.5, 100);
  });
  r.object("forward", [&](ObjectReader& o) {
    o.integer("particles", s.forward.particles, 1, 100000);
    o.boolean("playing", s.forward.playing);
    o.number("speed", s.forward.speed, 1, 10000);
    o.boolean("show_velocity", s.forward.show_velocity);
  });
  r.object("sample", [&](ObjectReader& o) {
    o.integer("particles", s.sample.particles, 2, 100000);
    o.integer("steps", s.sample.steps, 1, 1000);
    o.text("ode", s.sample.ode, {"ode-euler", "ode-heun", "ode-rk4"});
    o.integer("steps_per_frame", s.sample.steps_per_frame, 1, 1000);
    o.boolean("running", s.sample.running);
  });
  r.object("violations", [&](ObjectReader& o) {
    if (const Json* l = o.find("loops")) {
      if (!l->is_array()) throw std::invalid_argument(o.path("loops") + ": expected an array");
      s.violations.loops.clear();
      for (size_t i = 0; i < l->size(); ++i)
        s.violations.loops.push_back(read_loop((*l)[i], o.path("loops") + "[" + std::to_string(i) + "]"));
    }
    o.text("tool", s.violations.tool, {"move", "circle", "draw"});
    o.text("path_kind", s.violations.path_kind, {"brownian", "rotation", "projection"});
    o.number("brownian_scale", s.violations.brownian_scale, 1e-3, 10);
  });
  r.object("null_kernel", [&](ObjectReader& o) {
    o.number("rot_a", s.null_kernel.rot_a, -10, 10);
    if (const Json* v = o.find("shift")) s.null_kernel.shift = read_pair(*v, o.path("shift"));
    o.boolean("show_split", s.null_kernel.show_split);
  });
  r.done();
}

}  // namespace wgf::ui
