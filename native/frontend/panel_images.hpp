// Panel 8 — Images (built only with LibTorch: WGF_LAB_HAVE_TORCH): the paper's diagnostics on an
// image model, the lab's view of `wgflab diagnose`. Pick a `wgflab train` run folder or a
// TorchScript file, run gpu::diagnose_images (loop ratios per path mechanism, Eq. 7; sub-Jacobian
// asymmetry, Eq. 5; the Stein check, Eqs. 20-21; against the empirical training set's exact
// score) on a background thread with progress and Cancel, read the curves vs k, draw a grid of
// samples (gpu::sample_images), and export the same run JSON as the CLI (wgf_runjson), which the
// Compare panel overlays.
//
// Threads: one worker at a time (a diagnosis or a sampling). It owns copies of its options and
// writes only its own result slot; the UI thread takes the slot once the worker has flagged it
// finished (release/acquire), so the panel never reads a result that is being written.
//
// Sections: [settings] [background work] [panel]
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <imgui.h>

#include "app_state.hpp"
#include "panel.hpp"
#include "wgf/gpu/api.hpp"

namespace wgf::ui {

// ---- [settings] -------------------------------------------------------------------------------
// What a user sets in the panel. The defaults finish in seconds on a CPU: a lab view, not the
// paper's statistics (256 samples, 1,000-segment paths, |I| = 64: `wgflab diagnose`).
struct ImagesSettings {
  std::string source = "run";      // run (a `wgflab train` folder) | torchscript
  std::string run_dir = "runs/mnist";
  std::string model;               // TorchScript file: forward(x (B,C,H,W), t (B,)) -> eps or score
  std::string input_shape = "1,28,28";  // C,H,W of the TorchScript model's input
  std::string output = "eps";      // TorchScript: eps | score
  std::string schedule = "cosine"; // TorchScript: the OU time of cosine | linear | ve
  std::string dataset = "mnist";   // TorchScript: the truth's data set (a run folder knows its own)
  std::string data_dir;            // empty: the built-in default of the data set
  int truth_images = 1000;         // training images in the empirical exact score (0: all)
  // The sweep.
  int k_count = 4;                 // k spread over 1..T, unless ks is given
  std::string ks;                  // explicit k values "10,500"
  int samples = 4;                 // forward samples (and paths of each kind) per k
  bool brownian = true, rotation = true, projection = true;
  int bridge_steps = 20, rotation_steps = 20, projection_points = 4, projection_noisings = 3;
  int jacobian = 8;                // |I| of the sub-Jacobian
  int probes = 2;                  // Hutchinson probes of div e
  int fd_samples = 2;              // samples per k of the JVP vs finite-difference check
  std::uint64_t seed = 1;
  bool ema = true;
  std::string device = "auto";
  int threads = 0;                 // CPU threads for LibTorch (0: all cores)
  // The sample grid (run folders only).
  int sample_n = 16, sample_steps = 20;
  std::string sampler = "ode-heun";
};

// The options of gpu::diagnose_images for the settings, and the path keys of the run JSON
// ("brownian", ...). Throws std::invalid_argument naming the setting ("ks: expected integers
// separated by commas, got 'a'").
gpu::DiagnoseOptions diagnose_options(const ImagesSettings& s, std::vector<std::string>* path_keys);
gpu::SampleOptions sample_options(const ImagesSettings& s);  // throws for a TorchScript source

// ---- [background work] --------------------------------------------------------------------------
// What one diagnosis produced, kept with the options that made it (the run JSON needs both).
struct ImageDiagnosis {
  gpu::DiagnoseOptions options;
  std::vector<std::string> path_keys;
  gpu::DiagnoseResult result;
  double seconds = 0;
  bool cancelled = false;  // stopped early: result.rows holds the k done so far
};

// ---- [panel] ------------------------------------------------------------------------------------
class ImagesPanel final : public Panel {
 public:
  ImagesPanel() = default;
  ~ImagesPanel() override;  // cancels a running diagnosis and joins the worker
  PanelId id() const override { return PanelId::Images; }
  const char* title() const override { return "8 Images"; }
  void draw(App& app) override;

  ImagesSettings& settings() { return settings_; }
  std::string& export_path() { return export_path_; }  // "Export JSON" writes here
  // The buttons' twins (also reachable as App actions "images.run", "images.cancel",
  // "images.sample", "images.export", "images.compare"). start_* throw std::invalid_argument
  // for bad settings and std::logic_error while a worker runs.
  void start_diagnosis();
  void start_sampling();
  void cancel() { cancel_ = true; }
  // Takes a finished worker's result (draw() calls it every frame); true when one was taken.
  bool poll();
  bool busy() const { return worker_.joinable(); }
  int progress_done() const { return done_; }
  int progress_total() const { return total_; }

  bool has_diagnosis() const { return has_diagnosis_; }
  const ImageDiagnosis& diagnosis() const { return diagnosis_; }
  const gpu::Images& samples() const { return samples_; }
  const std::string& error() const { return error_; }  // of the last worker ("" when it succeeded)
  // The run document of the last diagnosis, as `wgflab diagnose --out out` writes it.
  Json run_json(const std::string& out) const;
  // Pixels (one filled rectangle each) the last frame drew in the sample grid.
  std::int64_t grid_pixels() const { return grid_pixels_; }

 private:
  template <class Work>
  void launch(Work work, bool diagnosis);
  void source_settings();
  void sweep_settings();
  void curves(App& app, float height);
  void sample_grid(App& app, ImVec2 size);
  void export_json(App& app);

  ImagesSettings settings_;
  std::thread worker_;
  std::atomic<bool> cancel_{false}, finished_{false};
  std::atomic<int> done_{0}, total_{0};
  bool worker_is_diagnosis_ = false;
  // The worker's result slot (written by the worker only, until finished_).
  ImageDiagnosis pending_diagnosis_;
  gpu::Images pending_samples_;
  std::string pending_error_;
  // What the panel shows.
  bool has_diagnosis_ = false;
  ImageDiagnosis diagnosis_;
  gpu::Images samples_;
  std::string error_;
  std::string export_path_;
  std::int64_t grid_pixels_ = 0;
};

}  // namespace wgf::ui
