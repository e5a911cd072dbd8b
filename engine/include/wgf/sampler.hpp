// Samplers that run the learned (or exact) field backward in time (DESIGN.md):
//   probability-flow ODE  dx/dt = f(t) x - g^2(t)/2 s(x, t)      (VP: -x - s, the WGF velocity
//                         of paper Eq. 13), integrated from t_max down with Euler, Heun or RK4;
//   reverse SDE (Eq. 3)   dx = [f x - g^2 s] dt + g dW backward, Euler–Maruyama
//                         (VP: dX_tau = [X + 2 s(X, -tau)] dtau + sqrt(2) dW);
//   DDPM ancestral        x_{k'} = (x_k + b^2 s(x_k, t_k)) / a + b z between grid indices
//                         k' < k, with a = m(t_k)/m(t_k'), b^2 = sigma_k^2 - a^2 sigma_k'^2
//                         (the DDPM step with variance beta for consecutive k).
// Grids: `k` — N + 1 indices spaced evenly in k from T to k_end (t_k from the schedule, so
// steps crowd near t = 0 as the cosine grid does); `t` — N + 1 times evenly spaced in t
// from t_max to t_end. The stochastic samplers return the mean on their last step
// (no noise is added at the end, as in DDPM).
// The start is x_T ~ N(0, sigma(t_max)^2 I) (for VP, N(0, I) to within e^{-2 t_max}).
// Long intervals are split: a grid interval longer than max_dt in t is integrated in
// ceil(dt / max_dt) equal sub-steps. The cosine grid needs it: its clipped last beta makes
// t_T - t_{T-1} = 3.45, and one step across that gap turns a non-gradient field's particles
// (e.g. the rotated score exact+rot:A, whose PF-ODE velocity there is ~A J x) by 3.45 A
// radians in a single Euler/Heun step, ruining a transport that is exact in continuous time.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "wgf/rng.hpp"
#include "wgf/schedule.hpp"
#include "wgf/vector_field.hpp"

namespace wgf {

enum class SamplerKind { OdeEuler, OdeHeun, OdeRk4, Sde, Ddpm };
SamplerKind parse_sampler(const std::string& s);  // ode-euler|ode-heun|ode-rk4|sde|ddpm
std::string to_string(SamplerKind k);

enum class TimeGrid { K, T };

struct SamplerConfig {
  SamplerKind kind = SamplerKind::OdeHeun;
  int steps = 100;          // N
  TimeGrid grid = TimeGrid::K;
  int k_end = 1;            // K grid: last index (t_1 > 0: learned fields are undefined at sigma = 0)
  double t_end = 1e-3;      // T grid: last time
  double max_dt = 0.25;     // longest sub-step in t (<= 0: never split)
  void validate(const Schedule& s) const;
};

// The times t_0 > t_1 > ... > t_N the sampler visits.
std::vector<double> sampler_times(const Schedule& schedule, const SamplerConfig& cfg);

// Sub-steps of the grid interval t0 -> t1 under cfg.max_dt (>= 1).
int sampler_substeps(const SamplerConfig& cfg, double t0, double t1);
// Every sub-step boundary the sampler passes (sampler_times() refined by the sub-steps):
// the Euler, Heun, SDE and DDPM rules evaluate the field only at these times.
std::vector<double> sampler_substep_times(const Schedule& schedule, const SamplerConfig& cfg);

// One grid interval t0 -> t1 (t1 < t0) of the sampler, in place on x (D, n), with its
// sub-steps; `last` marks the final interval (the stochastic samplers add no noise on its
// final sub-step). integrate() and SamplerRun (sampler_run.hpp) both step through this.
void sampler_step(const VectorField& field, const Schedule& schedule, const SamplerConfig& cfg, Points& x, double t0,
                  double t1, bool last, Rng& rng);

// Called after each grid interval i (1..N) with the current time and particles (D, n);
// return false to stop early.
using SamplerObserver = std::function<bool(int step, double t, const Points& x)>;

// Runs the sampler from fresh N(0, sigma_max^2 I) particles; returns (D, n).
Points sample(const VectorField& field, const Schedule& schedule, const SamplerConfig& cfg, int n, Rng& rng,
              const SamplerObserver& observe = {});
// Runs it from given particles x (D, n) at t = times.front().
Points integrate(const VectorField& field, const Schedule& schedule, const SamplerConfig& cfg, Points x, Rng& rng,
                 const SamplerObserver& observe = {});

// The probability-flow velocity f(t) x - g^2(t)/2 s(x, t) (VP: -x - s).
Points pf_ode_velocity(const VectorField& field, const Schedule& schedule, const Points& x, double t);

}  // namespace wgf
