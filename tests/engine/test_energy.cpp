// The OU free energy E[rho] = int |x|^2/2 rho + int rho log rho and KL(rho || N(0, I)) on a
// grid, against the Gaussian closed forms; and its decrease along the forward flow.
#include <catch2/catch.hpp>
#include <cmath>

#include "wgf/energy.hpp"
#include "wgf/schedule.hpp"

namespace {

constexpr double kPi = 3.14159265358979323846;

std::shared_ptr<wgf::GaussianMixture> gaussian(double mx, double my, double var) {
  wgf::GaussianComponent c;
  c.mean = wgf::Vec(2);
  c.mean << mx, my;
  c.cov = var * Eigen::MatrixXd::Identity(2, 2);
  return std::make_shared<wgf::GaussianMixture>("g", std::vector<wgf::GaussianComponent>{c});
}

wgf::Grid2D box(double half, int n) {
  wgf::Grid2D g;
  g.x_min = g.y_min = -half;
  g.x_max = g.y_max = half;
  g.nx = g.ny = n;
  return g;
}

}  // namespace

TEST_CASE("energy: Gaussian closed forms for every (m, sigma)", "[fast][energy]") {
  // x_t = m x0 + sigma eps with x0 ~ N(mu, v I) is N(m mu, (m^2 v + sigma^2) I) = N(a, s2 I):
  //   potential = (|a|^2 + 2 s2)/2, int rho log rho = -(1 + log(2 pi s2)),
  //   KL(N(a, s2 I) || N(0, I)) = s2 + |a|^2/2 - 1 - log s2.
  auto p = gaussian(0.8, -0.5, 0.3);
  const wgf::Grid2D g = box(8.0, 201);
  for (double t : {0.0, 0.1, 0.5, 1.0, 3.0}) {
    const double m = std::exp(-t), sigma = std::sqrt(1 - std::exp(-2 * t));
    const double s2 = m * m * 0.3 + sigma * sigma, a2 = m * m * (0.64 + 0.25);
    const wgf::OuEnergy e = wgf::ou_energy(*p, m, sigma, g);
    CAPTURE(t);
    CHECK(e.mass == Approx(1.0).margin(1e-9));
    CHECK(e.potential == Approx((a2 + 2 * s2) / 2).margin(1e-9));
    CHECK(e.neg_entropy == Approx(-(1 + std::log(2 * kPi * s2))).margin(1e-8));
    CHECK(e.energy == Approx(e.potential + e.neg_entropy).margin(1e-12));
    CHECK(e.kl_to_normal == Approx(s2 + a2 / 2 - 1 - std::log(s2)).margin(1e-8));
  }
  // The standard normal is the minimiser: KL 0 and E = -log(2 pi).
  const wgf::OuEnergy n = wgf::ou_energy(*gaussian(0, 0, 1), 1.0, 0.0, g);
  CHECK(n.kl_to_normal == Approx(0.0).margin(1e-9));
  CHECK(n.energy == Approx(-std::log(2 * kPi)).margin(1e-9));
}

TEST_CASE("energy: E[rho_t] and KL decrease along the forward OU flow of gmm8", "[fast][energy]") {
  // The forward process is the Wasserstein gradient flow of E (paper Sec. 4): E never increases.
  auto p = wgf::make_density("gmm8");
  auto s = wgf::make_cosine_vp();
  const wgf::Grid2D g = box(5.0, 161);
  double prev = INFINITY;
  for (int k : {1, 50, 100, 200, 300, 400, 600, 800, 1000}) {
    const double t = s->time(k);
    const wgf::OuEnergy e = wgf::ou_energy(*p, s->mean_coef(t), s->sigma(t), g);
    CAPTURE(k, t, e.energy);
    CHECK(e.mass == Approx(1.0).margin(1e-4));
    CHECK(e.energy < prev);
    CHECK(e.kl_to_normal > -1e-6);
    prev = e.energy;
  }
  CHECK(prev == Approx(-std::log(2 * kPi)).margin(1e-4));  // t_T: essentially N(0, I)
}

TEST_CASE("energy: errors name the mismatch", "[fast][energy]") {
  CHECK_THROWS_WITH(wgf::ou_energy_on_grid(wgf::Vec::Zero(3), box(1.0, 4)),
                    Catch::Contains("3 values for a grid of 16 nodes"));
}
