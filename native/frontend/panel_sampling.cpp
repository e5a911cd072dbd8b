// Panel 4 — Sampling: the probability-flow ODE and the reverse SDE carry N(0, I) particles
// backward in time over the exact p_t, stepped a few grid steps per frame (wgf::SamplerRun),
// with the sample metrics against fresh draws of p_t (SWD, MMD, grid KL) as they go.
#include <algorithm>
#include <cmath>
#include <memory>

#include "app.hpp"
#include "ui_util.hpp"
#include "wgf/metrics.hpp"
#include "wgf/ou.hpp"
#include "wgf/sampler_run.hpp"

namespace wgf::ui {
namespace {

constexpr int kMetricEvery = 5;  // sampler steps between metric evaluations
constexpr int kMetricN = 500;    // particles (and reference draws) the metrics use

struct Track {
  std::unique_ptr<SamplerRun> run;
  std::vector<double> t, swd, mmd, kl;
};

class SamplingPanel final : public Panel {
 public:
  PanelId id() const override { return PanelId::Sampling; }
  const char* title() const override { return "4 Sampling"; }
  void draw(App& app) override;

 private:
  void restart(App& app);
  void advance(App& app);
  void measure(App& app);
  void particle_plot(App& app, const char* id, const char* title, const Track& tr, ImVec2 size);

  std::string key_;
  Track ode_, sde_;
  Points ref0_, ref_eps_;  // reference x0 ~ p_0 and eps for draws of p_t = law of m x0 + sigma eps
  Refresher map_;
  Grid2D grid_;
  Vec p_;
};

void SamplingPanel::restart(App& app) {
  const AppState& s = app.state();
  Lab& lab = app.lab();
  EngineTimer timer(lab.clock());
  SamplerConfig ode, sde;
  ode.kind = parse_sampler(s.sample.ode);
  sde.kind = SamplerKind::Sde;
  ode.steps = sde.steps = std::min(s.sample.steps, lab.schedule().T() - 1);
  Rng rng(s.seed * 1000003 + 5);
  Points x(2, s.sample.particles);
  sample_normal(rng, x);
  x *= lab.schedule().sigma(lab.schedule().t_max());
  const std::shared_ptr<const VectorField> field = lab.field_snapshot();
  ode_ = Track{std::make_unique<SamplerRun>(field, lab.schedule_ptr(), ode, x, rng.split()), {}, {}, {}, {}};
  sde_ = Track{std::make_unique<SamplerRun>(field, lab.schedule_ptr(), sde, x, rng.split()), {}, {}, {}, {}};
  Rng ref(s.seed * 1000003 + 6);
  ref0_ = lab.density().sample(ref, kMetricN);
  ref_eps_.resize(2, kMetricN);
  sample_normal(ref, ref_eps_);
  key_ = make_key(lab.world_version(), s.field, s.seed, s.sample.particles, s.sample.steps, s.sample.ode);
  measure(app);
}

void SamplingPanel::measure(App& app) {
  Lab& lab = app.lab();
  const AppState& s = app.state();
  const double t = ode_.run->time();
  const Points target = ou_forward(lab.schedule(), ref0_, ref_eps_, t);
  for (Track* tr : {&ode_, &sde_}) {
    const Points x = tr->run->x().leftCols(std::min<Eigen::Index>(kMetricN, tr->run->x().cols()));
    Rng proj(7);  // the same projections for every evaluation: the curves differ by the samples only
    tr->t.push_back(t);
    tr->swd.push_back(sliced_wasserstein(x, target, 64, proj));
    tr->mmd.push_back(mmd_rbf(x, target));
    tr->kl.push_back(grid_kl_2d(target, x, 24, -s.view, s.view));
  }
}

void SamplingPanel::advance(App& app) {
  AppState& s = app.state();
  Lab& lab = app.lab();
  if (!s.sample.running || ode_.run->done()) return;
  EngineTimer timer(lab.clock());
  for (int i = 0; i < s.sample.steps_per_frame && !ode_.run->done(); ++i) {
    ode_.run->step();
    sde_.run->step();
    if (ode_.run->steps_done() % kMetricEvery == 0 || ode_.run->done()) measure(app);
  }
  if (ode_.run->done()) s.sample.running = false;
}

void SamplingPanel::particle_plot(App& app, const char* id, const char* title, const Track& tr, ImVec2 size) {
  const AppState& s = app.state();
  plot::AxesStyle st;
  st.equal_aspect = true;
  st.title = title;
  plot::Axes a(id, size, {-s.view, s.view}, {-s.view, s.view}, st);
  plot::heatmap(a, grid_, p_, {0, std::max(1e-12, p_.size() ? p_.maxCoeff() : 1.0)}, plot::Colormap::Viridis);
  plot::scatter(a, tr.run->x(), IM_COL32(255, 140, 60, 210), 1.4f);
  app.note_layout(std::string("plot:sampling.") + id, a.inner());
}

void SamplingPanel::draw(App& app) {
  AppState& s = app.state();
  Lab& lab = app.lab();
  explain(
      "Generation runs the flow backward from N(0, I) at t_max. The probability-flow ODE dx/dt = -x - NN(x, t) "
      "reverses the WGF velocity (Eq. 13) deterministically; the reverse SDE dX = [X + 2 NN] dtau + sqrt(2) dW "
      "(Eq. 3) adds noise and twice the score. With the exact score both carry exactly p_t (the heatmap) at every "
      "t; with a learned field, compare how far each drifts from it (SWD, MMD, grid KL against fresh draws of p_t).");
  const std::string key =
      make_key(lab.world_version(), s.field, s.seed, s.sample.particles, s.sample.steps, s.sample.ode);
  if (!ode_.run || key != key_) restart(app);
  if (ImGui::Button(s.sample.running ? "Pause" : "Run")) {
    if (!s.sample.running && ode_.run->done()) restart(app);
    s.sample.running = !s.sample.running;
  }
  ImGui::SameLine();
  if (app.button("Restart (snapshot the field)", "sampling.restart")) restart(app);
  ImGui::SameLine();
  ImGui::PushItemWidth(7 * ImGui::GetFontSize());
  combo("ODE", s.sample.ode, {"ode-euler", "ode-heun", "ode-rk4"});
  ImGui::SameLine();
  ImGui::SliderInt("steps", &s.sample.steps, 10, 500);
  ImGui::SameLine();
  ImGui::SliderInt("per frame", &s.sample.steps_per_frame, 1, 20);
  ImGui::PopItemWidth();
  advance(app);

  const double t = ode_.run->time();
  const std::string mkey = make_key(lab.world_version(), t, s.grid, s.view);
  if (map_.due(mkey, 0)) {
    EngineTimer timer(lab.clock());
    grid_ = view_grid(s, s.grid);
    p_ = lab.density().log_prob(grid_.points(), lab.schedule().mean_coef(t), lab.schedule().sigma(t)).array().exp();
    map_.done(mkey, 0);
  }
  ImGui::Text("step %d/%d   t = %.4f   field: %s", ode_.run->steps_done(), ode_.run->steps_total(), t, s.field.c_str());
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float w = (avail.x - 2 * ImGui::GetStyle().ItemSpacing.x) / 3, h = std::min(avail.y, w + 30);
  particle_plot(app, "ode", ("probability-flow ODE (" + s.sample.ode + ")").c_str(), ode_, ImVec2(w, h));
  ImGui::SameLine();
  particle_plot(app, "sde", "reverse SDE (Euler-Maruyama)", sde_, ImVec2(w, h));
  ImGui::SameLine();
  ImGui::BeginGroup();
  {
    plot::AxesStyle st;
    st.log_x = st.log_y = true;
    st.title = "to fresh draws of p_t";
    st.x_label = "t (runs right to left)";
    std::vector<double> all;
    for (const Track* tr : {&ode_, &sde_}) all.insert(all.end(), tr->swd.begin(), tr->swd.end());
    for (const Track* tr : {&ode_, &sde_}) all.insert(all.end(), tr->kl.begin(), tr->kl.end());
    plot::Axes a("metrics", ImVec2(w, h - 5 * ImGui::GetFrameHeightWithSpacing()),
                 {lab.time(1), lab.schedule().t_max()}, plot::data_range(all, true), st);
    plot::line(a, ode_.t, ode_.swd, plot::series_colour(0), 2.0f);
    plot::line(a, sde_.t, sde_.swd, plot::series_colour(1), 2.0f);
    plot::line(a, ode_.t, ode_.kl, plot::series_colour(0, 0.6f), 1.0f);
    plot::line(a, sde_.t, sde_.kl, plot::series_colour(1, 0.6f), 1.0f);
    a.legend("SWD ODE", plot::series_colour(0));
    a.legend("SWD SDE", plot::series_colour(1));
    a.legend("KL (thin)", plot::series_colour(7));
    app.note_layout("plot:sampling.metrics", a.inner());
  }
  if (ImGui::BeginTable("m", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchSame)) {
    for (const char* hdr : {"", "SWD", "MMD", "grid KL"}) ImGui::TableSetupColumn(hdr);
    ImGui::TableHeadersRow();
    for (const auto& [name, tr] : {std::pair<const char*, const Track*>{"ODE", &ode_}, {"SDE", &sde_}}) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(name);
      const double vals[3] = {tr->swd.empty() ? NAN : tr->swd.back(), tr->mmd.empty() ? NAN : tr->mmd.back(),
                              tr->kl.empty() ? NAN : tr->kl.back()};
      for (double v : vals) {
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(fmt(v, "%.4f").c_str());
      }
      const std::string p = std::string("sampling.") + (tr == &ode_ ? "ode" : "sde");
      app.set_readout(p + ".swd", vals[0]);
      app.set_readout(p + ".mmd", vals[1]);
      app.set_readout(p + ".kl", vals[2]);
    }
    ImGui::EndTable();
  }
  ImGui::EndGroup();
  app.set_readout("sampling.t", t);
  app.set_readout("sampling.step", ode_.run->steps_done());
  app.set_readout("sampling.ode.mean_sq_radius", ode_.run->x().colwise().squaredNorm().mean());
}

}  // namespace

std::unique_ptr<Panel> make_sampling_panel() { return std::make_unique<SamplingPanel>(); }

}  // namespace wgf::ui
