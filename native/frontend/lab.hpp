// The engine side of the lab: the objects an AppState implies (density, schedule, exact score,
// the trained network and its DsmTrainer, the field being diagnosed), rebuilt only when the
// state they depend on changes, plus the clock that measures engine time per frame.
// Nothing here draws; panels read these objects and call the engine through them.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "app_state.hpp"
#include "wgf/density.hpp"
#include "wgf/dsm.hpp"
#include "wgf/mlp.hpp"
#include "wgf/schedule.hpp"
#include "wgf/vector_field.hpp"

namespace wgf::ui {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0);

// Engine milliseconds spent in the current frame (EngineTimer scopes add to it): wall-clock
// time, which the frame budget uses (what the user waits for), and process CPU time (the
// engine's own work, robust to a machine shared with other jobs; what bench_frontend reports).
class EngineClock {
 public:
  void begin_frame();
  void reset() { *this = EngineClock{}; }
  void add(double wall_ms, double cpu_ms) { frame_ms_ += wall_ms, frame_cpu_ms_ += cpu_ms; }
  double frame_ms() const { return frame_ms_; }          // wall, so far in this frame
  double frame_cpu_ms() const { return frame_cpu_ms_; }  // CPU, so far in this frame
  double last_frame_ms() const { return last_ms_; }      // wall, the whole previous frame
  double mean_ms() const { return mean_ms_; }            // exponential mean over frames
  double max_ms() const { return max_ms_; }              // max over the recent frames (decays)

 private:
  double frame_ms_ = 0, frame_cpu_ms_ = 0, last_ms_ = 0, mean_ms_ = 0, max_ms_ = 0;
};

double cpu_ms_now();  // process CPU time in ms (std::clock)

class EngineTimer {
 public:
  explicit EngineTimer(EngineClock& c) : clock_(c), t0_(Clock::now()), cpu0_(cpu_ms_now()) {}
  ~EngineTimer() { clock_.add(ms_since(t0_), cpu_ms_now() - cpu0_); }
  EngineTimer(const EngineTimer&) = delete;
  EngineTimer& operator=(const EngineTimer&) = delete;

 private:
  EngineClock& clock_;
  Clock::time_point t0_;
  double cpu0_;
};

class Lab {
 public:
  // Rebuilds what the state changed. A bad field spec does not throw: the exact field takes its
  // place and field_error() says why (shown in the UI). Density and schedule names are
  // checked by apply_json (app_state.hpp).
  void sync(const AppState& s);

  const Density& density() const { return *density_; }
  std::shared_ptr<const Density> density_ptr() const { return density_; }
  const Schedule& schedule() const { return *schedule_; }
  std::shared_ptr<const Schedule> schedule_ptr() const { return schedule_; }
  std::shared_ptr<const ExactScore> truth() const { return truth_; }
  double time(int k) const { return schedule_->time(k); }

  // The field under study (AppState::field); `learned` is the live network.
  std::shared_ptr<const VectorField> field() const { return field_; }
  const std::string& field_error() const { return field_error_; }
  bool field_is_learned() const { return field_learned_; }
  // A frozen copy of field() (the learned field copies the network), for work spread over
  // frames while training goes on: a sweep, a sampler run.
  std::shared_ptr<const VectorField> field_snapshot() const;
  // Changes whenever the values of field() may have changed (spec, density, schedule, a
  // training step); caches of field maps compare it.
  std::uint64_t field_version() const;
  // Changes with density or schedule (caches of exact maps compare it).
  std::uint64_t world_version() const { return world_version_; }

  // ---- the network and its training ----
  Mlp& model() { return *model_; }
  const Mlp& model() const { return *model_; }
  std::shared_ptr<Mlp> model_ptr() const { return model_; }
  std::shared_ptr<const VectorField> learned() const { return learned_; }
  DsmTrainer& trainer() { return *trainer_; }
  // New network and trainer from s.train and s.seed (the CLI's seeding: model seed, then trainer seed).
  void reset_model(const AppState& s);
  // True when s.train asks for the network and the trainer that exist.
  bool model_matches(const TrainSettings& t) const;
  // Replaces the parameters (a loaded state); throws std::invalid_argument on a size mismatch.
  void set_params(const std::vector<float>& p);
  // DsmTrainer::step() until `budget_ms` of this frame's engine time is used (at least one
  // step when `at_least_one`); returns the steps run. A NaN loss stops training with a message.
  int train(double budget_ms, bool at_least_one = true);
  const std::vector<double>& losses() const { return losses_; }
  void set_losses(std::vector<double> l) { losses_ = std::move(l); }
  double steps_per_second() const { return steps_per_s_; }  // per wall-clock second, while training
  void pause_rate() { rate_steps_ = -1; }                   // training paused: next window starts fresh
  const std::string& train_error() const { return train_error_; }

  EngineClock& clock() { return clock_; }

 private:
  void rebuild_field(const AppState& s);
  std::string density_name_, schedule_name_, field_spec_;
  std::shared_ptr<const Density> density_;
  std::shared_ptr<const Schedule> schedule_;
  std::shared_ptr<const ExactScore> truth_;
  std::shared_ptr<const VectorField> field_;
  std::string field_error_;
  bool field_learned_ = false;
  std::uint64_t world_version_ = 0, spec_version_ = 0, model_version_ = 0;

  std::shared_ptr<Mlp> model_;
  std::shared_ptr<const VectorField> learned_;
  std::unique_ptr<DsmTrainer> trainer_;
  TrainSettings trained_with_;
  std::vector<double> losses_;  // every step's loss since the last reset (also across trainer rebuilds)
  double steps_per_s_ = 0;
  Clock::time_point rate_mark_{};
  long rate_steps_ = -1;  // steps since rate_mark_; -1: no window open
  std::string train_error_;
  EngineClock clock_;
};

}  // namespace wgf::ui
