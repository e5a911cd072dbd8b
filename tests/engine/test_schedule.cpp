#include <catch2/catch.hpp>
#include <cmath>

#include "wgf/ou.hpp"
#include "wgf/schedule.hpp"

namespace {
constexpr double kPi = 3.14159265358979323846;
}

TEST_CASE("schedule: cosine grid follows paper Eq. 6 and clips beta at 0.999", "[fast][schedule]") {
  auto s = wgf::make_cosine_vp(1000);
  REQUIRE(s->T() == 1000);
  CHECK(s->time(0) == 0.0);
  auto f = [](double k) {
    const double c = std::cos((k / 1000.0 + 0.008) / 1.008 * kPi / 2);
    return c * c;
  };
  // Where no beta is clipped, abar_k = e^{-2 t_k} equals f(k)/f(0) up to the rounding of the
  // running log-sum (1e-12 relative is ~1000 roundings of 1e-16).
  for (int k : {1, 10, 100, 500, 900, 990})
    CHECK(std::exp(-2 * s->time(k)) == Approx(f(k) / f(0)).epsilon(1e-10));
  // The last beta is clipped: t_T - t_{T-1} = -1/2 log(1 - 0.999).
  CHECK(s->time(1000) - s->time(999) == Approx(-0.5 * std::log(0.001)).epsilon(1e-12));
  CHECK(std::isfinite(s->t_max()));
  for (int k = 1; k <= 1000; ++k) REQUIRE(s->time(k) > s->time(k - 1));
}

TEST_CASE("schedule: VP identities m^2 + sigma^2 = 1 and index inverts time", "[fast][schedule]") {
  for (const char* name : {"cosine", "linear"}) {
    auto s = wgf::make_schedule(name);
    for (double t : {1e-6, 1e-3, 0.1, 1.0, 5.0}) {
      CHECK(std::pow(s->mean_coef(t), 2) + std::pow(s->sigma(t), 2) == Approx(1.0).epsilon(1e-14));
    }
    // small-t accuracy: sigma^2 = 1 - e^{-2t} ~ 2t
    CHECK(s->sigma(1e-10) == Approx(std::sqrt(2e-10)).epsilon(1e-8));
    for (int k : {0, 1, 37, 500, 999, 1000}) CHECK(s->index(s->time(k)) == Approx(k).margin(1e-9));
    CHECK(s->index(0.5 * (s->time(10) + s->time(11))) == Approx(10.5).margin(1e-9));
  }
}

TEST_CASE("schedule: linear betas give DDPM's abar", "[fast][schedule]") {
  auto s = wgf::make_linear_vp(1000, 1e-4, 0.02);
  double abar = 1.0;
  for (int k = 1; k <= 1000; ++k) {
    abar *= 1.0 - (1e-4 + (0.02 - 1e-4) * (k - 1) / 999.0);
    if (k % 100 == 0) CHECK(std::exp(-2 * s->time(k)) == Approx(abar).epsilon(1e-10));
  }
}

TEST_CASE("schedule: VE endpoints and identities", "[fast][schedule]") {
  auto s = wgf::make_ve(1000, 0.01, 20.0);
  CHECK(s->time(0) == 0.0);
  CHECK(s->time(1) == Approx(0.01));
  CHECK(s->time(1000) == Approx(20.0));
  CHECK(s->sigma(3.0) == 3.0);
  CHECK(s->mean_coef(3.0) == 1.0);
  // g^2 = d sigma^2 / dt
  CHECK(s->diffusion_sq(2.0) == Approx(((2.0 + 1e-6) * (2.0 + 1e-6) - (2.0 - 1e-6) * (2.0 - 1e-6)) / 2e-6));
}

TEST_CASE("schedule: bad names and indices are rejected with a message", "[fast][schedule]") {
  CHECK_THROWS_WITH(wgf::make_schedule("cosin"), Catch::Contains("expected cosine, linear or ve"));
  auto s = wgf::make_cosine_vp(10);
  CHECK_THROWS_AS(s->time(11), std::out_of_range);
  CHECK_THROWS_AS(s->index(-1.0), std::invalid_argument);
}

TEST_CASE("ou: forward marginal mean and covariance by Monte Carlo", "[fast][ou]") {
  auto s = wgf::make_cosine_vp();
  wgf::Rng rng(11);
  const int n = 200000;
  const double t = 0.4;
  wgf::Points x0(2, n);
  x0.row(0).setConstant(1.5);
  x0.row(1).setConstant(-0.5);
  wgf::Points eps(2, n);
  wgf::sample_normal(rng, eps);
  const wgf::Points xt = wgf::ou_forward(*s, x0, eps, t);
  const Eigen::Vector2d mean = xt.rowwise().mean();
  const Eigen::MatrixXd c = xt.colwise() - mean;
  const Eigen::Matrix2d cov = c * c.transpose() / (n - 1);
  const double sig2 = 1 - std::exp(-2 * t);
  // Standard error of the mean sigma/sqrt(n) = 0.0015, of a variance sig2 sqrt(2/n) = 0.0016.
  CHECK(mean(0) == Approx(std::exp(-t) * 1.5).margin(5 * 0.0015));
  CHECK(mean(1) == Approx(std::exp(-t) * -0.5).margin(5 * 0.0015));
  CHECK(cov(0, 0) == Approx(sig2).margin(5 * 0.0016));
  CHECK(cov(1, 1) == Approx(sig2).margin(5 * 0.0016));
  CHECK(cov(0, 1) == Approx(0.0).margin(5 * 0.0016));
  // Conditional score = -eps / sigma exactly.
  const wgf::Points cs = wgf::ou_conditional_score(*s, eps.leftCols(3), t);
  CHECK((cs + eps.leftCols(3) / std::sqrt(sig2)).cwiseAbs().maxCoeff() < 1e-14);
}
