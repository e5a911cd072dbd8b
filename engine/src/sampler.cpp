#include "wgf/sampler.hpp"

#include <cmath>
#include <stdexcept>

#include "wgf/ou.hpp"
#include "wgf/sampler_rules.hpp"

namespace wgf {

SamplerKind parse_sampler(const std::string& s) {
  if (s == "ode-euler") return SamplerKind::OdeEuler;
  if (s == "ode-heun") return SamplerKind::OdeHeun;
  if (s == "ode-rk4") return SamplerKind::OdeRk4;
  if (s == "sde") return SamplerKind::Sde;
  if (s == "ddpm") return SamplerKind::Ddpm;
  throw std::invalid_argument("unknown sampler '" + s + "': expected ode-euler, ode-heun, ode-rk4, sde or ddpm");
}

std::string to_string(SamplerKind k) {
  switch (k) {
    case SamplerKind::OdeEuler: return "ode-euler";
    case SamplerKind::OdeHeun: return "ode-heun";
    case SamplerKind::OdeRk4: return "ode-rk4";
    case SamplerKind::Sde: return "sde";
    case SamplerKind::Ddpm: return "ddpm";
  }
  return "?";
}

void SamplerConfig::validate(const Schedule& s) const {
  if (steps < 1) throw std::invalid_argument("sampler steps must be >= 1, got " + std::to_string(steps));
  if (grid == TimeGrid::K) {
    if (k_end < 0 || k_end >= s.T())
      throw std::invalid_argument("sampler k_end must be in 0.." + std::to_string(s.T() - 1));
    if (steps > s.T() - k_end)
      throw std::invalid_argument("sampler on the k grid takes at most " + std::to_string(s.T() - k_end) + " steps");
  } else {
    if (kind == SamplerKind::Ddpm) throw std::invalid_argument("the ddpm sampler runs on the k grid only");
    if (!(t_end >= 0 && t_end < s.t_max())) throw std::invalid_argument("sampler t_end must be in [0, t_max)");
  }
  if (std::isnan(max_dt)) throw std::invalid_argument("sampler max_dt must be a number");
}

std::vector<double> sampler_times(const Schedule& schedule, const SamplerConfig& cfg) {
  cfg.validate(schedule);
  std::vector<double> ts(static_cast<size_t>(cfg.steps) + 1);
  const int T = schedule.T();
  for (int i = 0; i <= cfg.steps; ++i) {
    if (cfg.grid == TimeGrid::K) {
      // Evenly spaced in k, rounded to integers (distinct because steps <= T - k_end).
      const double k = T - static_cast<double>(i) * (T - cfg.k_end) / cfg.steps;
      ts[static_cast<size_t>(i)] = schedule.time(static_cast<int>(std::lround(k)));
    } else {
      ts[static_cast<size_t>(i)] = schedule.t_max() - static_cast<double>(i) * (schedule.t_max() - cfg.t_end) / cfg.steps;
    }
  }
  return ts;
}

Points pf_ode_velocity(const VectorField& field, const Schedule& schedule, const Points& x, double t) {
  return rules::pf_velocity<Points>(schedule, [&](const Points& y, double s) { return field.eval(y, s); }, x, t);
}

Points sample(const VectorField& field, const Schedule& schedule, const SamplerConfig& cfg, int n, Rng& rng,
              const SamplerObserver& observe) {
  if (n < 1) throw std::invalid_argument("sample count must be >= 1, got " + std::to_string(n));
  Points x(field.dim(), n);
  sample_normal(rng, x);
  x *= schedule.sigma(schedule.t_max());
  return integrate(field, schedule, cfg, std::move(x), rng, observe);
}

int sampler_substeps(const SamplerConfig& cfg, double t0, double t1) {
  const double dt = std::abs(t1 - t0);
  if (!(cfg.max_dt > 0) || dt <= cfg.max_dt) return 1;
  return static_cast<int>(std::ceil(dt / cfg.max_dt));
}

std::vector<double> sampler_substep_times(const Schedule& schedule, const SamplerConfig& cfg) {
  const std::vector<double> ts = sampler_times(schedule, cfg);
  std::vector<double> out{ts.front()};
  for (size_t i = 1; i < ts.size(); ++i) {
    const int n = sampler_substeps(cfg, ts[i - 1], ts[i]);
    for (int j = 1; j <= n; ++j) out.push_back(j == n ? ts[i] : ts[i - 1] + (ts[i] - ts[i - 1]) * j / n);
  }
  return out;
}


void sampler_step(const VectorField& field, const Schedule& schedule, const SamplerConfig& cfg, Points& x, double t0,
                  double t1, bool last, Rng& rng) {
  auto score = [&](const Points& y, double t) { return field.eval(y, t); };
  auto noise = [&](const Points& y) {
    Points z(y.rows(), y.cols());
    sample_normal(rng, z);
    return z;
  };
  rules::grid_step<Points>(schedule, cfg, score, noise, x, t0, t1, last);
}

Points integrate(const VectorField& field, const Schedule& schedule, const SamplerConfig& cfg, Points x, Rng& rng,
                 const SamplerObserver& observe) {
  const std::vector<double> ts = sampler_times(schedule, cfg);
  for (int i = 1; i <= cfg.steps; ++i) {
    const double t1 = ts[static_cast<size_t>(i)];
    sampler_step(field, schedule, cfg, x, ts[static_cast<size_t>(i - 1)], t1, i == cfg.steps, rng);
    if (observe && !observe(i, t1, x)) break;
  }
  return x;
}

}  // namespace wgf
