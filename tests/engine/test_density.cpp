#include <catch2/catch.hpp>
#include <Eigen/LU>
#include <cmath>

#include "wgf/density.hpp"
#include "wgf/ou.hpp"
#include "wgf/schedule.hpp"

namespace {
constexpr double kLog2Pi = 1.8378770664093454836;

// Fourth-order central difference of log p_t along coordinate d (Richardson of h and 2h):
// error O(h^4 f^(5)), so with h = 1e-3 * scale it sits far below the 1e-6 tolerance used.
double fd_score(const wgf::Density& p, const wgf::Points& x, double m, double s, int d, double h) {
  auto lp = [&](double dx) {
    wgf::Points y = x;
    y(d, 0) += dx;
    return p.log_prob(y, m, s)[0];
  };
  return (8 * (lp(h) - lp(-h)) - (lp(2 * h) - lp(-2 * h))) / (12 * h);
}
}  // namespace

TEST_CASE("density: exact noisy score = finite difference of log p_t - every density", "[fast][density]") {
  auto sch = wgf::make_cosine_vp();
  for (const auto& name : wgf::density_names()) {
    auto p = wgf::make_density(name);
    wgf::Rng rng(3);
    for (double t : {0.003, 0.05, 0.3, 1.0, 4.0}) {
      const double m = sch->mean_coef(t), s = sch->sigma(t);
      const wgf::Points x0 = p->sample(rng, 6);
      wgf::Points eps(2, 6);
      wgf::sample_normal(rng, eps);
      const wgf::Points xt = m * x0 + s * eps;
      const wgf::Points sc = p->score(xt, m, s);
      for (int j = 0; j < xt.cols(); ++j) {
        // Step relative to the local length scale 1/|s| (the funnel's neck is ~0.01 wide).
        const double h = 1e-3 * std::min(1.0, 1.0 / (1e-12 + sc.col(j).norm()));
        for (int d = 0; d < 2; ++d) {
          INFO(name << " t=" << t << " point " << j << " coord " << d);
          const double fd = fd_score(*p, xt.col(j), m, s, d, h);
          CHECK(sc(d, j) == Approx(fd).epsilon(1e-6).margin(1e-6));
        }
      }
    }
  }
}

TEST_CASE("density: gaussian has the closed-form noisy law", "[fast][density]") {
  auto p = wgf::make_density("gaussian");
  Eigen::Vector2d mu(0.8, -0.4);
  Eigen::Matrix2d S;
  S << 0.5, 0.3, 0.3, 0.4;
  const double m = 0.7, s = 0.5;
  const Eigen::Matrix2d C = m * m * S + s * s * Eigen::Matrix2d::Identity();
  wgf::Points x(2, 3);
  x << 0.1, -2.0, 1.5, 0.3, 0.7, -1.1;
  const wgf::Vec lp = p->log_prob(x, m, s);
  const wgf::Points sc = p->score(x, m, s);
  for (int j = 0; j < 3; ++j) {
    const Eigen::Vector2d r = x.col(j) - m * mu;
    const double expect = -0.5 * (2 * kLog2Pi + std::log(C.determinant()) + r.dot(C.inverse() * r));
    CHECK(lp[j] == Approx(expect).epsilon(1e-13));
    const Eigen::Vector2d g = -C.inverse() * r;
    CHECK(sc(0, j) == Approx(g(0)).epsilon(1e-13));
    CHECK(sc(1, j) == Approx(g(1)).epsilon(1e-13));
  }
}

TEST_CASE("density: mixture samples have the mixture's moments", "[fast][density]") {
  for (const char* name : {"gmm8", "checkerboard", "moons"}) {
    auto p = wgf::make_density(name);
    const auto& mix = dynamic_cast<const wgf::GaussianMixture&>(*p);
    Eigen::Vector2d mean = Eigen::Vector2d::Zero();
    Eigen::Matrix2d second = Eigen::Matrix2d::Zero();
    double wsum = 0;
    for (const auto& c : mix.components()) {
      mean += c.weight * c.mean;
      second += c.weight * (c.cov + c.mean * c.mean.transpose());
      wsum += c.weight;
    }
    CHECK(wsum == Approx(1.0).epsilon(1e-12));
    const Eigen::Matrix2d cov = second - mean * mean.transpose();
    wgf::Rng rng(8);
    const int n = 100000;
    const wgf::Points x = p->sample(rng, n);
    const Eigen::Vector2d em = x.rowwise().mean();
    // Standard error of each mean coordinate sqrt(var / n) <= sqrt(4 / 1e5) = 0.0063; 5 se.
    INFO(name);
    CHECK((em - mean).cwiseAbs().maxCoeff() < 5 * std::sqrt(cov.diagonal().maxCoeff() / n));
    const Eigen::MatrixXd c = x.colwise() - em;
    const Eigen::Matrix2d ecov = c * c.transpose() / (n - 1);
    // Relative error of a variance estimate ~ sqrt(2/n) for near-Gaussian tails; 3% is > 5 se.
    CHECK((ecov - cov).cwiseAbs().maxCoeff() < 0.03 * cov.cwiseAbs().maxCoeff());
  }
}

TEST_CASE("funnel: quadrature converges and matches the analytic t = 0 density", "[fast][density]") {
  wgf::Funnel coarse;              // default nodes
  wgf::Funnel fine(3.0, 4000);     // reference
  wgf::Points x(2, 6);
  x << -8.0, -4.0, -1.0, 0.5, 3.0, 7.5,
        0.01, -0.2, 1.0, -2.0, 6.0, -40.0;
  auto sch = wgf::make_cosine_vp();
  for (double t : {0.0, 1e-4, 0.01, 0.2, 1.0, 5.0}) {
    const double m = sch->mean_coef(t), s = sch->sigma(t);
    const wgf::Vec a = coarse.log_prob(x, m, s), b = fine.log_prob(x, m, s);
    const wgf::Points ga = coarse.score(x, m, s), gb = fine.score(x, m, s);
    for (int j = 0; j < 6; ++j) {
      INFO("t=" << t << " point " << j);
      // Stated accuracy (density.hpp): relative error of p_t and of the score below 1e-9.
      CHECK(std::abs(a[j] - b[j]) < 1e-9);
      CHECK((ga.col(j) - gb.col(j)).norm() < 1e-9 * (1 + gb.col(j).norm()));
    }
  }
  // t = 0: log N(v; 0, 9) + log N(x; 0, e^v) exactly (the posterior collapses onto v).
  const wgf::Vec l0 = coarse.log_prob(x, 1.0, 0.0);
  for (int j = 0; j < 6; ++j) {
    const double v = x(0, j), xx = x(1, j);
    const double expect = -0.5 * (kLog2Pi + std::log(9.0) + v * v / 9.0) - 0.5 * (kLog2Pi + v + xx * xx / std::exp(v));
    CHECK(l0[j] == Approx(expect).epsilon(1e-12));
  }
}

TEST_CASE("density: unknown names and bad mixtures give clear errors", "[fast][density]") {
  CHECK_THROWS_WITH(wgf::make_density("gmm9"), Catch::Contains("expected one of gaussian, gmm8"));
  wgf::GaussianComponent c;
  c.mean = wgf::Vec::Zero(2);
  c.cov = Eigen::MatrixXd::Identity(2, 2);
  c.cov(1, 1) = -1;
  CHECK_THROWS_WITH(wgf::GaussianMixture("user", {c}), Catch::Contains("component 0: cov must be positive definite"));
  c.cov(1, 1) = 1;
  c.weight = 0;
  CHECK_THROWS_WITH(wgf::GaussianMixture("user", {c}), Catch::Contains("weight must be"));
  CHECK_THROWS_WITH(wgf::GaussianMixture("user", {}), Catch::Contains("at least one component"));
}
