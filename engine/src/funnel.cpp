// Neal's funnel: v ~ N(0, tau^2) (tau = v_std), x | v ~ N(0, e^v); coordinates (v, x).
// Under x_t = m x0 + s eps:
//   v_t | v ~ N(m v, s^2), x_t | v ~ N(0, m^2 e^v + s^2) (independent given v), so
//   p_t(v_t, x_t) = N(v_t; 0, m^2 tau^2 + s^2) * E_{v ~ post} N(x_t; 0, m^2 e^v + s^2),
// where post = p(v | v_t) = N(mu, c^2), c^2 = tau^2 s^2 / (s^2 + m^2 tau^2),
// mu = tau^2 m v_t / (s^2 + m^2 tau^2). Both stay finite at s = 0 (then c = 0, mu = v_t / m),
// so one formula covers every t >= 0. The expectation is over v = mu + c z, z ~ N(0, 1):
// a trapezoid rule on z in [-8, 8] with normalised weights.
// Score: d/dx_t log p = E_w[-x_t / V]; d/dv_t log p = -v_t / (m^2 tau^2 + s^2)
//   + (dmu/dv_t) E_w[dlogN/dv], with V = m^2 e^v + s^2, dmu/dv_t = tau^2 m / (s^2 + m^2 tau^2),
//   dlogN/dv = m^2 e^v (x_t^2 / (2 V^2) - 1 / (2 V)), E_w the posterior-weighted average
// (the nodes move with v_t, the weights do not, so this is the exact gradient of the rule).
#include <cmath>
#include <limits>
#include <stdexcept>

#include "wgf/density.hpp"

namespace wgf {
namespace {
constexpr double kLog2Pi = 1.8378770664093454836;
constexpr double kZMax = 8.0;
}  // namespace

Funnel::Funnel(double v_std, int nodes) : v_std_(v_std) {
  if (!(v_std > 0)) throw std::invalid_argument("funnel v_std must be > 0");
  if (nodes < 8) throw std::invalid_argument("funnel quadrature needs at least 8 nodes");
  const double h = 2.0 * kZMax / nodes;
  double mx = -std::numeric_limits<double>::infinity();
  for (int i = 0; i <= nodes; ++i) {
    const double z = -kZMax + h * i;
    z_.push_back(z);
    const double end = (i == 0 || i == nodes) ? 0.5 : 1.0;
    log_w_.push_back(std::log(end) - 0.5 * z * z);
    mx = std::max(mx, log_w_.back());
  }
  double total = 0.0;
  for (double lw : log_w_) total += std::exp(lw - mx);
  for (double& lw : log_w_) lw -= mx + std::log(total);
}

Points Funnel::sample(Rng& rng, int n) const {
  if (n < 0) throw std::invalid_argument("sample count must be >= 0");
  Points out(2, n);
  for (int j = 0; j < n; ++j) {
    const double v = v_std_ * rng.normal();
    out(0, j) = v;
    out(1, j) = std::exp(0.5 * v) * rng.normal();
  }
  return out;
}

double Funnel::log_prob_and_grad(double vt, double xt, double m, double s, double* grad) const {
  const double tau2 = v_std_ * v_std_, m2 = m * m, s2 = s * s;
  const double marg = m2 * tau2 + s2;  // variance of v_t
  const double denom = s2 + m2 * tau2;
  const double mu = tau2 * m * vt / denom;
  const double c = std::sqrt(tau2 * s2 / denom);
  const double dmu = tau2 * m / denom;
  // Pass 1: log of each node's term, for a stable log-sum-exp.
  double mx = -std::numeric_limits<double>::infinity();
  const size_t n = z_.size();
  double lt[512];
  std::vector<double> big;
  double* l = lt;
  if (n > 512) { big.resize(n); l = big.data(); }
  for (size_t i = 0; i < n; ++i) {
    const double v = mu + c * z_[i];
    const double V = m2 * std::exp(v) + s2;
    l[i] = log_w_[i] - 0.5 * (kLog2Pi + std::log(V) + xt * xt / V);
    mx = std::max(mx, l[i]);
  }
  double acc = 0.0, gx = 0.0, gv = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double w = std::exp(l[i] - mx);
    if (w == 0.0) continue;
    const double ev = m2 * std::exp(mu + c * z_[i]);
    const double V = ev + s2;
    acc += w;
    gx += w * (-xt / V);
    gv += w * ev * (xt * xt / (2.0 * V * V) - 1.0 / (2.0 * V));
  }
  if (grad) {
    grad[0] = -vt / marg + dmu * gv / acc;
    grad[1] = gx / acc;
  }
  return -0.5 * (kLog2Pi + std::log(marg) + vt * vt / marg) + mx + std::log(acc);
}

Vec Funnel::log_prob(const Points& x, double m, double sigma) const {
  if (x.rows() != 2) throw std::invalid_argument("funnel: points must be 2D (v, x)");
  Vec out(x.cols());
  for (Eigen::Index j = 0; j < x.cols(); ++j) out[j] = log_prob_and_grad(x(0, j), x(1, j), m, sigma, nullptr);
  return out;
}

Points Funnel::score(const Points& x, double m, double sigma) const {
  if (x.rows() != 2) throw std::invalid_argument("funnel: points must be 2D (v, x)");
  Points out(2, x.cols());
  for (Eigen::Index j = 0; j < x.cols(); ++j) log_prob_and_grad(x(0, j), x(1, j), m, sigma, out.col(j).data());
  return out;
}

}  // namespace wgf
