// The sampler's update rules (sampler.hpp) written once for any array type X with value
// semantics and the arithmetic x + y, a * x, x / a, x += y: Eigen's Points in the engine,
// torch::Tensor in gpu/ (the image sampler). The math lives only here.
//   score(x, t) -> X      the learned (or exact) score s(x, t)
//   noise(x) -> X         a standard normal array shaped like x (called only when noise is added)
#pragma once
#include <algorithm>
#include <cmath>

#include "wgf/sampler.hpp"
#include "wgf/schedule.hpp"

namespace wgf::rules {

// Probability-flow velocity f(t) x - g^2(t)/2 s(x, t) (VP: -x - s; paper Eq. 13).
template <class X, class Score>
X pf_velocity(const Schedule& schedule, const Score& score, const X& x, double t) {
  return schedule.drift_coef(t) * x - (0.5 * schedule.diffusion_sq(t)) * score(x, t);
}

// One step t0 -> t1 (t1 < t0) of the chosen rule, in place on x. add_noise is false on the
// stochastic samplers' final sub-step (they return the mean there, as DDPM does).
template <class X, class Score, class Noise>
void single_step(const Schedule& schedule, SamplerKind kind, const Score& score, const Noise& noise, X& x, double t0,
                 double t1, bool add_noise) {
  auto vel = [&](const X& y, double t) { return pf_velocity<X>(schedule, score, y, t); };
  const double h = t1 - t0;  // negative: integrating backward in time
  switch (kind) {
    case SamplerKind::OdeEuler: x += h * vel(x, t0); break;
    case SamplerKind::OdeHeun: {
      const X k1 = vel(x, t0);
      const X k2 = vel(x + h * k1, t1);
      x += (0.5 * h) * (k1 + k2);
      break;
    }
    case SamplerKind::OdeRk4: {
      const double tm = t0 + 0.5 * h;
      const X k1 = vel(x, t0);
      const X k2 = vel(x + (0.5 * h) * k1, tm);
      const X k3 = vel(x + (0.5 * h) * k2, tm);
      const X k4 = vel(x + h * k3, t1);
      x += (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
      break;
    }
    case SamplerKind::Sde: {
      // Reverse-time drift f x - g^2 s (paper Eq. 3), stepping dt = h < 0; noise sqrt(g^2 |h|) z.
      const double g2 = schedule.diffusion_sq(t0);
      const X drift = schedule.drift_coef(t0) * x - g2 * score(x, t0);
      x += h * drift;
      if (add_noise) x += std::sqrt(g2 * -h) * noise(x);
      break;
    }
    case SamplerKind::Ddpm: {
      // x_{k'} = (x_k + b^2 s(x_k, t_k)) / a + b z, a = m(t_k)/m(t_k'), b^2 = sigma_k^2 - a^2 sigma_k'^2.
      const double a = schedule.mean_coef(t0) / schedule.mean_coef(t1);
      const double b2 = std::max(0.0, std::pow(schedule.sigma(t0), 2) - a * a * std::pow(schedule.sigma(t1), 2));
      const X next = (x + b2 * score(x, t0)) / a;
      x = next;
      if (add_noise) x += std::sqrt(b2) * noise(x);
      break;
    }
  }
}

// One grid interval t0 -> t1 with its sub-steps (sampler_substeps); `last` marks the final interval.
template <class X, class Score, class Noise>
void grid_step(const Schedule& schedule, const SamplerConfig& cfg, const Score& score, const Noise& noise, X& x,
               double t0, double t1, bool last) {
  const int n = sampler_substeps(cfg, t0, t1);
  for (int j = 0; j < n; ++j) {
    const double ta = t0 + (t1 - t0) * j / n, tb = j + 1 == n ? t1 : t0 + (t1 - t0) * (j + 1) / n;
    single_step<X>(schedule, cfg.kind, score, noise, x, ta, tb, !(last && j + 1 == n));
  }
}

}  // namespace wgf::rules
