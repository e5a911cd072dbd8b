#include <catch2/catch.hpp>
#include <cmath>

#include "wgf/density.hpp"
#include "wgf/empirical.hpp"
#include "wgf/ou.hpp"

// The empirical density is the sigma0 -> 0 limit of a Gaussian mixture centred at the data:
// with Sigma_i = 1e-14 I the mixture's noisy covariance m^2 1e-14 + sigma^2 equals sigma^2 to
// ~1e-13 relative, so scores and log-densities must agree to ~1e-10.
TEST_CASE("empirical density: matches the Gaussian mixture at the data and its own finite differences", "[fast][density]") {
  const int D = 5, N = 37;
  wgf::Rng rng(8);
  wgf::Points data(D, N);
  wgf::sample_normal(rng, data);
  std::vector<wgf::GaussianComponent> comps;
  for (int i = 0; i < N; ++i) comps.push_back({1.0, data.col(i), 1e-14 * Eigen::MatrixXd::Identity(D, D)});
  const wgf::GaussianMixture mix("mix", comps);
  const wgf::EmpiricalDensity small_chunks("emp", data, 4), one_chunk("emp", data);
  wgf::Points x(D, 9);
  wgf::sample_normal(rng, x);
  for (const auto& [m, sigma] : std::vector<std::pair<double, double>>{{0.99, 0.1}, {0.6, 0.8}, {0.05, 1.0}}) {
    INFO("m " << m << " sigma " << sigma);
    const wgf::Points s = small_chunks.score(x, m, sigma), s_mix = mix.score(x, m, sigma);
    CHECK((s - s_mix).cwiseAbs().maxCoeff() < 1e-8 * (1 + s_mix.cwiseAbs().maxCoeff()));
    CHECK((small_chunks.log_prob(x, m, sigma) - mix.log_prob(x, m, sigma)).cwiseAbs().maxCoeff() < 1e-8);
    // Chunking (online log-sum-exp) changes nothing but rounding.
    CHECK((s - one_chunk.score(x, m, sigma)).cwiseAbs().maxCoeff() < 1e-10 * (1 + s.cwiseAbs().maxCoeff()));
    // Central differences of log p_t, step 1e-5: error O(h^2 |d3 log p|) ~ 1e-8 here.
    for (int d = 0; d < D; ++d) {
      wgf::Points xp = x, xm = x;
      xp.row(d).array() += 1e-5;
      xm.row(d).array() -= 1e-5;
      const wgf::Vec fd = (small_chunks.log_prob(xp, m, sigma) - small_chunks.log_prob(xm, m, sigma)) / 2e-5;
      CHECK((fd.transpose() - s.row(d)).cwiseAbs().maxCoeff() < 1e-5 * (1 + s.row(d).cwiseAbs().maxCoeff()));
    }
  }
  // Far from the data (|x - m x_i|^2 / 2 sigma^2 ~ 1e4) the log-sum-exp must not underflow.
  const wgf::Points far = wgf::Points::Constant(D, 1, 30.0);
  CHECK(small_chunks.score(far, 1.0, 0.2).allFinite());
  CHECK(std::isfinite(small_chunks.log_prob(far, 1.0, 0.2)(0)));
  CHECK_THROWS_AS(small_chunks.score(x, 1.0, 0.0), std::invalid_argument);
  CHECK_THROWS_AS(wgf::EmpiricalDensity("e", wgf::Points(3, 0)), std::invalid_argument);
  // Samples are data points.
  wgf::Rng r2(1);
  const wgf::Points smp = small_chunks.sample(r2, 20);
  for (int j = 0; j < 20; ++j) CHECK(((data.colwise() - smp.col(j)).colwise().squaredNorm().minCoeff()) == 0.0);
}
