#include "wgf/sampler.hpp"

#include <cmath>
#include <stdexcept>

#include "wgf/ou.hpp"

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
  return schedule.drift_coef(t) * x - 0.5 * schedule.diffusion_sq(t) * field.eval(x, t);
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

namespace {

// One step ta -> tb of the chosen rule; z is scratch of x's shape.
void single_step(const VectorField& field, const Schedule& schedule, SamplerKind kind, Points& x, double t0, double t1,
                 bool add_noise, Rng& rng, Points& z) {
  auto vel = [&](const Points& y, double t) { return pf_ode_velocity(field, schedule, y, t); };
  const double h = t1 - t0;  // negative: integrating backward in time
  switch (kind) {
    case SamplerKind::OdeEuler: x += h * vel(x, t0); break;
    case SamplerKind::OdeHeun: {
      const Points k1 = vel(x, t0);
      const Points k2 = vel(x + h * k1, t1);
      x += 0.5 * h * (k1 + k2);
      break;
    }
    case SamplerKind::OdeRk4: {
      const double tm = t0 + 0.5 * h;
      const Points k1 = vel(x, t0);
      const Points k2 = vel(x + 0.5 * h * k1, tm);
      const Points k3 = vel(x + 0.5 * h * k2, tm);
      const Points k4 = vel(x + h * k3, t1);
      x += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
      break;
    }
    case SamplerKind::Sde: {
      // Reverse-time drift f x - g^2 s, stepping dt = h < 0; noise sqrt(g^2 |h|) z.
      const double g2 = schedule.diffusion_sq(t0);
      x += h * (schedule.drift_coef(t0) * x - g2 * field.eval(x, t0));
      if (add_noise) {
        sample_normal(rng, z);
        x += std::sqrt(g2 * -h) * z;
      }
      break;
    }
    case SamplerKind::Ddpm: {
      const double a = schedule.mean_coef(t0) / schedule.mean_coef(t1);
      const double b2 = std::max(0.0, std::pow(schedule.sigma(t0), 2) - a * a * std::pow(schedule.sigma(t1), 2));
      x = (x + b2 * field.eval(x, t0)) / a;
      if (add_noise) {
        sample_normal(rng, z);
        x += std::sqrt(b2) * z;
      }
      break;
    }
  }
}

}  // namespace

void sampler_step(const VectorField& field, const Schedule& schedule, const SamplerConfig& cfg, Points& x, double t0,
                  double t1, bool last, Rng& rng) {
  const int n = sampler_substeps(cfg, t0, t1);
  Points z(x.rows(), x.cols());
  for (int j = 0; j < n; ++j) {
    const double ta = t0 + (t1 - t0) * j / n, tb = j + 1 == n ? t1 : t0 + (t1 - t0) * (j + 1) / n;
    single_step(field, schedule, cfg.kind, x, ta, tb, !(last && j + 1 == n), rng, z);
  }
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
