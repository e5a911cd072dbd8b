// Data densities with exact noisy scores (DESIGN.md "Exact noisy scores").
//
// The law of x_t = m x0 + sigma eps is fixed by the pair (m, sigma) alone, so a Density
// answers log p_t and its score for any (m, sigma) and is schedule-agnostic; ExactScore
// (vector_field.hpp) binds it to a Schedule's t -> (m(t), sigma(t)).
//
// Non-Gaussian 2D shapes are fine Gaussian mixtures: the noisy score of a mixture is exact in
// closed form (component i becomes N(m mu_i, m^2 Sigma_i + sigma^2 I)), so the shape *is* the
// mixture, and its samples come from the same mixture. Neal's funnel uses a quadrature over
// v whose nodes follow the Gaussian posterior of v given v_t (funnel.cpp).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "wgf/rng.hpp"
#include "wgf/types.hpp"

namespace wgf {

class Density {
 public:
  virtual ~Density() = default;
  virtual std::string name() const = 0;
  virtual int dim() const = 0;
  // n draws from p_0, returned as (D, n).
  virtual Points sample(Rng& rng, int n) const = 0;
  // log p_t(x) for the law of m x0 + sigma eps; x (D, N) -> (N).
  virtual Vec log_prob(const Points& x, double m, double sigma) const = 0;
  // grad_x log p_t(x); x (D, N) -> (D, N).
  virtual Points score(const Points& x, double m, double sigma) const = 0;
};

struct GaussianComponent {
  double weight = 1.0;           // > 0; mixtures normalise their weights
  Vec mean;                      // (D)
  Eigen::MatrixXd cov;           // (D, D) symmetric positive definite
};

class GaussianMixture final : public Density {
 public:
  // Throws std::invalid_argument (naming the component and field) on empty input,
  // mismatched dimensions, non-positive weights or a covariance that is not SPD.
  GaussianMixture(std::string name, std::vector<GaussianComponent> components);

  std::string name() const override { return name_; }
  int dim() const override { return dim_; }
  Points sample(Rng& rng, int n) const override;
  Vec log_prob(const Points& x, double m, double sigma) const override;
  Points score(const Points& x, double m, double sigma) const override;

  const std::vector<GaussianComponent>& components() const { return comps_; }

 private:
  // Visit every component's (log w_i + log N_i(x), grad log N_i(x)) for one point.
  template <class F>
  void for_each_component(const double* x, double m, double sigma, F&& f) const;

  std::string name_;
  int dim_ = 0;
  std::vector<GaussianComponent> comps_;  // weights normalised
  std::vector<Eigen::MatrixXd> basis_;    // eigenvectors U_i of Sigma_i
  std::vector<Vec> eig_;                  // eigenvalues lambda_i of Sigma_i
  std::vector<Eigen::MatrixXd> chol_;     // Cholesky factor of Sigma_i (sampling)
  std::vector<double> cum_weight_;        // for sampling the component index
};

// Neal's funnel in 2D, coordinates (v, x): v ~ N(0, v_std^2), x | v ~ N(0, e^v).
// p_t(v_t, x_t) = N(v_t; 0, m^2 v_std^2 + sigma^2) * E_{v ~ post(v | v_t)} N(x_t; 0, m^2 e^v + sigma^2)
// with the Gaussian posterior of v given v_t; the expectation is a trapezoid rule in the
// standardised posterior variable z in [-8, 8] (nodes+1 points, weights normalised), which
// converges geometrically for this smooth integrand: with the default 161 nodes the relative
// error of p_t and of the score is below 1e-9 on |v| <= 9 (tests/engine/test_density.cpp).
class Funnel final : public Density {
 public:
  explicit Funnel(double v_std = 3.0, int nodes = 160);
  std::string name() const override { return "funnel"; }
  int dim() const override { return 2; }
  Points sample(Rng& rng, int n) const override;
  Vec log_prob(const Points& x, double m, double sigma) const override;
  Points score(const Points& x, double m, double sigma) const override;
  double v_std() const { return v_std_; }
  int nodes() const { return static_cast<int>(z_.size()) - 1; }

 private:
  // log p_t and its gradient at one point (v_t, x_t).
  double log_prob_and_grad(double vt, double xt, double m, double sigma, double* grad) const;
  double v_std_;
  std::vector<double> z_, log_w_;  // standard-normal quadrature nodes and log weights
};

// Built-in densities: gaussian, gmm8, rings, moons, checkerboard, swissroll, spiral, funnel.
std::vector<std::string> density_names();
// Throws std::invalid_argument("unknown density 'x': expected one of ...").
std::unique_ptr<Density> make_density(const std::string& name);

}  // namespace wgf
