// The lab's front end: App::frame() is the one function the desktop shell and the web shell
// call per frame (after their backend's NewFrame, before rendering ImGui's draw data). It
// draws the side pane (lesson tour, setup, time, files), the panels as tabs (seven; Images
// too when built with LibTorch) and the status line, and runs the engine work of the frame —
// training inside a frame budget, so the UI never freezes, also in single-threaded
// WebAssembly. No SDL or GL in here.
//
// Sections: [options] [App: frame, lessons, state files, run JSON, readouts, export, layout]
#pragma once
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "app_state.hpp"
#include "lab.hpp"
#include "lesson.hpp"
#include "panel.hpp"
#include "plot.hpp"
#include "run_file.hpp"
#include "sweep.hpp"

namespace wgf::ui {

// ---- [options] ------------------------------------------------------------------------------
struct AppOptions {
  std::string assets_dir;   // holds lessons/; empty: no lessons (defaults only)
  std::string lesson;       // lesson id to start on; empty: the first (the default lesson)
  std::string out_dir = "out";  // default folder for saved states, runs and figures
};

// A request for the shell: write the pixels of `rect` (ImGui display coordinates) to `path`
// as PNG after this frame is rendered (the front end has no access to the framebuffer).
struct ExportRequest {
  std::string path;
  plot::Rect rect;
};

// Sets up fonts and style for a display scale (1 = 96 dpi); call once after creating the
// ImGui context and before the first frame. `font_file` may be empty (ImGui's built-in font).
void setup_style(float scale, const std::string& font_file = "");

// ---- [App] ----------------------------------------------------------------------------------
class App {
 public:
  explicit App(AppOptions options = {});
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // One frame: clamps io.DeltaTime (ImGui asserts on 0), ImGui::NewFrame(), all drawing and
  // engine work, ImGui::Render().
  void frame();

  AppState& state() { return state_; }
  const AppState& state() const { return state_; }
  Lab& lab() { return lab_; }
  Sweep& sweep() { return sweep_; }
  // The panel with this id, or null when this build has none (Images without LibTorch).
  Panel* panel(PanelId id);
  const AppOptions& options() const { return options_; }

  // Lessons.
  const std::vector<Lesson>& lessons() const { return lessons_; }
  const Lesson* lesson() const;  // the current one, or null
  void load_lesson(const std::string& id);  // throws std::invalid_argument for an unknown id
  void go_to_step(int i);

  // The full state (settings + network + loss history) as JSON, and back. load_state throws
  // std::invalid_argument naming the bad key.
  Json save_state() const;
  void load_state(const Json& j);
  void save_state_file(const std::string& path) const;  // atomic; throws std::runtime_error
  void load_state_file(const std::string& path);
  // The lab's run document (schema_version 1, command "lab"; the Compare panel reads it).
  Json run_json() const;

  // A line for the status bar (errors in red), kept a few seconds.
  void notify(const std::string& text, bool error = false);
  const std::string& last_message() const { return message_; }

  // Numbers the panels show, published for tests and the web shell ("training.loss", ...).
  void set_readout(const std::string& key, double v) { readouts_[key] = v; }
  double readout(const std::string& key) const;  // NaN when absent
  bool has_readout(const std::string& key) const { return readouts_.count(key) > 0; }
  const std::map<std::string, double>& readouts() const { return readouts_; }

  // Run documents handed to the Compare panel from outside the UI (the web page's uploads);
  // the panel adds them when it is next drawn.
  void add_compare_run(RunFile r) { pending_runs_.push_back(std::move(r)); }
  std::vector<RunFile> take_compare_runs() { return std::exchange(pending_runs_, {}); }

  // Named actions, the buttons' programmatic twins ("null_kernel.transport", "sweep",
  // "sampling.restart", "compare.add_session", "training.reset"): tests, lessons' scripts and
  // the web shell press them; the panel that owns the button takes them when it draws.
  void trigger(const std::string& action) { actions_.insert(action); }
  bool take(const std::string& action) { return actions_.erase(action) > 0; }
  // An ImGui button or its action.
  bool button(const char* label, const std::string& action, ImVec2 size = ImVec2(0, 0));

  // PNG exports the shell fulfils after rendering.
  void request_export(const std::string& path, plot::Rect rect);
  std::vector<ExportRequest> take_export_requests();
  // Where the last frame drew its regions: "side", "panel", "status", and "plot:NAME", the
  // data box of each plot (inside its axes).
  void note_layout(const std::string& name, const plot::Rect& r) { layout_[name] = r; }
  const std::map<std::string, plot::Rect>& layout() const { return layout_; }

  double frame_ms() const { return frame_ms_; }  // wall time between frames (smoothed)
  int frames() const { return frames_; }

 private:
  void draw_side_pane();
  void draw_status();
  void draw_files();
  void apply_state(const AppState& s);

  AppOptions options_;
  AppState state_;
  Lab lab_;
  Sweep sweep_;
  std::vector<std::unique_ptr<Panel>> panels_;
  PanelId visible_ = PanelId::Forward;
  std::vector<Lesson> lessons_;
  std::string message_;
  bool message_error_ = false;
  Clock::time_point message_time_{};
  std::map<std::string, double> readouts_;
  std::vector<ExportRequest> exports_;
  std::set<std::string> actions_;
  std::vector<RunFile> pending_runs_;
  std::map<std::string, plot::Rect> layout_;
  std::string state_path_, run_path_, png_path_;
  Clock::time_point last_frame_{};
  double frame_ms_ = 0;
  int frames_ = 0;
};

}  // namespace wgf::ui
