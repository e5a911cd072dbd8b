// Panel 3 — Training: live denoising score matching (Eq. 16) with wgf::DsmTrainer. The steps
// run inside a per-frame engine budget (App::frame), so the UI never freezes, natively or in
// single-threaded WebAssembly.
#include <algorithm>
#include <cmath>

#include "app.hpp"
#include "ui_util.hpp"

namespace wgf::ui {
namespace {

bool same_network_and_trainer(const TrainSettings& a, const TrainSettings& b) {
  return a.width == b.width && a.depth == b.depth && a.param == b.param && a.activation == b.activation &&
         a.time_features == b.time_features && a.weighting == b.weighting && a.batch == b.batch &&
         a.jac_reg == b.jac_reg;
}

class TrainingPanel final : public Panel {
 public:
  PanelId id() const override { return PanelId::Training; }
  const char* title() const override { return "3 Training"; }
  void draw(App& app) override;

 private:
  void controls(App& app);
  void loss_plot(App& app, ImVec2 size);
  TrainSettings pending_, synced_;
  bool have_pending_ = false;
};

void TrainingPanel::controls(App& app) {
  AppState& s = app.state();
  Lab& lab = app.lab();
  // The settings that need a new network are edited here and applied with one button.
  if (!have_pending_ || !same_network_and_trainer(synced_, s.train)) {
    pending_ = synced_ = s.train;
    have_pending_ = true;
  }
  const float w = 9 * ImGui::GetFontSize();
  ImGui::PushItemWidth(w);
  section("Network (Apply starts a new one)");
  ImGui::SliderInt("width", &pending_.width, 8, 256);
  ImGui::SliderInt("depth", &pending_.depth, 1, 6);
  combo("parameterisation", pending_.param, {"score", "eps", "potential"});
  combo("activation", pending_.activation, {"silu", "elu", "relu", "tanh"});
  combo("weighting", pending_.weighting, {"uniform", "eps", "likelihood"});
  ImGui::SliderInt("batch", &pending_.batch, 16, 2048, "%d", ImGuiSliderFlags_Logarithmic);
  bool reg = pending_.jac_reg > 0;
  if (ImGui::Checkbox("conservative regulariser", &reg)) pending_.jac_reg = reg ? 0.1 : 0.0;
  if (reg) slider_log("lambda", pending_.jac_reg, 1e-3, 10);
  const bool dirty = !same_network_and_trainer(pending_, s.train);
  if (dirty) ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.75f, 0.45f, 0.1f, 1));
  if (app.button(dirty ? "Apply (new network)###apply" : "Reset network###apply", "training.reset")) {
    const bool running = s.train.running;
    const double lr = s.train.lr, budget = s.train.budget_ms;
    s.train = pending_;
    s.train.running = running, s.train.lr = lr, s.train.budget_ms = budget;
    synced_ = s.train;
    lab.reset_model(s);
  }
  if (dirty) ImGui::PopStyleColor();
  section("Optimisation (live)");
  slider_log("learning rate", s.train.lr, 1e-4, 3e-2);
  slider_double("budget ms/frame", s.train.budget_ms, 1, 16, "%.1f");
  ImGui::PopItemWidth();
  if (ImGui::Button(s.train.running ? "Pause training" : "Start training", ImVec2(w, 0))) s.train.running = !s.train.running;
  ImGui::SameLine();
  if (ImGui::Button("+100 steps")) {
    for (int i = 0; i < 100 && lab.train_error().empty(); ++i) lab.train(0);
  }
  if (!lab.train_error().empty()) ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", lab.train_error().c_str());
}

void TrainingPanel::loss_plot(App& app, ImVec2 size) {
  const std::vector<double>& l = app.lab().losses();
  // Block means down to <= 1,500 points, and a running mean over ~2% of the steps.
  const size_t n = l.size(), stride = std::max<size_t>(1, (n + 1499) / 1500);
  std::vector<double> xs, ys, ms;
  const size_t win = std::max<size_t>(10, n / 50);
  double run = 0;
  size_t in_run = 0, next_block = stride;
  double block = 0;
  for (size_t i = 0; i < n; ++i) {
    run += l[i], ++in_run;
    if (in_run > win) run -= l[i - win], --in_run;
    block += l[i];
    if (i + 1 == next_block || i + 1 == n) {
      const size_t len = (i + 1) - (next_block - stride);
      xs.push_back(static_cast<double>(i + 1));
      ys.push_back(block / static_cast<double>(len));
      ms.push_back(run / static_cast<double>(in_run));
      block = 0;
      next_block += stride;
    }
  }
  plot::AxesStyle st;
  st.log_y = true;
  st.title = "DSM loss (Eq. 16), batch means and running mean";
  st.x_label = "step";
  plot::Axes a("loss", size, {0, std::max<double>(10, static_cast<double>(n))}, plot::data_range(ys, true), st);
  plot::line(a, xs, ys, plot::series_colour(1, 0.45f), 1.0f);
  plot::line(a, xs, ms, plot::series_colour(0), 2.0f);
  a.legend("loss", plot::series_colour(1));
  a.legend("running mean", plot::series_colour(0));
  app.note_layout("plot:training.loss", a.inner());
}

void TrainingPanel::draw(App& app) {
  Lab& lab = app.lab();
  explain(
      "Denoising score matching (Eq. 16): k ~ Unif{1..T}, x0 ~ data, eps ~ N(0, I), x_t = e^{-t} x0 + sigma_t eps; "
      "minimise lambda(k) ||NN(x_t, t_k) + eps/sigma_t||^2. With uniform lambda this is plain regression on the "
      "WGF velocity - flow matching, the paper's reading; eps-weighting is DDPM's loss, likelihood weighting "
      "Song et al.'s. 'potential' makes NN = grad phi exactly conservative; the regulariser penalises ||J - J^T||^2.");
  ImGui::BeginGroup();
  controls(app);
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  const Mlp& m = lab.model();
  const std::vector<double>& l = lab.losses();
  double recent = 0;
  const size_t r = std::min<size_t>(50, l.size());
  for (size_t i = l.size() - r; i < l.size(); ++i) recent += l[i] / static_cast<double>(r);
  ImGui::Text("steps %zu   loss (last 50) %s   %s steps/s   lr %.3g", l.size(), r ? fmt(recent, "%.4f").c_str() : "-",
              app.state().train.running ? fmt(lab.steps_per_second(), "%.0f").c_str() : "-",
              lab.trainer().current_lr());
  ImGui::TextDisabled("%s, %zu parameters", describe(m.config()).c_str(), m.num_params());
  if (!lab.trainer().penalty_history().empty())
    ImGui::Text("regulariser lambda E||J - J^T||^2 = %.4g", lab.trainer().penalty_history().back());
  loss_plot(app, ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetContentRegionAvail().y));
  ImGui::EndGroup();
}

}  // namespace

std::unique_ptr<Panel> make_training_panel() { return std::make_unique<TrainingPanel>(); }

}  // namespace wgf::ui
