// integrate() (sampler.hpp) one step at a time, for a UI that animates the particles inside a
// frame budget (the single-threaded web build cannot block a frame on a whole run).
// Same grid, same update rules and the same RNG order as integrate(): after N steps the
// particles equal integrate()'s to rounding (tests/engine/test_sampler_run.cpp).
#pragma once
#include <memory>
#include <vector>

#include "wgf/rng.hpp"
#include "wgf/sampler.hpp"

namespace wgf {

class SamplerRun {
 public:
  // Starts at t = sampler_times(schedule, cfg).front() from particles x (D, n).
  SamplerRun(std::shared_ptr<const VectorField> field, std::shared_ptr<const Schedule> schedule, SamplerConfig cfg,
             Points x, Rng rng);

  // One step t_i -> t_{i+1}; returns false (and does nothing) once all N steps are done.
  bool step();
  bool done() const { return step_ == cfg_.steps; }
  int steps_done() const { return step_; }
  int steps_total() const { return cfg_.steps; }
  double time() const { return times_[static_cast<size_t>(step_)]; }  // current t
  const std::vector<double>& times() const { return times_; }
  const Points& x() const { return x_; }  // (D, n)
  const SamplerConfig& config() const { return cfg_; }

 private:
  std::shared_ptr<const VectorField> field_;
  std::shared_ptr<const Schedule> schedule_;
  SamplerConfig cfg_;
  std::vector<double> times_;
  Points x_;
  Rng rng_;
  int step_ = 0;
};

}  // namespace wgf
