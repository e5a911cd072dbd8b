// The lab's state: one plain struct, everything a lesson, a saved state or a URL can set.
// Engine objects are derived from it (lab.hpp); per-panel caches are not part of it.
//
// JSON: to_json writes every field; apply_json(s, j) sets only the keys j holds (lesson files
// and tour steps are partial states) and throws std::invalid_argument naming the key path of
// anything unknown or out of range ("state.train.width: must be in 4..512, got 0").
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wgf::ui {

using Json = nlohmann::ordered_json;

// The panels, in tab order; ids are the JSON names. Images exists only in builds with LibTorch
// (WGF_LAB_HAVE_TORCH); elsewhere selecting it leaves the current tab shown.
enum class PanelId { Forward, Velocity, Training, Sampling, Violations, NullKernel, Compare, Images };
constexpr int kPanelCount = 8;
const char* panel_name(PanelId p);  // "forward" ... "compare", "images"
PanelId parse_panel(const std::string& s);

struct TrainSettings {
  // The network (a change means a new network).
  int width = 64;
  int depth = 3;
  std::string param = "score";       // score | eps | potential
  std::string activation = "silu";
  int time_features = 16;
  // The optimisation (a change means a new DsmTrainer over the same network).
  std::string weighting = "uniform";  // uniform | eps | likelihood (paper: uniform = flow matching)
  int batch = 256;
  double jac_reg = 0.0;               // lambda of lambda E||J - J^T||_F^2
  double lr = 2e-3;                   // applied live
  bool running = false;
  double budget_ms = 6.0;             // engine time per frame for training steps
};

struct ForwardSettings {
  int particles = 2000;
  bool playing = false;
  double speed = 120;          // k per second while playing
  bool show_velocity = false;  // arrows of v = -x - grad log p_t
};

struct SampleSettings {
  int particles = 2000;
  int steps = 100;              // N, on the k grid
  std::string ode = "ode-heun"; // the probability-flow integrator shown next to the SDE
  int steps_per_frame = 1;
  bool running = false;
};

// A closed loop on the Violations plot: a circle or a drawn polygon (data coordinates).
struct LoopSpec {
  bool circle = true;
  std::array<double, 2> centre{0, 0};
  double radius = 1.0;
  std::vector<std::array<double, 2>> vertices;  // polygon (>= 3), visited in order
};

struct ViolationSettings {
  std::vector<LoopSpec> loops;
  std::string tool = "move";          // move | circle | draw
  std::string path_kind = "rotation"; // brownian | rotation | projection
  double brownian_scale = 0.3;
};

struct NullKernelSettings {
  double rot_a = 1.0;                 // exact+rot:A
  std::array<double, 2> shift{0.5, 0.0};  // exact+const:CX,CY
  bool show_split = false;            // Helmholtz split arrows
};

struct AppState {
  std::string lesson;          // id of the lesson loaded (file stem)
  int tour_step = 0;
  PanelId panel = PanelId::Forward;
  std::string density = "gmm8";
  std::string schedule = "cosine";
  int k = 100;                 // time index on the schedule's grid (t = t_k)
  std::string field = "learned";  // learned | exact | exact+rot:A | exact+const:CX,CY | linear:... | mlp:FILE
  double view = 4.0;           // plots show [-view, view]^2
  int grid = 64;               // nodes per side of the field maps
  std::uint64_t seed = 1;
  int sweep_k = 16;            // time indices of the diagnostics sweep vs k
  TrainSettings train;
  ForwardSettings forward;
  SampleSettings sample;
  ViolationSettings violations;
  NullKernelSettings null_kernel;
};

Json to_json(const AppState& s);
// Sets the keys present in j (an object); `where` prefixes error messages.
void apply_json(AppState& s, const Json& j, const std::string& where = "state");

}  // namespace wgf::ui
