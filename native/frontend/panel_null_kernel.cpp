// Panel 6 — Null kernel: does the error field change the transported density? The Stein
// value S = div e + s_true . e (Eqs. 20-21) as a heatmap, div e against -s_true . e, the
// summary statistics per k with Stein's-identity caution, the test fields exact+rot and
// exact+const, and the Helmholtz split with gradient-only sampling.
#include <algorithm>
#include <cmath>
#include <memory>

#include "app.hpp"
#include "progressive.hpp"
#include "ui_util.hpp"
#include "wgf/helmholtz.hpp"
#include "wgf/metrics.hpp"
#include "wgf/ou.hpp"
#include "wgf/sampler_run.hpp"

namespace wgf::ui {
namespace {

constexpr int kSamples = 256;  // forward samples for the statistics at k

// Three probability-flow runs from the same start: the field, its gradient part, the exact score.
struct Transport {
  std::unique_ptr<SamplerRun> full, grad, exact;
  double swd_full = NAN, swd_grad = NAN, swd_exact = NAN, floor = NAN;
};

class NullKernelPanel final : public Panel {
 public:
  PanelId id() const override { return PanelId::NullKernel; }
  const char* title() const override { return "6 Null kernel"; }
  void draw(App& app) override;

 private:
  void refresh(App& app);
  void test_fields(App& app);
  void start_transport(App& app);
  void step_transport(App& app);
  void stats_and_sweep(App& app, float width);

  Refresher ref_;
  ProgressiveMap map_;  // S on the grid
  int seen_ = 0;
  Grid2D grid_;
  Vec stein_map_;
  plot::Range stein_range_;
  SteinValues at_samples_;
  SteinSummary summary_;
  HelmholtzSplit split_;
  Transport tr_;
};

// The 98th percentile of |v|: a colour range that the far tails do not wash out.
plot::Range robust_symmetric(const Vec& v) {
  std::vector<double> a;
  for (Eigen::Index i = 0; i < v.size(); ++i)
    if (std::isfinite(v(i))) a.push_back(std::abs(v(i)));
  if (a.empty()) return {-1, 1};
  const size_t q = a.size() * 98 / 100;
  std::nth_element(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(q), a.end());
  const double m = std::max(a[q], 1e-9);
  return {-m, m};
}

void NullKernelPanel::refresh(App& app) {
  const AppState& s = app.state();
  Lab& lab = app.lab();
  const std::string key = make_key(lab.world_version(), s.field, s.k, s.grid, s.view, s.seed, s.null_kernel.show_split);
  const double t = lab.time(s.k);
  // S on the grid (D = 2: the exact divergence from 2 JVPs; the Rng serves Hutchinson only).
  auto stein_fn = [t, truth = lab.truth()](std::shared_ptr<const VectorField> f) {
    return [t, truth, f](const Points& x) {
      Rng unused(0);
      return Points(stein_values(*truth, *f, x, t, DivergenceOptions{}, unused).stein.transpose());
    };
  };
  const bool now = ref_.key_changed(key);
  if (now) {
    grid_ = view_grid(s, s.grid);
    map_.compute(lab.clock(), grid_.points(), stein_fn(lab.field()));
  } else if (!map_.busy() && ref_.due(key, lab.field_version())) {
    map_.start(grid_.points(), stein_fn(lab.field_snapshot()));
  }
  map_.step(lab.clock(), map_budget_ms(s));
  if (map_.generation() != seen_) {
    stein_map_ = map_.result().row(0).transpose();
    stein_range_ = robust_symmetric(stein_map_);
    seen_ = map_.generation();
  }
  if (!now && !ref_.due(key, lab.field_version())) return;
  // The statistics at 256 forward samples and the Helmholtz split: a few ms, done at once.
  EngineTimer timer(lab.clock());
  DivergenceOptions opts;
  Rng rng(s.seed + 99);
  Rng data(s.seed * 31 + 7);
  const Points x0 = lab.density().sample(data, kSamples);
  Points eps(2, kSamples);
  sample_normal(data, eps);
  at_samples_ = stein_values(*lab.truth(), *lab.field(), ou_forward(lab.schedule(), x0, eps, t), t, opts, rng);
  summary_ = summarize(at_samples_);
  if (s.null_kernel.show_split) {
    split_ = helmholtz_split(*lab.field(), view_grid(s, 41), t);
  }
  ref_.done(key, lab.field_version());
}

void NullKernelPanel::test_fields(App& app) {
  AppState& s = app.state();
  ImGui::TextUnformatted("field:");
  const std::string rot = "exact+rot:" + fmt(s.null_kernel.rot_a, "%g");
  const std::string shift = "exact+const:" + fmt(s.null_kernel.shift[0], "%g") + "," + fmt(s.null_kernel.shift[1], "%g");
  for (const auto& [label, spec] : {std::pair<const char*, std::string>{"learned", "learned"},
                                    {"exact", "exact"},
                                    {"exact + A R s (null kernel)", rot},
                                    {"exact + c (not)", shift}}) {
    ImGui::SameLine();
    if (ImGui::RadioButton(label, s.field == spec)) s.field = spec;
  }
  ImGui::PushItemWidth(6 * ImGui::GetFontSize());
  if (slider_double("A", s.null_kernel.rot_a, -3, 3) && s.field.rfind("exact+rot:", 0) == 0)
    s.field = "exact+rot:" + fmt(s.null_kernel.rot_a, "%g");
  ImGui::SameLine();
  const bool cx = slider_double("c_x", s.null_kernel.shift[0], -2, 2);
  ImGui::SameLine();
  const bool cy = slider_double("c_y", s.null_kernel.shift[1], -2, 2);
  if ((cx || cy) && s.field.rfind("exact+const:", 0) == 0)
    s.field = "exact+const:" + fmt(s.null_kernel.shift[0], "%g") + "," + fmt(s.null_kernel.shift[1], "%g");
  ImGui::PopItemWidth();
}

void NullKernelPanel::start_transport(App& app) {
  const AppState& s = app.state();
  Lab& lab = app.lab();
  EngineTimer timer(lab.clock());
  SamplerConfig cfg;
  cfg.kind = SamplerKind::OdeHeun;
  cfg.steps = 60;
  // The gradient part of the field's Helmholtz split, precomputed at 16 of the sampler's times.
  const std::vector<double> ts = sampler_times(lab.schedule(), cfg);
  std::vector<double> at;
  for (int i = 0; i < 16; ++i) at.push_back(ts[static_cast<size_t>(i * (cfg.steps) / 15)]);
  std::reverse(at.begin(), at.end());
  const std::shared_ptr<const VectorField> field = lab.field_snapshot();
  auto grad = std::make_shared<HelmholtzPartField>(field, view_grid(s, 48), at, HelmholtzPart::Gradient);
  Rng rng(s.seed + 4242);
  Points x(2, 1000);
  sample_normal(rng, x);
  x *= lab.schedule().sigma(lab.schedule().t_max());
  tr_ = Transport{};
  tr_.full = std::make_unique<SamplerRun>(field, lab.schedule_ptr(), cfg, x, rng);
  tr_.grad = std::make_unique<SamplerRun>(grad, lab.schedule_ptr(), cfg, x, rng);
  tr_.exact = std::make_unique<SamplerRun>(lab.truth(), lab.schedule_ptr(), cfg, x, rng);
}

void NullKernelPanel::step_transport(App& app) {
  if (!tr_.full || tr_.full->done()) return;
  Lab& lab = app.lab();
  EngineTimer timer(lab.clock());
  for (int i = 0; i < 3 && !tr_.full->done(); ++i) tr_.full->step(), tr_.grad->step(), tr_.exact->step();
  if (!tr_.full->done()) return;
  Rng data(app.state().seed + 777);
  const Points a = lab.density().sample(data, 1000), b = lab.density().sample(data, 1000);
  Rng p1(3), p2(3), p3(3), p4(3);
  tr_.swd_full = sliced_wasserstein(tr_.full->x(), a, 64, p1);
  tr_.swd_grad = sliced_wasserstein(tr_.grad->x(), a, 64, p2);
  tr_.swd_exact = sliced_wasserstein(tr_.exact->x(), a, 64, p3);
  tr_.floor = sliced_wasserstein(b, a, 64, p4);
  app.set_readout("null_kernel.swd_field", tr_.swd_full);
  app.set_readout("null_kernel.swd_gradient_part", tr_.swd_grad);
  app.set_readout("null_kernel.swd_exact", tr_.swd_exact);
  app.set_readout("null_kernel.swd_floor", tr_.floor);
}

void NullKernelPanel::stats_and_sweep(App& app, float width) {
  AppState& s = app.state();
  Sweep& sw = app.sweep();
  const SteinSummary& m = summary_;
  ImGui::Text("at k = %d, %d forward samples:", s.k, kSamples);
  if (ImGui::BeginTable("stats", 2, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchProp, ImVec2(width, 0))) {
    auto row = [](const char* name, const std::string& v) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(name);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(v.c_str());
    };
    row("E|e|^2", fmt(m.error_l2, "%.4g"));
    row("mean S (no evidence alone)", fmt(m.stein_mean, "%+.3e") + " +- " + fmt(m.stein_sem, "%.1e"));
    row("RMS S (0 iff null kernel)", fmt(m.stein_rms, "%.4g"));
    row("RMS div e | RMS s.e", fmt(m.div_e_rms, "%.3g") + " | " + fmt(m.s_dot_e_rms, "%.3g"));
    row("cancellation RMS S/(..+..)", fmt(m.stein_cancellation, "%.3f"));
    ImGui::EndTable();
  }
  app.set_readout("null_kernel.error_l2", m.error_l2);
  app.set_readout("null_kernel.stein_mean", m.stein_mean);
  app.set_readout("null_kernel.stein_sem", m.stein_sem);
  app.set_readout("null_kernel.stein_rms", m.stein_rms);
  app.set_readout("null_kernel.cancellation", m.stein_cancellation);

  if (app.button(tr_.full && !tr_.full->done() ? "transporting...###transport" : "Sample: field vs gradient part###transport",
                 "null_kernel.transport"))
    start_transport(app);
  step_transport(app);
  if (tr_.full && tr_.full->done())
    ImGui::Text("SWD to data: field %.3f  gradient part %.3f  exact %.3f  (floor %.3f)", tr_.swd_full, tr_.swd_grad,
                tr_.swd_exact, tr_.floor);
  ImGui::Checkbox("Helmholtz split (grey: grad phi, white: the rest)", &s.null_kernel.show_split);

  if (app.button(sw.running() ? "sweeping...###sweep" : "Sweep k###sweep", "sweep")) sw.start(app.lab(), s);
  ImGui::SameLine();
  ImGui::Text("%zu/%zu, field %s", sw.rows().size(), sw.total(), sw.empty() ? "-" : sw.field_name().c_str());
  plot::AxesStyle st;
  st.log_y = true;
  st.x_label = "k";
  st.title = "Stein statistics vs k";
  std::vector<double> mean_abs = sw.column(&SweepRow::stein_mean);
  for (double& v : mean_abs) v = std::abs(v);
  const std::vector<double> ks = sw.ks(), rms = sw.column(&SweepRow::stein_rms),
                            canc = sw.column(&SweepRow::stein_cancellation), err = sw.column(&SweepRow::error_l2);
  std::vector<double> all = rms;
  for (const std::vector<double>* v : std::initializer_list<const std::vector<double>*>{&mean_abs, &canc, &err}) all.insert(all.end(), v->begin(), v->end());
  plot::Axes a("stein_k", ImVec2(width, -1), {0, static_cast<double>(app.lab().schedule().T())},
               plot::data_range(all, true), st);
  plot::line(a, ks, rms, plot::series_colour(0), 2);
  plot::line(a, ks, mean_abs, plot::series_colour(1), 2);
  plot::line(a, ks, canc, plot::series_colour(2), 2);
  plot::line(a, ks, err, plot::series_colour(3), 1.5f);
  plot::vline(a, s.k, IM_COL32(255, 255, 255, 120));
  a.legend("RMS S", plot::series_colour(0));
  a.legend("|mean S|", plot::series_colour(1));
  a.legend("cancellation", plot::series_colour(2));
  a.legend("E|e|^2", plot::series_colour(3));
  if (sw.empty()) a.draw()->AddText(ImVec2(a.inner().min.x + 10, a.inner().min.y + 10), IM_COL32(200, 200, 200, 200),
                                    "press 'Sweep k'");
}

void NullKernelPanel::draw(App& app) {
  const AppState& s = app.state();
  explain(
      "With e = s_true - NN, the field transports the true marginals iff S = div e + s_true . e = 0 pointwise (Eqs. "
      "20-21): e lies in the null kernel of the Stein operator. CAUTION: the mean of S is zero for EVERY decaying "
      "error field (Stein's identity, E[S] = int div(rho e) = 0), so a mean near zero - the paper's Fig. 4b - is no "
      "evidence. RMS S, the cancellation ratio and the transport itself are. Try exact + A R s (curl, yet S = 0) "
      "against exact + c (no curl, yet S != 0 and shifted samples).");
  test_fields(app);
  refresh(app);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float side = std::min((avail.x - 2 * ImGui::GetStyle().ItemSpacing.x) / 3, avail.y);
  {
    plot::AxesStyle st;
    st.equal_aspect = true;
    st.colorbar = true;
    st.title = "S = div e + s_true . e";
    plot::Axes a("stein", ImVec2(side, side), {-s.view, s.view}, {-s.view, s.view}, st);
    plot::heatmap(a, grid_, stein_map_, stein_range_, plot::Colormap::Diverging);
    a.colorbar(stein_range_, plot::Colormap::Diverging, "S");
    if (s.null_kernel.show_split && split_.field.cols() > 0) {
      const Points at = split_.grid.points();
      const double sc = 0.9 * split_.grid.hx() / std::max(1e-9, split_.field.colwise().norm().maxCoeff());
      plot::quiver(a, at, split_.gradient, sc, IM_COL32(140, 140, 140, 220), 0.9 * split_.grid.hx());
      plot::quiver(a, at, split_.remainder, sc, IM_COL32(255, 255, 255, 240), 0.9 * split_.grid.hx());
    }
    app.note_layout("plot:null_kernel.stein", a.inner());
  }
  ImGui::SameLine();
  {
    // div e against -s_true . e: on the diagonal exactly when S = 0.
    const Points pts = at_samples_.div_e.size() ? Points(2, at_samples_.div_e.size()) : Points(2, 0);
    Points p = pts;
    if (p.cols()) p.row(0) = at_samples_.div_e.transpose(), p.row(1) = -at_samples_.s_dot_e.transpose();
    double m = 1e-9;
    for (Eigen::Index c = 0; c < p.cols(); ++c)
      if (std::isfinite(p(0, c)) && std::isfinite(p(1, c))) m = std::max({m, std::abs(p(0, c)), std::abs(p(1, c))});
    plot::AxesStyle st;
    st.equal_aspect = true;
    st.title = "div e (x) vs -s_true . e (y)";
    plot::Axes a("cancel", ImVec2(side, side), {-m * 1.05, m * 1.05}, {-m * 1.05, m * 1.05}, st);
    a.draw()->AddLine(a.to_screen(-m * 2, -m * 2), a.to_screen(m * 2, m * 2), IM_COL32(255, 255, 255, 90), 1.0f);
    plot::scatter(a, p, IM_COL32(120, 200, 255, 220), 2.0f);
  }
  ImGui::SameLine();
  ImGui::BeginGroup();
  stats_and_sweep(app, ImGui::GetContentRegionAvail().x);
  ImGui::EndGroup();
}

}  // namespace

std::unique_ptr<Panel> make_null_kernel_panel() { return std::make_unique<NullKernelPanel>(); }

}  // namespace wgf::ui
