// Gaussian mixtures with closed-form noisy scores.
// Component i of p_0 is N(mu_i, Sigma_i) with Sigma_i = U_i diag(lambda_i) U_i^T; under
// x_t = m x0 + sigma eps it becomes N(m mu_i, U_i diag(m^2 lambda_i + sigma^2) U_i^T), so
// with y = U_i^T (x - m mu_i) and v = m^2 lambda + sigma^2:
//   log N_i = -1/2 sum_d [log(2 pi v_d) + y_d^2 / v_d],  grad log N_i = -U_i (y / v).
// The mixture's score is the responsibility-weighted mean of the component gradients,
// accumulated with a running log-sum-exp so no weight underflows.
#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "wgf/density.hpp"

namespace wgf {
namespace {
constexpr double kLog2Pi = 1.8378770664093454836;
}

GaussianMixture::GaussianMixture(std::string name, std::vector<GaussianComponent> components)
    : name_(std::move(name)), comps_(std::move(components)) {
  if (comps_.empty()) throw std::invalid_argument("mixture '" + name_ + "': needs at least one component");
  dim_ = static_cast<int>(comps_[0].mean.size());
  if (dim_ < 1) throw std::invalid_argument("mixture '" + name_ + "': component 0 has an empty mean");
  double total = 0.0;
  for (size_t i = 0; i < comps_.size(); ++i) {
    const auto& c = comps_[i];
    const std::string where = "mixture '" + name_ + "' component " + std::to_string(i) + ": ";
    if (c.mean.size() != dim_)
      throw std::invalid_argument(where + "mean has " + std::to_string(c.mean.size()) + " entries, expected " + std::to_string(dim_));
    if (c.cov.rows() != dim_ || c.cov.cols() != dim_)
      throw std::invalid_argument(where + "cov must be " + std::to_string(dim_) + "x" + std::to_string(dim_));
    if (!(c.weight > 0) || !std::isfinite(c.weight))
      throw std::invalid_argument(where + "weight must be a finite number > 0");
    if (!c.mean.allFinite() || !c.cov.allFinite()) throw std::invalid_argument(where + "mean/cov must be finite");
    if ((c.cov - c.cov.transpose()).cwiseAbs().maxCoeff() > 1e-12 * (1.0 + c.cov.cwiseAbs().maxCoeff()))
      throw std::invalid_argument(where + "cov must be symmetric");
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(c.cov);
    if (!(es.eigenvalues().minCoeff() > 0))
      throw std::invalid_argument(where + "cov must be positive definite (smallest eigenvalue " +
                                  std::to_string(es.eigenvalues().minCoeff()) + ")");
    basis_.push_back(es.eigenvectors());
    eig_.push_back(es.eigenvalues());
    chol_.push_back(c.cov.llt().matrixL());
    total += c.weight;
  }
  double cum = 0.0;
  for (auto& c : comps_) {
    c.weight /= total;
    cum += c.weight;
    cum_weight_.push_back(cum);
  }
  cum_weight_.back() = 1.0;
}

Points GaussianMixture::sample(Rng& rng, int n) const {
  if (n < 0) throw std::invalid_argument("sample count must be >= 0");
  Points out(dim_, n);
  Vec z(dim_);
  for (int j = 0; j < n; ++j) {
    const double u = rng.uniform();
    size_t i = 0;
    while (i + 1 < cum_weight_.size() && u >= cum_weight_[i]) ++i;
    for (int d = 0; d < dim_; ++d) z[d] = rng.normal();
    out.col(j) = comps_[i].mean + chol_[i] * z;
  }
  return out;
}

template <class F>
void GaussianMixture::for_each_component(const double* x, double m, double sigma, F&& f) const {
  const int D = dim_;
  double y[16], v[16], g[16];
  std::vector<double> yv, vv, gv;
  double *py = y, *pv = v, *pg = g;
  if (D > 16) {
    yv.resize(D); vv.resize(D); gv.resize(D);
    py = yv.data(); pv = vv.data(); pg = gv.data();
  }
  const double s2 = sigma * sigma, m2 = m * m;
  for (size_t i = 0; i < comps_.size(); ++i) {
    const auto& U = basis_[i];
    const auto& mu = comps_[i].mean;
    double logn = std::log(comps_[i].weight);
    for (int a = 0; a < D; ++a) {
      double ya = 0.0;
      for (int b = 0; b < D; ++b) ya += U(b, a) * (x[b] - m * mu[b]);
      const double va = m2 * eig_[i][a] + s2;
      py[a] = ya;
      pv[a] = va;
      logn -= 0.5 * (kLog2Pi + std::log(va) + ya * ya / va);
    }
    for (int b = 0; b < D; ++b) {
      double gb = 0.0;
      for (int a = 0; a < D; ++a) gb -= U(b, a) * py[a] / pv[a];
      pg[b] = gb;
    }
    f(logn, pg);
  }
}

Vec GaussianMixture::log_prob(const Points& x, double m, double sigma) const {
  if (x.rows() != dim_) throw std::invalid_argument("mixture '" + name_ + "': points have wrong dimension");
  Vec out(x.cols());
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    double mx = -std::numeric_limits<double>::infinity(), acc = 0.0;
    for_each_component(x.col(j).data(), m, sigma, [&](double logn, const double*) {
      if (logn > mx) {
        acc = acc * std::exp(mx - logn) + 1.0;
        mx = logn;
      } else {
        acc += std::exp(logn - mx);
      }
    });
    out[j] = mx + std::log(acc);
  }
  return out;
}

Points GaussianMixture::score(const Points& x, double m, double sigma) const {
  if (x.rows() != dim_) throw std::invalid_argument("mixture '" + name_ + "': points have wrong dimension");
  const int D = dim_;
  Points out(D, x.cols());
  std::vector<double> acc_g(static_cast<size_t>(D));
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    double mx = -std::numeric_limits<double>::infinity(), acc = 0.0;
    std::fill(acc_g.begin(), acc_g.end(), 0.0);
    for_each_component(x.col(j).data(), m, sigma, [&](double logn, const double* g) {
      if (logn > mx) {  // rescale what was accumulated to the new maximum
        const double r = std::exp(mx - logn);
        acc = acc * r + 1.0;
        for (int d = 0; d < D; ++d) acc_g[static_cast<size_t>(d)] = acc_g[static_cast<size_t>(d)] * r + g[d];
        mx = logn;
      } else {
        const double w = std::exp(logn - mx);
        acc += w;
        for (int d = 0; d < D; ++d) acc_g[static_cast<size_t>(d)] += w * g[d];
      }
    });
    for (int d = 0; d < D; ++d) out(d, j) = acc_g[static_cast<size_t>(d)] / acc;
  }
  return out;
}

}  // namespace wgf
