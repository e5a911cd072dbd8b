#include "app.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "ui_util.hpp"
#include "wgf/binary_io.hpp"

#ifndef WGFLAB_VERSION
#define WGFLAB_VERSION "0.0.0"
#endif

namespace wgf::ui {
namespace fs = std::filesystem;

namespace {

constexpr int kStateFormat = 1;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
  const fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  write_file_atomic(path, text);
}

// NaN/Inf are not JSON numbers: write null.
Json number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

double mean_tail(const std::vector<double>& v, size_t n) {
  if (v.empty()) return NAN;
  const size_t a = v.size() - std::min(n, v.size());
  double s = 0;
  for (size_t i = a; i < v.size(); ++i) s += v[i];
  return s / static_cast<double>(v.size() - a);
}

// Field presets of the side pane: the learned network, the exact score and the two test
// fields of the Stein lesson (their parameters live in AppState::null_kernel).
const std::vector<std::string> kFieldChoices = {"learned", "exact", "exact+rot", "exact+const", "custom"};

std::string field_choice(const std::string& spec) {
  for (const std::string& c : kFieldChoices)
    if (spec == c || spec.rfind(c + ":", 0) == 0) return c;
  return "custom";
}

}  // namespace

void setup_style(float scale, const std::string& font_file) {
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // the lab's state is its JSON, not imgui.ini
  ImGui::StyleColorsDark();
  ImGuiStyle& st = ImGui::GetStyle();
  st.WindowRounding = 0;
  st.FrameRounding = 3;
  st.GrabRounding = 3;
  st.ItemSpacing = ImVec2(8, 5);
  st.ScaleAllSizes(scale);
  io.Fonts->Clear();
  std::error_code ec;
  if (!font_file.empty() && fs::exists(font_file, ec) && io.Fonts->AddFontFromFileTTF(font_file.c_str(), 15.0f * scale)) {
    return;
  }
  ImFontConfig cfg;
  cfg.SizePixels = std::round(13.0f * scale);
  io.Fonts->AddFontDefault(&cfg);
}

App::App(AppOptions options) : options_(std::move(options)) {
  panels_.push_back(make_forward_panel());
  panels_.push_back(make_velocity_panel());
  panels_.push_back(make_training_panel());
  panels_.push_back(make_sampling_panel());
  panels_.push_back(make_violations_panel());
  panels_.push_back(make_null_kernel_panel());
  panels_.push_back(make_compare_panel());
#ifdef WGF_LAB_HAVE_TORCH
  panels_.push_back(make_images_panel());
#endif
  state_path_ = options_.out_dir + "/lab-state.json";
  run_path_ = options_.out_dir + "/lab-run.json";
  png_path_ = options_.out_dir + "/lab-figure.png";
  std::vector<std::string> errors;
  if (!options_.assets_dir.empty()) lessons_ = read_lessons(options_.assets_dir + "/lessons", &errors);
  for (const std::string& e : errors) notify(e, true);
  if (!lessons_.empty()) {
    try {
      load_lesson(options_.lesson.empty() ? lessons_.front().id : options_.lesson);
    } catch (const std::exception& e) {
      notify(e.what(), true);
      load_lesson(lessons_.front().id);
    }
  }
  lab_.sync(state_);
}

App::~App() = default;

Panel* App::panel(PanelId id) {
  for (auto& p : panels_)
    if (p->id() == id) return p.get();
  return nullptr;
}

// ---- lessons ------------------------------------------------------------------------------
const Lesson* App::lesson() const {
  for (const Lesson& l : lessons_)
    if (l.id == state_.lesson) return &l;
  return nullptr;
}

void App::load_lesson(const std::string& id) {
  for (const Lesson& l : lessons_)
    if (l.id == id) {
      apply_state(lesson_state(l));
      return;
    }
  std::string known;
  for (const Lesson& l : lessons_) known += (known.empty() ? "" : ", ") + l.id;
  throw std::invalid_argument("unknown lesson '" + id + "' (lessons: " + (known.empty() ? "none" : known) + ")");
}

void App::go_to_step(int i) {
  const Lesson* l = lesson();
  if (!l) return;
  AppState s = state_;
  enter_step(s, *l, i);
  apply_state(s);
}

// Takes a new state; a different network shape or training setup means a new network.
void App::apply_state(const AppState& s) {
  const bool retrain = !lab_.model_matches(s.train) || s.density != state_.density || s.schedule != state_.schedule ||
                       s.seed != state_.seed;
  state_ = s;
  lab_.sync(state_);
  if (retrain) lab_.reset_model(state_);
}

// ---- state files ------------------------------------------------------------------------------
Json App::save_state() const {
  Json model = Json::object();
  const Mlp& m = lab_.model();
  model["config"] = describe(m.config());
  model["params"] = m.params();
  Json losses = Json::array();
  for (double v : lab_.losses()) losses.push_back(number(v));
  return Json{{"wgflab_lab_state", kStateFormat}, {"wgflab_version", WGFLAB_VERSION}, {"state", to_json(state_)},
              {"model", model},   {"loss_history", losses}};
}

void App::load_state(const Json& j) {
  if (!j.is_object() || !j.contains("wgflab_lab_state") || !j["wgflab_lab_state"].is_number_integer())
    throw std::invalid_argument("not a lab state file (no wgflab_lab_state)");
  if (j["wgflab_lab_state"].get<int>() != kStateFormat)
    throw std::invalid_argument("lab state format " + j["wgflab_lab_state"].dump() + ", expected " +
                                std::to_string(kStateFormat));
  AppState s;
  if (j.contains("state")) apply_json(s, j["state"], "state");
  std::vector<float> params;
  if (j.contains("model")) {
    const Json& m = j["model"];
    if (!m.contains("params") || !m["params"].is_array()) throw std::invalid_argument("model.params: expected an array");
    for (const Json& v : m["params"]) {
      if (!v.is_number()) throw std::invalid_argument("model.params: expected numbers");
      params.push_back(v.get<float>());
    }
  }
  std::vector<double> losses;
  if (j.contains("loss_history") && j["loss_history"].is_array())
    for (const Json& v : j["loss_history"]) losses.push_back(v.is_number() ? v.get<double>() : NAN);
  state_ = s;
  lab_.sync(state_);
  lab_.reset_model(state_);
  if (!params.empty()) lab_.set_params(params);
  lab_.set_losses(std::move(losses));
}

void App::save_state_file(const std::string& path) const { write_text(path, save_state().dump(1) + "\n"); }

void App::load_state_file(const std::string& path) {
  Json j;
  try {
    j = Json::parse(read_text(path));
  } catch (const Json::parse_error& e) {
    throw std::runtime_error(path + ": not valid JSON: " + e.what());
  }
  try {
    load_state(j);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

Json App::run_json() const {
  const std::vector<double>& losses = lab_.losses();
  // At most 2,000 loss entries: block means of `stride` steps (the CLI's convention).
  const size_t stride = std::max<size_t>(1, (losses.size() + 1999) / 2000);
  Json hist = Json::array();
  for (size_t i = 0; i < losses.size(); i += stride) {
    double s = 0;
    const size_t e = std::min(losses.size(), i + stride);
    for (size_t q = i; q < e; ++q) s += losses[q];
    hist.push_back(number(s / static_cast<double>(e - i)));
  }
  Json metrics = Json::object();
  metrics["steps"] = losses.size();
  metrics["final_loss"] = number(mean_tail(losses, 100));
  for (const auto& [k, v] : readouts_)
    if (k.rfind("sampling.", 0) == 0 || k.rfind("null_kernel.", 0) == 0) metrics[k] = number(v);
  Json series = Json::object();
  if (!sweep_.empty()) {
    auto arr = [](const std::vector<double>& v) {
      Json a = Json::array();
      for (double x : v) a.push_back(number(x));
      return a;
    };
    series["k"] = arr(sweep_.ks());
    series["eq7_ratio_brownian"] = arr(sweep_.loop_ratio(PathKind::Brownian));
    series["eq7_ratio_rotation"] = arr(sweep_.loop_ratio(PathKind::Rotation));
    series["eq7_ratio_projection"] = arr(sweep_.loop_ratio(PathKind::Projection));
    series["jac_asym_rel"] = arr(sweep_.column(&SweepRow::jac_asym_rel));
    series["curl_rms"] = arr(sweep_.column(&SweepRow::curl_rms));
    series["error_l2"] = arr(sweep_.column(&SweepRow::error_l2));
    series["stein_mean"] = arr(sweep_.column(&SweepRow::stein_mean));
    series["stein_rms"] = arr(sweep_.column(&SweepRow::stein_rms));
    series["stein_cancellation"] = arr(sweep_.column(&SweepRow::stein_cancellation));
  }
  return Json{{"wgflab_version", WGFLAB_VERSION},
              {"schema_version", 1},
              {"command", "lab"},
              {"seed", state_.seed},
              {"config", to_json(state_)},
              {"outputs", Json::object()},
              {"metrics", metrics},
              {"loss_history", hist},
              {"loss_history_stride", stride},
              {"series", series}};
}

// ---- messages, readouts, exports ------------------------------------------------------------------
void App::notify(const std::string& text, bool error) {
  message_ = text;
  message_error_ = error;
  message_time_ = Clock::now();
}

double App::readout(const std::string& key) const {
  auto it = readouts_.find(key);
  return it == readouts_.end() ? NAN : it->second;
}

bool App::button(const char* label, const std::string& action, ImVec2 size) {
  const bool pressed = ImGui::Button(label, size);
  return take(action) || pressed;
}

void App::request_export(const std::string& path, plot::Rect rect) { exports_.push_back({path, rect}); }

std::vector<ExportRequest> App::take_export_requests() { return std::exchange(exports_, {}); }

// ---- the frame ----------------------------------------------------------------------------------
void App::frame() {
  ImGuiIO& io = ImGui::GetIO();
  // ImGui asserts on DeltaTime <= 0 (two frames with one timestamp, e.g. headless).
  if (!(io.DeltaTime > 0)) io.DeltaTime = 1e-4f;
  const Clock::time_point now = Clock::now();
  if (frames_ > 0) {
    const double ms = std::chrono::duration<double, std::milli>(now - last_frame_).count();
    frame_ms_ = frame_ms_ == 0 ? ms : 0.9 * frame_ms_ + 0.1 * ms;
  }
  last_frame_ = now;
  ++frames_;

  ImGui::NewFrame();
  lab_.clock().begin_frame();
  lab_.sync(state_);

  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(io.DisplaySize);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(6, 6));
  ImGui::Begin("WGF Lab", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus);
  ImGui::PopStyleVar();
  const float em = ImGui::GetFontSize();
  const float status_h = ImGui::GetFrameHeightWithSpacing();
  const float side_w = std::min(26.0f * em, 0.32f * io.DisplaySize.x);

  ImGui::BeginChild("side", ImVec2(side_w, -status_h), true);
  note_layout("side", {ImGui::GetWindowPos(), ImVec2(ImGui::GetWindowPos().x + ImGui::GetWindowSize().x,
                                                      ImGui::GetWindowPos().y + ImGui::GetWindowSize().y)});
  draw_side_pane();
  ImGui::EndChild();
  ImGui::SameLine();

  ImGui::BeginChild("main", ImVec2(0, -status_h), false);
  const ImVec2 mp = ImGui::GetWindowPos(), ms = ImGui::GetWindowSize();
  note_layout("panel", {mp, ImVec2(mp.x + ms.x, mp.y + ms.y)});
  if (!panel(state_.panel)) state_.panel = visible_;  // a panel this build lacks (a lesson, a URL)
  if (ImGui::BeginTabBar("panels")) {
    const bool forcing = state_.panel != visible_;
    for (auto& p : panels_) {
      const ImGuiTabItemFlags f = forcing && p->id() == state_.panel ? ImGuiTabItemFlags_SetSelected : 0;
      if (ImGui::BeginTabItem(p->title(), nullptr, f)) {
        visible_ = p->id();
        if (!forcing) state_.panel = p->id();
        ImGui::PushID(panel_name(p->id()));
        p->draw(*this);
        ImGui::PopID();
        ImGui::EndTabItem();
      }
    }
    ImGui::EndTabBar();
  }
  ImGui::EndChild();

  // Background engine work inside the frame budget: a running sweep, then training.
  if (sweep_.running()) sweep_.step(lab_, state_.train.budget_ms);
  if (state_.train.running) {
    lab_.train(state_.train.budget_ms);
    if (!lab_.train_error().empty()) {
      state_.train.running = false;
      notify(lab_.train_error(), true);
    }
  } else {
    lab_.pause_rate();
  }
  set_readout("training.steps", static_cast<double>(lab_.losses().size()));
  set_readout("training.loss", mean_tail(lab_.losses(), 50));
  set_readout("engine.ms", lab_.clock().frame_ms());
  set_readout("frame.ms", frame_ms_);

  draw_status();
  ImGui::End();
  ImGui::Render();
}

void App::draw_side_pane() {
  ImGui::TextColored(ImVec4(1.0f, 0.78f, 0.35f, 1.0f), "WGF Lab");
  ImGui::SameLine();
  ImGui::TextDisabled("diffusion as Wasserstein gradient flow");
  // ---- lesson and tour ----
  const Lesson* l = lesson();
  if (!lessons_.empty()) {
    std::string id = state_.lesson;
    std::vector<std::string> ids;
    for (const Lesson& x : lessons_) ids.push_back(x.id);
    ImGui::SetNextItemWidth(-1);
    if (combo("##lesson", id, ids)) {
      load_lesson(id);
      l = lesson();
    }
  }
  if (l) {
    const int n = static_cast<int>(l->tour.size()), i = std::clamp(state_.tour_step, 0, n - 1);
    const TourStep& step = l->tour[static_cast<size_t>(i)];
    ImGui::TextWrapped("%s", l->title.c_str());
    ImGui::BeginChild("tour", ImVec2(0, 14 * ImGui::GetFontSize()), true);
    ImGui::TextColored(ImVec4(0.55f, 0.8f, 1.0f, 1.0f), "Step %d/%d: %s", i + 1, n, step.title.c_str());
    ImGui::Separator();
    explain(step.text.c_str());
    ImGui::EndChild();
    ImGui::BeginDisabled(i == 0);
    if (ImGui::Button("< Prev")) go_to_step(i - 1);
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::BeginDisabled(i + 1 >= n);
    if (ImGui::Button("Next >")) go_to_step(i + 1);
    ImGui::EndDisabled();
    ImGui::SameLine();
    if (ImGui::Button("Restart lesson")) load_lesson(l->id);
  } else {
    explain("No lesson loaded (run from the repository, or pass --assets DIR).");
  }

  // ---- setup ----
  section("Setup");
  const float w = ImGui::GetContentRegionAvail().x * 0.62f;
  ImGui::PushItemWidth(w);
  AppState next = state_;
  bool changed = combo("density", next.density, density_names());
  changed |= combo("schedule", next.schedule, {"cosine", "linear", "ve"});
  std::string choice = field_choice(state_.field);
  if (combo("field", choice, kFieldChoices)) {
    if (choice == "exact+rot") state_.field = "exact+rot:" + fmt(state_.null_kernel.rot_a, "%g");
    else if (choice == "exact+const")
      state_.field = "exact+const:" + fmt(state_.null_kernel.shift[0], "%g") + "," + fmt(state_.null_kernel.shift[1], "%g");
    else if (choice != "custom") state_.field = choice;
  }
  if (choice == "custom" || field_choice(state_.field) == "custom") {
    ImGui::InputText("spec", &state_.field, ImGuiInputTextFlags_EnterReturnsTrue);
  }
  if (!lab_.field_error().empty()) ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", lab_.field_error().c_str());
  slider_double("view", state_.view, 1.0, 12.0, "+-%.1f");
  if (changed) apply_state(next);

  // ---- time ----
  section("Time (forward process)");
  const int T = lab_.schedule().T();
  state_.k = std::clamp(state_.k, 1, T);
  ImGui::SliderInt("k", &state_.k, 1, T);
  double t = lab_.time(state_.k);
  if (slider_log("t", t, lab_.time(1), lab_.schedule().t_max(), "%.4f"))
    state_.k = std::clamp(static_cast<int>(std::lround(lab_.schedule().index(t))), 1, T);
  ImGui::PopItemWidth();
  ImGui::Text("t_k = %.4f   sigma_t = %.4f   m(t) = %.4f", lab_.time(state_.k),
              lab_.schedule().sigma(lab_.time(state_.k)), lab_.schedule().mean_coef(lab_.time(state_.k)));

  // ---- training at a glance ----
  section("Training");
  ImGui::Checkbox("train live", &state_.train.running);
  ImGui::SameLine();
  ImGui::Text("%zu steps  loss %s", lab_.losses().size(), fmt(mean_tail(lab_.losses(), 50)).c_str());
  draw_files();
}

void App::draw_files() {
  if (!ImGui::CollapsingHeader("Files: state, run JSON, PNG")) return;
  ImGui::PushItemWidth(-5 * ImGui::GetFontSize());
  ImGui::InputText("##state", &state_path_);
  ImGui::SameLine();
  if (ImGui::Button("Save##state")) {
    try {
      save_state_file(state_path_);
      notify("state saved to " + state_path_);
    } catch (const std::exception& e) {
      notify(e.what(), true);
    }
  }
  ImGui::SameLine();
  if (ImGui::Button("Load##state")) {
    try {
      load_state_file(state_path_);
      notify("state loaded from " + state_path_);
    } catch (const std::exception& e) {
      notify(e.what(), true);
    }
  }
  ImGui::InputText("##run", &run_path_);
  ImGui::SameLine();
  if (ImGui::Button("Save run JSON")) {
    try {
      write_text(run_path_, run_json().dump(1) + "\n");
      notify("run written to " + run_path_ + " (open it in Compare)");
    } catch (const std::exception& e) {
      notify(e.what(), true);
    }
  }
  ImGui::InputText("##png", &png_path_);
  ImGui::SameLine();
  if (ImGui::Button("Export PNG")) {
    auto it = layout_.find("panel");
    if (it != layout_.end()) {
      request_export(png_path_, it->second);
      notify("figure exported to " + png_path_);
    }
  }
  ImGui::PopItemWidth();
}

void App::draw_status() {
  const EngineClock& c = lab_.clock();
  const ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::Text("frame %5.1f ms | engine %4.1f ms/frame (mean %4.1f, max %4.1f) | %s steps/s |", frame_ms_,
              c.last_frame_ms(), c.mean_ms(), c.max_ms(),
              state_.train.running ? fmt(lab_.steps_per_second(), "%.0f").c_str() : "-");
  if (!message_.empty() && std::chrono::duration<double>(Clock::now() - message_time_).count() < 10) {
    ImGui::SameLine();
    if (message_error_) ImGui::TextColored(ImVec4(1, 0.45f, 0.45f, 1), "%s", message_.c_str());
    else ImGui::TextColored(ImVec4(0.6f, 0.9f, 0.6f, 1), "%s", message_.c_str());
  }
  note_layout("status", {p, ImVec2(p.x + ImGui::GetContentRegionAvail().x, p.y + ImGui::GetFontSize())});
}

}  // namespace wgf::ui
