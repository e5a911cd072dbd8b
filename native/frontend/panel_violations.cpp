// Panel 5 — Violations: is the field a gradient? Curl heatmap (the 2D form of the Jacobian
// symmetry of Eq. 5), user loops with their line integrals (Eq. 4) and Eq. 7 ratios, the
// paper's path mechanisms (Brownian bridge, rotation, projection), and both constraints vs k.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "app.hpp"
#include "progressive.hpp"
#include "ui_util.hpp"
#include "wgf/ou.hpp"
#include "wgf/paths.hpp"

namespace wgf::ui {
namespace {

struct LoopResult {
  Points y;  // the path drawn (2, L + 1)
  double integral = NAN, ratio = NAN;
};

class ViolationsPanel final : public Panel {
 public:
  PanelId id() const override { return PanelId::Violations; }
  const char* title() const override { return "5 Violations"; }
  void draw(App& app) override;

 private:
  void refresh(App& app);
  void curl_plot(App& app, ImVec2 size);
  void side(App& app);

  Refresher curl_ref_, loops_ref_, path_ref_;
  ProgressiveMap curl_map_;
  Grid2D grid_;
  Vec curl_;
  std::vector<LoopResult> loops_;
  LoopResult path_;
  std::uint64_t path_seed_ = 1;
  std::vector<std::array<double, 2>> stroke_;  // the loop being drawn
};

ClosedPaths loop_path(const LoopSpec& l) {
  if (l.circle) return circle_path(Eigen::Vector2d(l.centre[0], l.centre[1]), l.radius, 256);
  Points v(2, static_cast<Eigen::Index>(l.vertices.size()));
  for (size_t i = 0; i < l.vertices.size(); ++i) v.col(static_cast<Eigen::Index>(i)) << l.vertices[i][0], l.vertices[i][1];
  return polygon_path(v, 8);
}

void ViolationsPanel::refresh(App& app) {
  const AppState& s = app.state();
  Lab& lab = app.lab();
  const double t = lab.time(s.k);
  const std::uint64_t fv = lab.field_version();
  const std::string base = make_key(lab.world_version(), s.field, s.k);
  // The curl map: at once when an input changed, in the background while training.
  auto curl_fn = [t](std::shared_ptr<const VectorField> f) {
    return [t, f](const Points& x) { return Points(curl_2d(*f, x, t).transpose()); };
  };
  const std::string ckey = make_key(base, s.grid, s.view);
  if (curl_ref_.key_changed(ckey)) {
    grid_ = view_grid(s, s.grid);
    curl_map_.compute(lab.clock(), grid_.points(), curl_fn(lab.field()));
    curl_ref_.done(ckey, fv);
  } else if (!curl_map_.busy() && curl_ref_.due(ckey, fv)) {
    curl_map_.start(grid_.points(), curl_fn(lab.field_snapshot()));
    curl_ref_.done(ckey, fv);
  }
  curl_map_.step(lab.clock(), map_budget_ms(s));
  curl_ = curl_map_.result().row(0).transpose();
  std::ostringstream geo;
  geo.precision(17);
  for (const LoopSpec& l : s.violations.loops) {
    geo << l.circle << ' ' << l.centre[0] << ' ' << l.centre[1] << ' ' << l.radius << ';';
    for (const auto& v : l.vertices) geo << v[0] << ',' << v[1] << ' ';
  }
  if (loops_ref_.due(make_key(base, geo.str()), fv, 0.1)) {
    EngineTimer timer(lab.clock());
    loops_.clear();
    for (const LoopSpec& l : s.violations.loops) {
      const ClosedPaths p = loop_path(l);
      const LoopIntegrals li = loop_integrals(*lab.field(), p, t);
      loops_.push_back({p.y, li.integral(0), li.ratio(0)});
    }
    loops_ref_.done(make_key(base, geo.str()), fv);
  }
  const std::string pkey = make_key(base, s.violations.path_kind, s.violations.brownian_scale, path_seed_);
  if (path_ref_.due(pkey, fv)) {
    EngineTimer timer(lab.clock());
    // One path of the chosen mechanism through a forward sample x_t = m x0 + sigma eps.
    Rng rng(path_seed_ * 2654435761u + 3);
    const Points x0 = lab.density().sample(rng, 1);
    Points eps(2, 1);
    sample_normal(rng, eps);
    const double m = lab.schedule().mean_coef(t), sig = lab.schedule().sigma(t);
    ClosedPaths p;
    const PathKind kind = parse_path_kind(s.violations.path_kind);
    if (kind == PathKind::Brownian) {
      BrownianBridgeConfig c;
      c.scale = s.violations.brownian_scale;
      p = brownian_bridge_paths(ou_forward(lab.schedule(), x0, eps, t), rng, c);
    } else if (kind == PathKind::Rotation) {
      p = rotation_paths(x0, eps, m, sig, rng, 400);
    } else {
      ProjectionConfig c;
      c.points_per_segment = 40;
      p = projection_paths(x0, m, sig, rng, c);
    }
    const LoopIntegrals li = loop_integrals(*lab.field(), p, t);
    path_ = {p.y, li.integral(0), li.ratio(0)};
    path_ref_.done(pkey, fv);
  }
}

void ViolationsPanel::curl_plot(App& app, ImVec2 size) {
  AppState& s = app.state();
  std::vector<LoopSpec>& loops = s.violations.loops;
  plot::AxesStyle st;
  st.equal_aspect = true;
  st.colorbar = true;
  st.title = "curl ds2/dx1 - ds1/dx2 of the field (0 for a score)";
  plot::Axes a("curl", size, {-s.view, s.view}, {-s.view, s.view}, st);
  const plot::Range cr = plot::symmetric_range(curl_);
  plot::heatmap(a, grid_, curl_, cr, plot::Colormap::Diverging);
  a.colorbar(cr, plot::Colormap::Diverging, "curl");
  plot::polyline(a, path_.y, IM_COL32(255, 220, 60, 230), 1.2f);
  for (size_t i = 0; i < loops_.size(); ++i) plot::polyline(a, loops_[i].y, IM_COL32(20, 20, 20, 255), 2.2f);
  // Handles: a circle's centre and rim; a drawn loop's first vertex moves the whole loop.
  for (size_t i = 0; i < loops.size(); ++i) {
    LoopSpec& l = loops[i];
    const int key = static_cast<int>(3 * i);
    if (l.circle) {
      double cx = l.centre[0], cy = l.centre[1], rx = cx + l.radius, ry = cy;
      if (plot::drag_handle(a, key, cx, cy, plot::series_colour(static_cast<int>(i)))) l.centre = {cx, cy};
      if (plot::drag_handle(a, key + 1, rx, ry, plot::series_colour(static_cast<int>(i)), 3.5f))
        l.radius = std::max(0.02, std::hypot(rx - l.centre[0], ry - l.centre[1]));
    } else {
      double x = l.vertices[0][0], y = l.vertices[0][1];
      if (plot::drag_handle(a, key, x, y, plot::series_colour(static_cast<int>(i)))) {
        const double dx = x - l.vertices[0][0], dy = y - l.vertices[0][1];
        for (auto& v : l.vertices) v[0] += dx, v[1] += dy;
      }
    }
    a.draw()->AddText(a.to_screen(l.circle ? l.centre[0] : l.vertices[0][0], l.circle ? l.centre[1] : l.vertices[0][1]),
                      IM_COL32(255, 255, 255, 255), std::to_string(i + 1).c_str());
  }
  // Tools: place a circle with a click, or draw a loop by dragging.
  const bool on_handle = plot::handle_held(a);
  if (s.violations.tool == "circle" && a.clicked() && !on_handle) {
    LoopSpec l;
    l.centre = {a.mouse_x(), a.mouse_y()};
    l.radius = 0.15 * s.view;
    loops.push_back(l);
  }
  if (s.violations.tool == "draw") {
    if (a.held() && !on_handle) {
      const double step = 0.01 * s.view;
      if (stroke_.empty() || std::hypot(a.mouse_x() - stroke_.back()[0], a.mouse_y() - stroke_.back()[1]) > step)
        stroke_.push_back({a.mouse_x(), a.mouse_y()});
    } else if (!a.held() && !stroke_.empty()) {
      if (stroke_.size() >= 8) {
        LoopSpec l;
        l.circle = false;
        const size_t every = std::max<size_t>(1, stroke_.size() / 96);
        for (size_t i = 0; i < stroke_.size(); i += every) l.vertices.push_back(stroke_[i]);
        loops.push_back(l);
      }
      stroke_.clear();
    }
    if (stroke_.size() >= 2) {
      Points p(2, static_cast<Eigen::Index>(stroke_.size()));
      for (size_t i = 0; i < stroke_.size(); ++i) p.col(static_cast<Eigen::Index>(i)) << stroke_[i][0], stroke_[i][1];
      plot::polyline(a, p, IM_COL32(255, 255, 255, 220), 1.5f);
    }
  }
  if (a.hovered() && curl_.size() == grid_.size()) {
    const int i = std::clamp(static_cast<int>(std::lround((a.mouse_x() - grid_.x_min) / grid_.hx())), 0, grid_.nx - 1);
    const int j = std::clamp(static_cast<int>(std::lround((a.mouse_y() - grid_.y_min) / grid_.hy())), 0, grid_.ny - 1);
    ImGui::SetTooltip("x = (%.2f, %.2f)\ncurl = %.4g", a.mouse_x(), a.mouse_y(), curl_(j * grid_.nx + i));
  }
  app.note_layout("plot:violations.curl", a.inner());
}

void ViolationsPanel::side(App& app) {
  AppState& s = app.state();
  Sweep& sw = app.sweep();
  ImGui::TextUnformatted("tool:");
  for (const char* tool : {"move", "circle", "draw"}) {
    ImGui::SameLine();
    if (ImGui::RadioButton(tool, s.violations.tool == tool)) s.violations.tool = tool;
  }
  ImGui::SameLine();
  if (ImGui::Button("clear loops")) s.violations.loops.clear();
  if (ImGui::BeginTable("loops", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchProp,
                        ImVec2(0, 7.5f * ImGui::GetFrameHeight()))) {
    ImGui::TableSetupColumn("loop");
    ImGui::TableSetupColumn("int s.dy (Eq. 4)");
    ImGui::TableSetupColumn("Eq. 7 ratio");
    ImGui::TableSetupColumn("");
    ImGui::TableHeadersRow();
    int remove = -1;
    for (size_t i = 0; i < loops_.size() && i < s.violations.loops.size(); ++i) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::Text("%zu %s", i + 1, s.violations.loops[i].circle ? "circle" : "drawn");
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(fmt(loops_[i].integral, "%+.3e").c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(fmt(loops_[i].ratio, "%+.3e").c_str());
      ImGui::TableNextColumn();
      ImGui::PushID(static_cast<int>(i));
      if (ImGui::SmallButton("x")) remove = static_cast<int>(i);
      ImGui::PopID();
      app.set_readout("violations.loop" + std::to_string(i) + ".integral", loops_[i].integral);
      app.set_readout("violations.loop" + std::to_string(i) + ".ratio", loops_[i].ratio);
    }
    ImGui::EndTable();
    if (remove >= 0) s.violations.loops.erase(s.violations.loops.begin() + remove);
  }
  app.set_readout("violations.loops", static_cast<double>(s.violations.loops.size()));
  ImGui::SetNextItemWidth(8 * ImGui::GetFontSize());
  combo("path", s.violations.path_kind, {"brownian", "rotation", "projection"});
  ImGui::SameLine();
  if (ImGui::Button("new path")) ++path_seed_;
  if (s.violations.path_kind == "brownian") {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(6 * ImGui::GetFontSize());
    slider_log("scale", s.violations.brownian_scale, 0.01, 3);
  }
  ImGui::Text("yellow path: int s.dy = %s, Eq. 7 ratio = %s", fmt(path_.integral, "%+.3e").c_str(),
              fmt(path_.ratio, "%+.3e").c_str());
  app.set_readout("violations.path.integral", path_.integral);
  app.set_readout("violations.path.ratio", path_.ratio);
  app.set_readout("violations.curl_max", curl_.size() ? curl_.cwiseAbs().maxCoeff() : NAN);

  // Both constraints vs k, from the shared sweep.
  if (app.button(sw.running() ? "sweeping...###sweep" : "Sweep k###sweep", "sweep")) sw.start(app.lab(), s);
  ImGui::SameLine();
  ImGui::Text("%zu/%zu indices, field %s", sw.rows().size(), sw.total(), sw.empty() ? "-" : sw.field_name().c_str());
  plot::AxesStyle st;
  st.log_y = true;
  st.x_label = "k";
  st.title = "|Eq. 7 ratio| per mechanism; Jacobian asymmetry";
  const std::vector<double> ks = sw.ks(), br = sw.loop_ratio(PathKind::Brownian), ro = sw.loop_ratio(PathKind::Rotation),
                            pr = sw.loop_ratio(PathKind::Projection), ja = sw.column(&SweepRow::jac_asym_rel);
  std::vector<double> all = br;
  for (const std::vector<double>* v : {&ro, &pr, &ja}) all.insert(all.end(), v->begin(), v->end());
  plot::Axes a("sweep", ImVec2(-1, -1), {0, static_cast<double>(app.lab().schedule().T())}, plot::data_range(all, true), st);
  plot::line(a, ks, br, plot::series_colour(0), 2);
  plot::line(a, ks, ro, plot::series_colour(1), 2);
  plot::line(a, ks, pr, plot::series_colour(2), 2);
  plot::line(a, ks, ja, plot::series_colour(3), 2);
  plot::vline(a, s.k, IM_COL32(255, 255, 255, 120));
  a.legend("Brownian", plot::series_colour(0));
  a.legend("rotation", plot::series_colour(1));
  a.legend("projection", plot::series_colour(2));
  a.legend("||J-J^T||/||J+J^T||", plot::series_colour(3));
  if (sw.empty()) a.draw()->AddText(ImVec2(a.inner().min.x + 10, a.inner().min.y + 10), IM_COL32(200, 200, 200, 200),
                                    "press 'Sweep k': the diagnostics at 16 time indices");
}

void ViolationsPanel::draw(App& app) {
  explain(
      "A score is a gradient: every closed-loop integral of it vanishes (Eq. 4) and its Jacobian is symmetric "
      "(Eq. 5); in 2D the curl is 0. The heatmap is the curl of the field under study; place circles or draw loops "
      "(tools) and drag their handles: the table gives int s.dy and the Eq. 7 ratio 2 int s.dy / int |y||dy|. The "
      "paper's mechanisms (Brownian bridge, rotation, projection) draw one path through a forward sample.");
  refresh(app);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float side_w = std::min(avail.x * 0.5f, avail.y);
  curl_plot(app, ImVec2(side_w, side_w));
  ImGui::SameLine();
  ImGui::BeginGroup();
  side(app);
  ImGui::EndGroup();
}

}  // namespace

std::unique_ptr<Panel> make_violations_panel() { return std::make_unique<ViolationsPanel>(); }

}  // namespace wgf::ui
