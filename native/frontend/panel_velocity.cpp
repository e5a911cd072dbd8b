// Panel 2 — Velocity: the WGF velocity v = -x - s (Eq. 13) of the exact score next to the
// one the field under study implies, and the error field e = s_true - s between them.
#include <algorithm>
#include <cmath>

#include "app.hpp"
#include "progressive.hpp"
#include "ui_util.hpp"
#include "wgf/sampler.hpp"

namespace wgf::ui {
namespace {

class VelocityPanel final : public Panel {
 public:
  PanelId id() const override { return PanelId::Velocity; }
  const char* title() const override { return "2 Velocity"; }
  void draw(App& app) override;

 private:
  void refresh(App& app);
  void field_plot(App& app, const char* id, const char* title, const Vec& mag, plot::Range range,
                  const Points& arrows, const plot::Streamlines& lines, ImVec2 size, double arrow_scale);

  bool streamlines_ = false;
  Refresher ref_;
  ProgressiveMap map_;  // rows: v of the field (2), e (2)
  int seen_ = 0;        // map_.generation() the derived arrays were made from
  int traced_ = -1;     // ... and the streamlines
  Points ve_;           // exact velocity at the grid nodes (2, N)
  Grid2D grid_, coarse_;
  Vec v_exact_mag_, v_field_mag_, e_mag_;
  Points ca_exact_, ca_field_, ca_err_;  // arrows on the coarse grid
  plot::Streamlines sl_exact_, sl_field_, sl_err_;
};

Vec norms(const Points& v) { return v.colwise().norm().transpose(); }

void VelocityPanel::refresh(App& app) {
  const AppState& s = app.state();
  Lab& lab = app.lab();
  const std::string key = make_key(lab.world_version(), s.field, s.k, s.grid, s.view);
  const double t = lab.time(s.k);
  // Rows of the map: v of the field (2) and e = s_true - s (2), at each grid node.
  auto map_fn = [t, truth = lab.truth(), sch = lab.schedule_ptr()](std::shared_ptr<const VectorField> field) {
    return [t, truth, sch, field](const Points& x) {
      Points out(4, x.cols());
      out.topRows(2) = pf_ode_velocity(*field, *sch, x, t);
      out.bottomRows(2) = truth->eval(x, t) - field->eval(x, t);
      return out;
    };
  };
  if (ref_.key_changed(key)) {
    sl_exact_.lines.clear();
    EngineTimer timer(lab.clock());
    grid_ = view_grid(s, s.grid);
    coarse_ = view_grid(s, 21);
    ve_ = pf_ode_velocity(*lab.truth(), lab.schedule(), grid_.points(), t);
    v_exact_mag_ = norms(ve_);
    ca_exact_ = pf_ode_velocity(*lab.truth(), lab.schedule(), coarse_.points(), t);
    map_.compute(lab.clock(), grid_.points(), map_fn(lab.field()));
    ref_.done(key, lab.field_version());
  } else if (!map_.busy() && ref_.due(key, lab.field_version())) {
    map_.start(grid_.points(), map_fn(lab.field_snapshot()));  // training goes on: refresh in the background
    ref_.done(key, lab.field_version());
  }
  map_.step(lab.clock(), map_budget_ms(s));
  const Points& m = map_.result();
  if (map_.generation() != seen_) {
    EngineTimer timer(lab.clock());
    v_field_mag_ = norms(m.topRows(2));
    e_mag_ = norms(m.bottomRows(2));
    const VectorField& field = *lab.field();
    ca_field_ = pf_ode_velocity(field, lab.schedule(), coarse_.points(), t);
    ca_err_ = lab.truth()->eval(coarse_.points(), t) - field.eval(coarse_.points(), t);
  }
  if (streamlines_ && (map_.generation() != seen_ || traced_ != seen_ || sl_exact_.lines.empty())) {
    sl_exact_ = plot::trace_streamlines(grid_, ve_, 18);
    sl_field_ = plot::trace_streamlines(grid_, m.topRows(2), 18);
    sl_err_ = plot::trace_streamlines(grid_, m.bottomRows(2), 18);
    traced_ = map_.generation();
  }
  seen_ = map_.generation();
}

void VelocityPanel::field_plot(App& app, const char* id, const char* title, const Vec& mag, plot::Range range,
                               const Points& arrows, const plot::Streamlines& lines, ImVec2 size, double arrow_scale) {
  const AppState& s = app.state();
  plot::AxesStyle st;
  st.equal_aspect = true;
  st.colorbar = true;
  st.title = title;
  plot::Axes a(id, size, {-s.view, s.view}, {-s.view, s.view}, st);
  plot::heatmap(a, grid_, mag, range, plot::Colormap::Viridis, 0.85f);
  if (streamlines_) plot::streamlines(a, lines, IM_COL32(255, 255, 255, 190));
  else plot::quiver(a, coarse_.points(), arrows, arrow_scale, IM_COL32(255, 255, 255, 220), 0.9 * coarse_.hx());
  a.colorbar(range, plot::Colormap::Viridis, "|.|");
  if (a.hovered() && mag.size() == grid_.size()) {
    const int i = std::clamp(static_cast<int>(std::lround((a.mouse_x() - grid_.x_min) / grid_.hx())), 0, grid_.nx - 1);
    const int j = std::clamp(static_cast<int>(std::lround((a.mouse_y() - grid_.y_min) / grid_.hy())), 0, grid_.ny - 1);
    ImGui::SetTooltip("x = (%.2f, %.2f)\n|.| = %.4g", a.mouse_x(), a.mouse_y(), mag(j * grid_.nx + i));
  }
  app.note_layout(std::string("plot:velocity.") + id, a.inner());
}

void VelocityPanel::draw(App& app) {
  const AppState& s = app.state();
  Lab& lab = app.lab();
  explain(
      "Diffusion training is flow matching to the Wasserstein-gradient-flow velocity v = -x - grad log p_t (Eq. 13); "
      "the probability-flow sampler integrates dx/dt = -x - NN(x, t) backward in t. Left: the exact velocity. "
      "Middle: the velocity of the field under study (the 'field' choice in the side pane). Right: the error field "
      "e = s_true - NN, whose Stein value decides whether it changes the transported density (panel 6).");
  ImGui::Checkbox("streamlines (instead of arrows)", &streamlines_);
  ImGui::SameLine();
  ImGui::Text("   t = %.4f (k = %d)   field: %s", lab.time(s.k), s.k, s.field.c_str());
  refresh(app);
  const double vmax = std::max(v_exact_mag_.size() ? v_exact_mag_.maxCoeff() : 1.0, 1e-9);
  const plot::Range vr{0, vmax};
  const double scale = 0.9 * coarse_.hx() / std::max(1e-9, ca_exact_.size() ? ca_exact_.colwise().norm().maxCoeff() : 1.0);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float w = (avail.x - 2 * ImGui::GetStyle().ItemSpacing.x) / 3;
  const ImVec2 size(w, std::min(avail.y, w + 40));
  field_plot(app, "exact", "exact v = -x - grad log p_t", v_exact_mag_, vr, ca_exact_, sl_exact_, size, scale);
  ImGui::SameLine();
  field_plot(app, "field", "v = -x - NN of the field", v_field_mag_, vr, ca_field_, sl_field_, size, scale);
  ImGui::SameLine();
  const double emax = std::max(e_mag_.size() ? e_mag_.maxCoeff() : 0.0, 1e-9);
  const double escale = 0.9 * coarse_.hx() / std::max(1e-9, ca_err_.size() ? ca_err_.colwise().norm().maxCoeff() : 1.0);
  field_plot(app, "error", "error e = s_true - NN", e_mag_, {0, emax}, ca_err_, sl_err_, size, escale);
  app.set_readout("velocity.max_error", e_mag_.size() ? e_mag_.maxCoeff() : NAN);
}

}  // namespace

std::unique_ptr<Panel> make_velocity_panel() { return std::make_unique<VelocityPanel>(); }

}  // namespace wgf::ui
