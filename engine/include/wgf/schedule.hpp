// Noise schedules: the forward process x_t = m(t) x0 + sigma(t) eps, eps ~ N(0, I), from
// the SDE dX = f(t) X dt + g(t) dW, and the discrete index k = 0..T <-> time t_k map.
//
// Time t is the process's own continuous time:
//  - VP schedules (cosine, linear) use the OU time of DESIGN.md: dX = -X dt + sqrt(2) dW,
//    m(t) = e^{-t}, sigma(t) = sqrt(1 - e^{-2t}); the schedule only fixes t_k through
//    abar_k = e^{-2 t_k}, i.e. t_k = -1/2 log(abar_k) (paper Eq. 6 for the cosine grid).
//  - VE: dX = sqrt(2t) dW, m = 1, sigma(t) = t (so t *is* the noise level); t_k is
//    geometric between sigma_min and sigma_max, t_0 = 0.
#pragma once
#include <memory>
#include <string>
#include <vector>

namespace wgf {

enum class ScheduleKind { CosineVP, LinearVP, VE };

class Schedule {
 public:
  virtual ~Schedule() = default;
  virtual ScheduleKind kind() const = 0;
  virtual std::string name() const = 0;

  int T() const { return static_cast<int>(t_.size()) - 1; }
  // t_k for k in 0..T (t_0 = 0, strictly increasing).
  double time(int k) const;
  // Continuous inverse of time(): the fractional index k(t), linear between grid points.
  double index(double t) const;
  double t_max() const { return t_.back(); }

  virtual double mean_coef(double t) const = 0;   // m(t)
  virtual double sigma(double t) const = 0;       // sigma(t)
  virtual double drift_coef(double t) const = 0;  // f(t) in dX = f X dt + g dW
  virtual double diffusion_sq(double t) const = 0;  // g(t)^2

 protected:
  std::vector<double> t_;  // t_k, k = 0..T
};

// Cosine VP (Nichol & Dhariwal; paper Eq. 6): abar_k = f(k)/f(0),
// f(k) = cos^2(((k/T) + s)/(1 + s) * pi/2), s = 0.008; betas clipped at 0.999.
std::unique_ptr<Schedule> make_cosine_vp(int T = 1000, double s = 0.008, double max_beta = 0.999);
// Linear-beta DDPM: beta_k linear from beta_1 to beta_T.
std::unique_ptr<Schedule> make_linear_vp(int T = 1000, double beta_1 = 1e-4, double beta_T = 0.02);
// VE: sigma_k geometric from sigma_min (k = 1) to sigma_max (k = T); t = sigma.
std::unique_ptr<Schedule> make_ve(int T = 1000, double sigma_min = 0.01, double sigma_max = 20.0);
// "cosine" | "linear" | "ve"; throws std::invalid_argument naming the expected values.
std::unique_ptr<Schedule> make_schedule(const std::string& name, int T = 1000);

}  // namespace wgf
