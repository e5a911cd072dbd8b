#include "wgf/sampler_run.hpp"

#include <cmath>

#include "wgf/ou.hpp"

namespace wgf {

SamplerRun::SamplerRun(std::shared_ptr<const VectorField> field, std::shared_ptr<const Schedule> schedule,
                       SamplerConfig cfg, Points x, Rng rng)
    : field_(std::move(field)), schedule_(std::move(schedule)), cfg_(cfg), times_(sampler_times(*schedule_, cfg_)),
      x_(std::move(x)), rng_(rng) {}

bool SamplerRun::step() {
  if (done()) return false;
  const size_t i = static_cast<size_t>(step_);
  sampler_step(*field_, *schedule_, cfg_, x_, times_[i], times_[i + 1], step_ + 1 == cfg_.steps, rng_);
  ++step_;
  return true;
}

}  // namespace wgf
