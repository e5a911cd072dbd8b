// The empirical density of a data set {x_i}, i = 1..N (paper Sec. 4's "exact score of the
// training set"): p_0 = (1/N) sum_i delta(x - x_i), so p_t = (1/N) sum_i N(m x_i, sigma^2 I),
// a Gaussian mixture centred at m x_i with the exact noisy score
//   grad log p_t(x) = sum_i w_i(x) (m x_i - x) / sigma^2,  w = softmax_i(-|x - m x_i|^2 / 2 sigma^2).
// Computed in chunks of the data with an online log-sum-exp (|x - m x_i|^2 by one GEMM per
// chunk), so memory stays O(chunk x n) for image-sized D and N. Requires sigma > 0 (at
// sigma = 0 the score is undefined); this is what the image diagnostics compare networks with.
#pragma once
#include <string>

#include "wgf/density.hpp"

namespace wgf {

class EmpiricalDensity final : public Density {
 public:
  // data (D, N), N >= 1; throws std::invalid_argument on an empty set or non-finite values.
  EmpiricalDensity(std::string name, Points data, int chunk = 2048);
  std::string name() const override { return name_; }
  int dim() const override { return static_cast<int>(data_.rows()); }
  int size() const { return static_cast<int>(data_.cols()); }
  const Points& data() const { return data_; }
  // n data points drawn uniformly with replacement.
  Points sample(Rng& rng, int n) const override;
  Vec log_prob(const Points& x, double m, double sigma) const override;
  Points score(const Points& x, double m, double sigma) const override;

 private:
  // log p_t (n) and, when grad is not null, the score (D, n).
  Vec evaluate(const Points& x, double m, double sigma, Points* grad) const;
  std::string name_;
  Points data_;
  Vec sq_norms_;  // |x_i|^2
  int chunk_;
};

}  // namespace wgf
