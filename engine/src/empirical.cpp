#include "wgf/empirical.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace wgf {

EmpiricalDensity::EmpiricalDensity(std::string name, Points data, int chunk)
    : name_(std::move(name)), data_(std::move(data)), chunk_(chunk) {
  if (data_.cols() < 1 || data_.rows() < 1) throw std::invalid_argument("empirical density '" + name_ + "': no data");
  if (!data_.allFinite()) throw std::invalid_argument("empirical density '" + name_ + "': non-finite data values");
  if (chunk_ < 1) throw std::invalid_argument("empirical density: chunk must be >= 1");
  sq_norms_ = data_.colwise().squaredNorm().transpose();
}

Points EmpiricalDensity::sample(Rng& rng, int n) const {
  Points out(data_.rows(), n);
  for (int j = 0; j < n; ++j) out.col(j) = data_.col(static_cast<Eigen::Index>(rng.uniform_int(0, size() - 1)));
  return out;
}

Vec EmpiricalDensity::evaluate(const Points& x, double m, double sigma, Points* grad) const {
  if (!(sigma > 0)) throw std::invalid_argument("empirical density: the noisy score needs sigma > 0");
  if (x.rows() != data_.rows()) throw std::invalid_argument("empirical density: point dimension mismatch");
  const Eigen::Index n = x.cols(), D = x.rows();
  const double inv2s2 = 0.5 / (sigma * sigma);
  const Vec x_sq = x.colwise().squaredNorm().transpose();
  // Online log-sum-exp over chunks: running max a_j, sum_j = sum_i exp(l_ij - a_j) and
  // mean_j = sum_i exp(l_ij - a_j) x_i (for the score's weighted centre).
  Vec a = Vec::Constant(n, -std::numeric_limits<double>::infinity()), sum = Vec::Zero(n);
  Points centre = grad ? Points::Zero(D, n) : Points();
  for (Eigen::Index c0 = 0; c0 < data_.cols(); c0 += chunk_) {
    const Eigen::Index c = std::min<Eigen::Index>(chunk_, data_.cols() - c0);
    const auto xi = data_.middleCols(c0, c);
    // l_ij = -|x_j - m x_i|^2 / 2 sigma^2, (c, n)
    Eigen::MatrixXd l = (2.0 * m) * (xi.transpose() * x);
    l.colwise() -= (m * m) * sq_norms_.segment(c0, c);
    l.rowwise() -= x_sq.transpose();
    l *= inv2s2;
    const Vec a_new = a.cwiseMax(l.colwise().maxCoeff().transpose());
    const Vec scale = (a - a_new).array().exp();  // rescales the running sums (0 on the first chunk)
    const Eigen::MatrixXd w = (l.rowwise() - a_new.transpose()).array().exp();
    sum = sum.cwiseProduct(scale) + w.colwise().sum().transpose();
    if (grad) centre = centre * scale.asDiagonal() + xi * w;
    a = a_new;
  }
  const double log_norm = std::log(static_cast<double>(size())) + 0.5 * D * std::log(6.283185307179586 * sigma * sigma);
  if (grad) *grad = ((m * centre) * sum.cwiseInverse().asDiagonal() - x) / (sigma * sigma);
  return (a.array() + sum.array().log() - log_norm).matrix();
}

Vec EmpiricalDensity::log_prob(const Points& x, double m, double sigma) const { return evaluate(x, m, sigma, nullptr); }

Points EmpiricalDensity::score(const Points& x, double m, double sigma) const {
  Points g;
  evaluate(x, m, sigma, &g);
  return g;
}

}  // namespace wgf
