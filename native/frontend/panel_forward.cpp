// Panel 1 — Forward OU: the forward process as a Wasserstein gradient flow.
// Particles from the chosen density diffuse under dX = -X dt + sqrt(2) dW; the exact density
// p_t is the heatmap; E[rho_t] = int |x|^2/2 rho + int rho log rho and KL(rho_t || N(0, I))
// fall along the flow (wgf/energy.hpp).
#include <algorithm>
#include <cmath>

#include "app.hpp"
#include "ui_util.hpp"
#include "wgf/energy.hpp"
#include "wgf/ou.hpp"
#include "wgf/sampler.hpp"

namespace wgf::ui {
namespace {

class ForwardPanel final : public Panel {
 public:
  PanelId id() const override { return PanelId::Forward; }
  const char* title() const override { return "1 Forward OU"; }
  void draw(App& app) override;

 private:
  void play(App& app);
  void move_particles(App& app);
  void refresh_maps(App& app);
  void extend_curve(App& app);
  double curve_at(const std::vector<double>& v, double t) const;

  // Particles: x0 (2, n) from the density, x (2, n) at time t_x.
  std::string particles_key_;
  Points x0_, x_;
  double t_x_ = 0;
  Rng rng_{1};
  double k_frac_ = 0;
  // p_t on the view grid, and arrows of v = -x - grad log p_t.
  Refresher map_;
  Grid2D grid_;
  Vec p_;
  Points arrow_at_, arrow_v_;
  // E and KL along the k grid (filled a few points per frame).
  std::string curve_key_;
  std::vector<int> curve_k_;
  std::vector<double> curve_t_, curve_e_, curve_kl_, curve_mass_;
};

void ForwardPanel::play(App& app) {
  AppState& s = app.state();
  if (!s.forward.playing) return;
  const int T = app.lab().schedule().T();
  k_frac_ += s.forward.speed * ImGui::GetIO().DeltaTime;
  const int dk = static_cast<int>(k_frac_);
  k_frac_ -= dk;
  s.k = std::min(T, s.k + dk);
  if (s.k == T) s.forward.playing = false;
}

void ForwardPanel::move_particles(App& app) {
  const AppState& s = app.state();
  Lab& lab = app.lab();
  const std::string key = make_key(lab.world_version(), s.seed, s.forward.particles);
  const double t = lab.time(s.k);
  if (key == particles_key_ && t == t_x_) return;
  EngineTimer timer(lab.clock());
  const Schedule& sch = lab.schedule();
  if (key != particles_key_) {
    rng_.reseed(s.seed * 7919 + 17);
    x0_ = lab.density().sample(rng_, s.forward.particles);
    x_ = x0_;
    t_x_ = 0;
    particles_key_ = key;
  }
  Points eps(2, x0_.cols());
  sample_normal(rng_, eps);
  if (t > t_x_) {
    // The Markov transition over [t_x, t]: for OU (VP) x_t = e^{-(t - t_x)} x + sqrt(1 - e^{-2(t - t_x)}) eps,
    // i.e. ou_forward at elapsed time t - t_x; for VE (m = 1, sigma = t) the variance adds: t^2 - t_x^2.
    const double lag = sch.kind() == ScheduleKind::VE ? std::sqrt(t * t - t_x_ * t_x_) : t - t_x_;
    x_ = ou_forward(sch, x_, eps, lag);
  } else {
    x_ = ou_forward(sch, x0_, eps, t);  // going back: a fresh draw of the marginal at t
  }
  t_x_ = t;
}

void ForwardPanel::refresh_maps(App& app) {
  const AppState& s = app.state();
  Lab& lab = app.lab();
  const std::string key = make_key(lab.world_version(), s.k, s.grid, s.view, s.forward.show_velocity);
  if (!map_.due(key, 0)) return;
  EngineTimer timer(lab.clock());
  const double t = lab.time(s.k);
  grid_ = view_grid(s, s.grid);
  p_ = lab.density().log_prob(grid_.points(), lab.schedule().mean_coef(t), lab.schedule().sigma(t)).array().exp();
  if (s.forward.show_velocity) {
    const Grid2D coarse = view_grid(s, 21);
    arrow_at_ = coarse.points();
    arrow_v_ = pf_ode_velocity(*lab.truth(), lab.schedule(), arrow_at_, t);
  }
  map_.done(key, 0);
}

void ForwardPanel::extend_curve(App& app) {
  const AppState& s = app.state();
  Lab& lab = app.lab();
  const std::string key = make_key(lab.world_version(), s.view);
  if (key != curve_key_) {
    curve_key_ = key;
    curve_k_ = sweep_indices(lab.schedule().T(), 48);
    curve_t_.clear(), curve_e_.clear(), curve_kl_.clear(), curve_mass_.clear();
  }
  if (curve_t_.size() == curve_k_.size()) return;
  EngineTimer timer(lab.clock());
  const Clock::time_point t0 = Clock::now();
  Grid2D g = view_grid(s, 129);
  while (curve_t_.size() < curve_k_.size() && ms_since(t0) < 3.0) {
    const double t = lab.time(curve_k_[curve_t_.size()]);
    const OuEnergy e = ou_energy(lab.density(), lab.schedule().mean_coef(t), lab.schedule().sigma(t), g);
    curve_t_.push_back(t);
    curve_e_.push_back(e.energy);
    curve_kl_.push_back(e.kl_to_normal);
    curve_mass_.push_back(e.mass);
  }
}

double ForwardPanel::curve_at(const std::vector<double>& v, double t) const {
  if (curve_t_.empty() || t < curve_t_.front()) return NAN;
  for (size_t i = 1; i < curve_t_.size(); ++i)
    if (t <= curve_t_[i]) {
      const double u = (t - curve_t_[i - 1]) / (curve_t_[i] - curve_t_[i - 1]);
      return (1 - u) * v[i - 1] + u * v[i];
    }
  return curve_t_.size() == curve_k_.size() ? v.back() : NAN;
}

void ForwardPanel::draw(App& app) {
  AppState& s = app.state();
  Lab& lab = app.lab();
  play(app);
  move_particles(app);
  refresh_maps(app);
  extend_curve(app);
  const double t = lab.time(s.k);
  explain(
      "The forward process dX = -X dt + sqrt(2) dW moves the density by the Fokker-Planck equation, which is the "
      "Wasserstein gradient flow of E[rho] = int |x|^2/2 rho + int rho log rho: particles follow v = -x - grad log "
      "rho_t (Eq. 13) and E falls to its minimum at N(0, I), where KL = E + log 2pi reaches 0. Training a diffusion "
      "model is flow matching to this velocity. k indexes the cosine grid (Eq. 6), t_k = -1/2 log abar_k.");
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float side = std::min(avail.x * 0.56f, avail.y);
  ImGui::BeginGroup();
  {
    plot::AxesStyle st;
    st.equal_aspect = true;
    st.colorbar = true;
    st.title = "p_t (exact) and particles of dX = -X dt + sqrt(2) dW";
    plot::Axes a("density", ImVec2(side, side), {-s.view, s.view}, {-s.view, s.view}, st);
    const plot::Range pr{0, std::max(1e-12, p_.size() ? p_.maxCoeff() : 1.0)};
    plot::heatmap(a, grid_, p_, pr, plot::Colormap::Viridis);
    plot::scatter(a, x_, IM_COL32(255, 140, 60, 200), 1.4f);
    if (s.forward.show_velocity && arrow_at_.cols() > 0)
      plot::quiver(a, arrow_at_, arrow_v_, 0.12, IM_COL32(255, 255, 255, 200), 0.35);
    a.colorbar(pr, plot::Colormap::Viridis, "p_t");
    app.note_layout("plot:forward.density", a.inner());
  }
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  {
    if (ImGui::Button(s.forward.playing ? "Pause" : "Play")) {
      if (!s.forward.playing && s.k >= lab.schedule().T()) s.k = 1;
      s.forward.playing = !s.forward.playing;
    }
    ImGui::SameLine();
    if (ImGui::Button("Rewind")) s.k = 1, s.forward.playing = false;
    ImGui::SameLine();
    if (ImGui::Button("New particles")) particles_key_.clear();
    ImGui::SetNextItemWidth(10 * ImGui::GetFontSize());
    slider_log("k per second", s.forward.speed, 5, 2000, "%.0f");
    ImGui::SameLine();
    ImGui::Checkbox("arrows of v", &s.forward.show_velocity);
    const double e = curve_at(curve_e_, t), kl = curve_at(curve_kl_, t);
    ImGui::Text("t = %.4f (k = %d)   E[rho_t] = %s   KL = %s", t, s.k, fmt(e, "%.4f").c_str(), fmt(kl, "%.4f").c_str());
    app.set_readout("forward.t", t_x_);
    app.set_readout("forward.energy", e);
    app.set_readout("forward.kl", kl);
    app.set_readout("forward.mean_sq_radius", x_.cols() ? x_.colwise().squaredNorm().mean() : NAN);
    const float w = ImGui::GetContentRegionAvail().x, h = std::max(120.0f, (avail.y - 9 * ImGui::GetFontSize()) / 2);
    plot::AxesStyle st;
    st.log_x = true;
    st.title = "energy E[rho_t] = int x^2/2 rho + int rho log rho";
    st.x_label = "t";
    const std::vector<double> floor_e(curve_t_.size(), -std::log(2 * 3.14159265358979323846));
    {
      plot::Axes a("energy", ImVec2(w, h), {lab.time(1), lab.schedule().t_max()}, plot::data_range(curve_e_), st);
      plot::line(a, curve_t_, floor_e, IM_COL32(160, 160, 160, 160), 1.0f);
      plot::line(a, curve_t_, curve_e_, plot::series_colour(0), 2.0f);
      plot::vline(a, t, IM_COL32(255, 255, 255, 150));
      if (std::isfinite(e)) plot::marker(a, t, e, plot::series_colour(0));
      a.legend("E[rho_t]", plot::series_colour(0));
      a.legend("min: -log 2pi", IM_COL32(160, 160, 160, 200));
      app.note_layout("plot:forward.energy", a.inner());
    }
    st.title = "KL(rho_t || N(0, I)) = E[rho_t] + log 2pi";
    st.log_y = true;
    {
      plot::Axes a("kl", ImVec2(w, h), {lab.time(1), lab.schedule().t_max()}, plot::data_range(curve_kl_, true), st);
      plot::line(a, curve_t_, curve_kl_, plot::series_colour(1), 2.0f);
      plot::vline(a, t, IM_COL32(255, 255, 255, 150));
      if (kl > 0) plot::marker(a, t, kl, plot::series_colour(1));
      app.note_layout("plot:forward.kl", a.inner());
    }
    if (!curve_mass_.empty() && *std::min_element(curve_mass_.begin(), curve_mass_.end()) < 0.99)
      ImGui::TextColored(ImVec4(1, 0.7f, 0.3f, 1), "the view box holds only %.3f of the mass: widen 'view'",
                         *std::min_element(curve_mass_.begin(), curve_mass_.end()));
  }
  ImGui::EndGroup();
}

}  // namespace

std::unique_ptr<Panel> make_forward_panel() { return std::make_unique<ForwardPanel>(); }

}  // namespace wgf::ui
