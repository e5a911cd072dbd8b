#include "wgf/sampler_run.hpp"

#include <cmath>

#include "wgf/ou.hpp"

namespace wgf {

SamplerRun::SamplerRun(std::shared_ptr<const VectorField> field, std::shared_ptr<const Schedule> schedule,
                       SamplerConfig cfg, Points x, Rng rng)
    : field_(std::move(field)), schedule_(std::move(schedule)), cfg_(cfg), times_(sampler_times(*schedule_, cfg_)),
      x_(std::move(x)), z_(x_.rows(), x_.cols()), rng_(rng) {}

// The body of integrate()'s loop for step i = step_ + 1 (sampler.cpp); keep the two in step.
bool SamplerRun::step() {
  if (done()) return false;
  const Schedule& s = *schedule_;
  auto vel = [&](const Points& y, double t) { return pf_ode_velocity(*field_, s, y, t); };
  const double t0 = times_[static_cast<size_t>(step_)], t1 = times_[static_cast<size_t>(step_) + 1];
  const double h = t1 - t0;  // negative: backward in time
  const bool last = step_ + 1 == cfg_.steps;
  switch (cfg_.kind) {
    case SamplerKind::OdeEuler: x_ += h * vel(x_, t0); break;
    case SamplerKind::OdeHeun: {
      const Points k1 = vel(x_, t0);
      const Points k2 = vel(x_ + h * k1, t1);
      x_ += 0.5 * h * (k1 + k2);
      break;
    }
    case SamplerKind::OdeRk4: {
      const double tm = t0 + 0.5 * h;
      const Points k1 = vel(x_, t0);
      const Points k2 = vel(x_ + 0.5 * h * k1, tm);
      const Points k3 = vel(x_ + 0.5 * h * k2, tm);
      const Points k4 = vel(x_ + h * k3, t1);
      x_ += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
      break;
    }
    case SamplerKind::Sde: {
      const double g2 = s.diffusion_sq(t0);
      x_ += h * (s.drift_coef(t0) * x_ - g2 * field_->eval(x_, t0));
      if (!last) {
        sample_normal(rng_, z_);
        x_ += std::sqrt(g2 * -h) * z_;
      }
      break;
    }
    case SamplerKind::Ddpm: {
      const double a = s.mean_coef(t0) / s.mean_coef(t1);
      const double b2 = std::max(0.0, std::pow(s.sigma(t0), 2) - a * a * std::pow(s.sigma(t1), 2));
      x_ = (x_ + b2 * field_->eval(x_, t0)) / a;
      if (!last) {
        sample_normal(rng_, z_);
        x_ += std::sqrt(b2) * z_;
      }
      break;
    }
  }
  ++step_;
  return true;
}

}  // namespace wgf
