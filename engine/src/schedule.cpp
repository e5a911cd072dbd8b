#include "wgf/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace wgf {

double Schedule::time(int k) const {
  if (k < 0 || k > T())
    throw std::out_of_range("schedule index k=" + std::to_string(k) + " outside 0.." + std::to_string(T()));
  return t_[static_cast<size_t>(k)];
}

double Schedule::index(double t) const {
  if (!(t >= 0.0)) throw std::invalid_argument("schedule time t must be >= 0, got " + std::to_string(t));
  if (t >= t_.back()) return T();
  const auto it = std::upper_bound(t_.begin(), t_.end(), t);  // first t_k > t
  const size_t k = static_cast<size_t>(it - t_.begin());       // k >= 1
  const double lo = t_[k - 1], hi = t_[k];
  return static_cast<double>(k - 1) + (t - lo) / (hi - lo);
}

namespace {

constexpr double kPi = 3.14159265358979323846;

// VP family: OU time. The schedule is fully described by its t_k.
class VpSchedule final : public Schedule {
 public:
  VpSchedule(ScheduleKind kind, std::string name, const std::vector<double>& betas)
      : kind_(kind), name_(std::move(name)) {
    // abar_k = prod_{i<=k} (1 - beta_i); t_k = -1/2 log abar_k, accumulated in log space.
    t_.assign(betas.size() + 1, 0.0);
    double log_abar = 0.0;
    for (size_t k = 1; k <= betas.size(); ++k) {
      log_abar += std::log1p(-betas[k - 1]);
      t_[k] = -0.5 * log_abar;
    }
  }
  ScheduleKind kind() const override { return kind_; }
  std::string name() const override { return name_; }
  double mean_coef(double t) const override { return std::exp(-t); }
  // sqrt(1 - e^{-2t}) with expm1 so small t keeps its relative accuracy.
  double sigma(double t) const override { return std::sqrt(-std::expm1(-2.0 * t)); }
  double drift_coef(double) const override { return -1.0; }
  double diffusion_sq(double) const override { return 2.0; }

 private:
  ScheduleKind kind_;
  std::string name_;
};

class VeSchedule final : public Schedule {
 public:
  VeSchedule(int T, double sigma_min, double sigma_max) {
    t_.assign(static_cast<size_t>(T) + 1, 0.0);
    for (int k = 1; k <= T; ++k) {
      const double u = T == 1 ? 1.0 : static_cast<double>(k - 1) / (T - 1);
      t_[static_cast<size_t>(k)] = sigma_min * std::pow(sigma_max / sigma_min, u);
    }
  }
  ScheduleKind kind() const override { return ScheduleKind::VE; }
  std::string name() const override { return "ve"; }
  double mean_coef(double) const override { return 1.0; }
  double sigma(double t) const override { return t; }
  double drift_coef(double) const override { return 0.0; }
  double diffusion_sq(double t) const override { return 2.0 * t; }  // d(sigma^2)/dt
};

void check_T(int T) {
  if (T < 1) throw std::invalid_argument("schedule T must be >= 1, got " + std::to_string(T));
}

}  // namespace

std::unique_ptr<Schedule> make_cosine_vp(int T, double s, double max_beta) {
  check_T(T);
  auto f = [&](int k) {
    const double c = std::cos(((static_cast<double>(k) / T) + s) / (1.0 + s) * kPi / 2.0);
    return c * c;
  };
  std::vector<double> betas(static_cast<size_t>(T));
  for (int k = 1; k <= T; ++k) {
    const double abar_prev = f(k - 1) / f(0), abar = f(k) / f(0);
    betas[static_cast<size_t>(k - 1)] = std::min(1.0 - abar / abar_prev, max_beta);
  }
  return std::make_unique<VpSchedule>(ScheduleKind::CosineVP, "cosine", betas);
}

std::unique_ptr<Schedule> make_linear_vp(int T, double beta_1, double beta_T) {
  check_T(T);
  std::vector<double> betas(static_cast<size_t>(T));
  for (int k = 1; k <= T; ++k) {
    const double u = T == 1 ? 1.0 : static_cast<double>(k - 1) / (T - 1);
    betas[static_cast<size_t>(k - 1)] = beta_1 + u * (beta_T - beta_1);
  }
  return std::make_unique<VpSchedule>(ScheduleKind::LinearVP, "linear", betas);
}

std::unique_ptr<Schedule> make_ve(int T, double sigma_min, double sigma_max) {
  check_T(T);
  if (!(sigma_min > 0 && sigma_max > sigma_min))
    throw std::invalid_argument("VE schedule needs 0 < sigma_min < sigma_max");
  return std::make_unique<VeSchedule>(T, sigma_min, sigma_max);
}

std::unique_ptr<Schedule> make_schedule(const std::string& name, int T) {
  if (name == "cosine") return make_cosine_vp(T);
  if (name == "linear") return make_linear_vp(T);
  if (name == "ve") return make_ve(T);
  throw std::invalid_argument("unknown schedule '" + name + "': expected cosine, linear or ve");
}

}  // namespace wgf
