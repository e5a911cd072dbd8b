#include "wgf/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include <Eigen/Eigenvalues>

namespace wgf {
namespace {

void check_pair(const Points& X, const Points& Y, const char* what) {
  if (X.rows() != Y.rows()) throw std::invalid_argument(std::string(what) + ": sample sets differ in dimension");
  if (X.cols() < 2 || Y.cols() < 2) throw std::invalid_argument(std::string(what) + ": needs at least 2 points per set");
}

// Quantile of sorted v at probability p in (0, 1), linear interpolation.
double quantile(const std::vector<double>& v, double p) {
  const double pos = p * static_cast<double>(v.size()) - 0.5;
  if (pos <= 0) return v.front();
  if (pos >= static_cast<double>(v.size() - 1)) return v.back();
  const size_t i = static_cast<size_t>(pos);
  const double f = pos - static_cast<double>(i);
  return v[i] * (1 - f) + v[i + 1] * f;
}

}  // namespace

double sliced_wasserstein(const Points& X, const Points& Y, int projections, Rng& rng) {
  check_pair(X, Y, "sliced_wasserstein");
  if (projections < 1) throw std::invalid_argument("sliced_wasserstein: projections must be >= 1");
  const Eigen::Index D = X.rows();
  const Points& big = X.cols() >= Y.cols() ? X : Y;
  const Points& small = X.cols() >= Y.cols() ? Y : X;
  std::vector<double> pb(static_cast<size_t>(big.cols())), ps(static_cast<size_t>(small.cols()));
  double total = 0.0;
  Vec dir(D);
  for (int p = 0; p < projections; ++p) {
    for (Eigen::Index d = 0; d < D; ++d) dir[d] = rng.normal();
    dir.normalize();
    for (Eigen::Index j = 0; j < big.cols(); ++j) pb[static_cast<size_t>(j)] = big.col(j).dot(dir);
    for (Eigen::Index j = 0; j < small.cols(); ++j) ps[static_cast<size_t>(j)] = small.col(j).dot(dir);
    std::sort(pb.begin(), pb.end());
    std::sort(ps.begin(), ps.end());
    double w2 = 0.0;
    const double n = static_cast<double>(pb.size());
    for (size_t j = 0; j < pb.size(); ++j) {
      const double diff = pb[j] - (pb.size() == ps.size() ? ps[j] : quantile(ps, (static_cast<double>(j) + 0.5) / n));
      w2 += diff * diff;
    }
    total += w2 / n;
  }
  return std::sqrt(total / projections);
}

double mmd_rbf(const Points& X, const Points& Y, double bandwidth) {
  check_pair(X, Y, "mmd_rbf");
  const Eigen::Index n = X.cols(), m = Y.cols();
  auto d2 = [](const auto& a, const auto& b) { return (a - b).squaredNorm(); };
  double h = bandwidth;
  if (!(h > 0)) {
    std::vector<double> dist;
    Points Z(X.rows(), n + m);
    Z << X, Y;
    const Eigen::Index stride = std::max<Eigen::Index>(1, (n + m) / 400);  // subsample big sets
    for (Eigen::Index i = 0; i < Z.cols(); i += stride)
      for (Eigen::Index j = i + stride; j < Z.cols(); j += stride) dist.push_back(std::sqrt(d2(Z.col(i), Z.col(j))));
    std::nth_element(dist.begin(), dist.begin() + static_cast<std::ptrdiff_t>(dist.size() / 2), dist.end());
    h = std::max(dist[dist.size() / 2], 1e-12);
  }
  const double inv = -1.0 / (2.0 * h * h);
  double kxx = 0, kyy = 0, kxy = 0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = i + 1; j < n; ++j) kxx += std::exp(inv * d2(X.col(i), X.col(j)));
  for (Eigen::Index i = 0; i < m; ++i)
    for (Eigen::Index j = i + 1; j < m; ++j) kyy += std::exp(inv * d2(Y.col(i), Y.col(j)));
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < m; ++j) kxy += std::exp(inv * d2(X.col(i), Y.col(j)));
  const double dn = static_cast<double>(n), dm = static_cast<double>(m);
  return 2.0 * kxx / (dn * (dn - 1)) + 2.0 * kyy / (dm * (dm - 1)) - 2.0 * kxy / (dn * dm);
}

double energy_distance(const Points& X, const Points& Y) {
  check_pair(X, Y, "energy_distance");
  const Eigen::Index n = X.cols(), m = Y.cols();
  double xx = 0, yy = 0, xy = 0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = i + 1; j < n; ++j) xx += (X.col(i) - X.col(j)).norm();
  for (Eigen::Index i = 0; i < m; ++i)
    for (Eigen::Index j = i + 1; j < m; ++j) yy += (Y.col(i) - Y.col(j)).norm();
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < m; ++j) xy += (X.col(i) - Y.col(j)).norm();
  const double dn = static_cast<double>(n), dm = static_cast<double>(m);
  return 2.0 * xy / (dn * dm) - 2.0 * xx / (dn * (dn - 1)) - 2.0 * yy / (dm * (dm - 1));
}

double grid_kl_2d(const Points& X, const Points& Y, int bins, double lo, double hi, double alpha) {
  check_pair(X, Y, "grid_kl_2d");
  if (X.rows() != 2) throw std::invalid_argument("grid_kl_2d: points must be 2D");
  if (bins < 1 || !(hi > lo) || !(alpha > 0)) throw std::invalid_argument("grid_kl_2d: needs bins >= 1, hi > lo, alpha > 0");
  auto hist = [&](const Points& Z) {
    std::vector<double> h(static_cast<size_t>(bins) * bins, alpha);
    for (Eigen::Index j = 0; j < Z.cols(); ++j) {
      auto cell = [&](double v) {
        const int c = static_cast<int>(std::floor((v - lo) / (hi - lo) * bins));
        return std::clamp(c, 0, bins - 1);
      };
      h[static_cast<size_t>(cell(Z(0, j))) * bins + static_cast<size_t>(cell(Z(1, j)))] += 1.0;
    }
    double total = 0;
    for (double v : h) total += v;
    for (double& v : h) v /= total;
    return h;
  };
  const std::vector<double> p = hist(X), q = hist(Y);
  double kl = 0;
  for (size_t i = 0; i < p.size(); ++i) kl += p[i] * std::log(p[i] / q[i]);
  return kl;
}

Box2d grid_box_2d(const Points& X, double q, double pad) {
  if (X.rows() != 2 || X.cols() < 1) throw std::invalid_argument("grid_box_2d: needs a non-empty 2D cloud");
  Box2d b{std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  const size_t n = static_cast<size_t>(X.cols());
  const size_t ilo = static_cast<size_t>(std::floor(q * static_cast<double>(n - 1)));
  const size_t ihi = static_cast<size_t>(std::floor((1.0 - q) * static_cast<double>(n - 1)));
  std::vector<double> v(n);
  for (Eigen::Index r = 0; r < 2; ++r) {
    for (size_t j = 0; j < n; ++j) v[j] = X(r, static_cast<Eigen::Index>(j));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(ilo), v.end());
    b.lo = std::min(b.lo, v[ilo]);
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(ihi), v.end());
    b.hi = std::max(b.hi, v[ihi]);
  }
  const double w = pad * (b.hi - b.lo);
  b.lo -= w;
  b.hi += w;
  if (!(b.hi > b.lo)) b.hi = b.lo + 1.0;  // a degenerate cloud still gets a usable box
  return b;
}

SampleReport evaluate_samples(const Points& generated, const Density& density, Rng& rng) {
  if (generated.rows() != density.dim())
    throw std::invalid_argument("evaluate_samples: points are " + std::to_string(generated.rows()) +
                                "-D, the density '" + density.name() + "' is " + std::to_string(density.dim()) + "-D");
  const int n = static_cast<int>(generated.cols());
  Rng draw_a = rng.split(), draw_b = rng.split(), projections = rng.split();
  const Points ref = density.sample(draw_a, n), ref2 = density.sample(draw_b, n);
  SampleReport r;
  const bool two_d = density.dim() == 2;
  if (two_d) r.grid_box = grid_box_2d(ref);
  auto metrics = [&](const Points& X) {
    SampleMetrics m;
    Rng proj = projections;
    m.swd = sliced_wasserstein(X, ref, 128, proj);
    m.mmd = mmd_rbf(X, ref, 0.0);
    m.energy = energy_distance(X, ref);
    m.grid_kl = two_d ? grid_kl_2d(ref, X, r.bins, r.grid_box.lo, r.grid_box.hi)
                      : std::numeric_limits<double>::quiet_NaN();
    return m;
  };
  r.metrics = metrics(generated);
  r.reference_floor = metrics(ref2);
  return r;
}

double frechet_distance(const Points& X, const Points& Y) {
  if (X.rows() != Y.rows() || X.cols() < 2 || Y.cols() < 2)
    throw std::invalid_argument("frechet_distance: X and Y need the same dimension and >= 2 samples each");
  auto moments = [](const Points& Z, Eigen::VectorXd& mu, Eigen::MatrixXd& cov) {
    mu = Z.rowwise().mean();
    const Eigen::MatrixXd c = Z.colwise() - mu;
    cov = c * c.transpose() / static_cast<double>(Z.cols() - 1);
  };
  Eigen::VectorXd mx, my;
  Eigen::MatrixXd sx, sy;
  moments(X, mx, sx);
  moments(Y, my, sy);
  // S_x^1/2 from its eigen-decomposition (PSD: negative round-off eigenvalues clamped to 0).
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> ex(sx);
  const Eigen::VectorXd rx = ex.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  const Eigen::MatrixXd sqrt_x = ex.eigenvectors() * rx.asDiagonal() * ex.eigenvectors().transpose();
  const Eigen::MatrixXd mid = sqrt_x * sy * sqrt_x;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> em(0.5 * (mid + mid.transpose()), Eigen::EigenvaluesOnly);
  const double tr_sqrt = em.eigenvalues().cwiseMax(0.0).cwiseSqrt().sum();
  return (mx - my).squaredNorm() + sx.trace() + sy.trace() - 2.0 * tr_sqrt;
}

}  // namespace wgf
