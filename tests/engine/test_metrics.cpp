#include <catch2/catch.hpp>
#include <cmath>

#include <Eigen/Eigenvalues>

#include "wgf/metrics.hpp"
#include "wgf/ou.hpp"

namespace {
constexpr double kPi = 3.14159265358979323846;
wgf::Points gauss(int D, int n, double mean, double sd, std::uint64_t seed) {
  wgf::Rng r(seed);
  wgf::Points x(D, n);
  wgf::sample_normal(r, x);
  return (x * sd).array() + mean;
}
double Phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }
}  // namespace

TEST_CASE("metrics: sliced Wasserstein of a pure shift is |c| / sqrt(2) in 2D", "[fast][metrics]") {
  const wgf::Points x = gauss(2, 500, 0, 1, 1);
  wgf::Points y = x;
  y.row(0).array() += 0.3;
  y.row(1).array() -= 0.4;
  wgf::Rng r(2);
  // E_theta (c . theta)^2 = |c|^2 / 2 on the circle; with 4000 projections the Monte Carlo
  // relative error of the mean of cos^2 is sqrt(1/8 / 4000) / (1/2) = 1.1%, 0.6% on the sqrt.
  CHECK(wgf::sliced_wasserstein(x, y, 4000, r) == Approx(0.5 / std::sqrt(2.0)).epsilon(0.03));
  wgf::Rng r2(2);
  CHECK(wgf::sliced_wasserstein(x, x, 16, r2) == 0.0);
}

TEST_CASE("metrics: RBF MMD matches the Gaussian closed form", "[fast][metrics]") {
  // X ~ N(0, I), Y ~ N(d e_1, I) in 2D, bandwidth h:
  // MMD^2 = 2 (h^2 / (h^2 + 2))^{D/2} (1 - exp(-d^2 / (2 (h^2 + 2)))).
  const double h = 1.5, d = 1.0;
  const wgf::Points x = gauss(2, 1500, 0, 1, 3);
  wgf::Points y = gauss(2, 1500, 0, 1, 4);
  y.row(0).array() += d;
  const double expect = 2 * (h * h / (h * h + 2)) * (1 - std::exp(-d * d / (2 * (h * h + 2))));
  // Unbiased estimate; its standard deviation at n = 1500 is ~4e-3 here.
  CHECK(wgf::mmd_rbf(x, y, h) == Approx(expect).margin(0.015));
  const wgf::Points z = gauss(2, 1500, 0, 1, 5);
  CHECK(std::abs(wgf::mmd_rbf(x, z, h)) < 0.01);
}

TEST_CASE("metrics: energy distance matches the 1D Gaussian closed form", "[fast][metrics]") {
  // X ~ N(0, 1), Y ~ N(d, 1): E|X - Y| with X - Y ~ N(-d, 2) is
  // sqrt(4/pi) e^{-d^2/4} + d (1 - 2 Phi(-d / sqrt 2)); E|X - X'| = 2 / sqrt(pi).
  const double d = 0.8;
  const wgf::Points x = gauss(1, 2000, 0, 1, 6);
  wgf::Points y = gauss(1, 2000, 0, 1, 7);
  y.array() += d;
  const double exy = std::sqrt(4 / kPi) * std::exp(-d * d / 4) + d * (1 - 2 * Phi(-d / std::sqrt(2.0)));
  const double expect = 2 * exy - 2 * (2 / std::sqrt(kPi));
  // U-statistic standard deviation at n = 2000 is ~0.01.
  CHECK(wgf::energy_distance(x, y) == Approx(expect).margin(0.04));
}

TEST_CASE("metrics: grid KL of a half-box against the full box is log 2", "[fast][metrics]") {
  wgf::Rng r(8);
  const int n = 200000;
  wgf::Points x(2, n), y(2, n);
  for (int j = 0; j < n; ++j) {
    x(0, j) = -1 + r.uniform();      // left half of [-1, 1]^2
    x(1, j) = -1 + 2 * r.uniform();
    y(0, j) = -1 + 2 * r.uniform();  // whole box
    y(1, j) = -1 + 2 * r.uniform();
  }
  // Histograms of 16 x 16 cells with ~800 points each: relative noise ~3.5% per cell, which
  // averages to well under 0.01 in the KL; alpha = 1 count is negligible.
  CHECK(wgf::grid_kl_2d(x, y, 16, -1, 1) == Approx(std::log(2.0)).margin(0.01));
  CHECK(wgf::grid_kl_2d(x, x, 16, -1, 1) == Approx(0.0).margin(1e-12));
}

TEST_CASE("metrics: grid box from quantiles and the sample report's floor", "[fast][metrics]") {
  wgf::Points x(2, 1001);
  for (int j = 0; j <= 1000; ++j) x(0, j) = j / 1000.0, x(1, j) = 0.5;  // x in [0, 1], y = 0.5
  x(1, 0) = 100.0;                                                        // one far outlier
  const wgf::Box2d b = wgf::grid_box_2d(x, 0.005, 0.1);
  // Order statistics at floor(0.005 * 1000) = 5 and 995 of x: 0.005, 0.995; the outlier is
  // above y's 99.5% quantile and ignored; padding 10% of 0.99 each side.
  CHECK(b.lo == Approx(0.005 - 0.099).epsilon(1e-12));
  CHECK(b.hi == Approx(0.995 + 0.099).epsilon(1e-12));
  // A perfect sampler (fresh draws of the density itself) scores like the floor.
  auto p = wgf::make_density("gmm8");
  wgf::Rng r(1), e(2);
  const wgf::SampleReport rep = wgf::evaluate_samples(p->sample(r, 1000), *p, e);
  CHECK(rep.metrics.swd < 2.5 * rep.reference_floor.swd);
  CHECK(rep.reference_floor.swd > 0.0);
  CHECK(std::isfinite(rep.metrics.grid_kl));
}

namespace {
// n points in D with sample mean exactly mu and unbiased sample covariance exactly S:
// Gaussian draws, centred and whitened by their own Cholesky factor, then coloured by S's.
wgf::Points with_moments(const Eigen::VectorXd& mu, const Eigen::MatrixXd& S, int n, std::uint64_t seed) {
  wgf::Points z = gauss(static_cast<int>(mu.size()), n, 0, 1, seed);
  z = z.colwise() - z.rowwise().mean();
  const Eigen::MatrixXd c = z * z.transpose() / (n - 1.0);
  const Eigen::MatrixXd white = c.llt().matrixL().solve(z);
  return (S.llt().matrixL() * white).colwise() + mu;
}
}  // namespace

TEST_CASE("metrics: Frechet distance matches the Gaussian closed form", "[fast][metrics]") {
  // Diagonal (commuting) covariances: |mu1 - mu2|^2 + sum_i (sqrt a_i - sqrt b_i)^2 exactly.
  Eigen::VectorXd m1(3), m2(3);
  m1 << 0.5, -1, 2;
  m2 << 0, 0, 1;
  const Eigen::Vector3d a(1.0, 4.0, 0.25), b(2.0, 1.0, 0.25);
  const wgf::Points x = with_moments(m1, a.asDiagonal(), 400, 11), y = with_moments(m2, b.asDiagonal(), 300, 12);
  const double expect = (m1 - m2).squaredNorm() + (a.cwiseSqrt() - b.cwiseSqrt()).squaredNorm();
  CHECK(wgf::frechet_distance(x, y) == Approx(expect).epsilon(1e-9));
  CHECK(std::abs(wgf::frechet_distance(x, x)) < 1e-9);
  // Non-commuting covariances: tr (S1 S2)^1/2 = sum of sqrt of the (real, >= 0) eigenvalues of
  // the non-symmetric product S1 S2, an independent route from the symmetric one in the engine.
  Eigen::Matrix2d s1, s2;
  s1 << 2.0, 0.8, 0.8, 1.0;
  s2 << 0.5, -0.3, -0.3, 1.5;
  const Eigen::Vector2d z2 = Eigen::Vector2d::Zero();
  const wgf::Points u = with_moments(z2, s1, 200, 13), v = with_moments(z2, s2, 200, 14);
  const Eigen::VectorXcd ev = Eigen::EigenSolver<Eigen::Matrix2d>(s1 * s2).eigenvalues();
  const double tr_sqrt = std::sqrt(ev(0).real()) + std::sqrt(ev(1).real());
  CHECK(wgf::frechet_distance(u, v) == Approx(s1.trace() + s2.trace() - 2 * tr_sqrt).epsilon(1e-9));
  CHECK_THROWS_AS(wgf::frechet_distance(u, wgf::Points(3, 5)), std::invalid_argument);
}
