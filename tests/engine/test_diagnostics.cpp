// Jacobian asymmetry (Eq. 5), curl, divergence and the Stein check (Eqs. 20-21) against
// analytic truth, on the test fields whose answers are known in closed form; the field-spec
// parser; the time sweep.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <memory>

#include "wgf/diagnostics.hpp"
#include "wgf/metrics.hpp"
#include "wgf/mlp.hpp"
#include "wgf/ou.hpp"
#include "wgf/sampler.hpp"
#include "wgf/test_fields.hpp"

namespace {

constexpr double kPi = 3.14159265358979323846;

std::shared_ptr<const wgf::Schedule> cosine() { return wgf::make_cosine_vp(1000); }
std::shared_ptr<const wgf::Density> density(const char* name) { return wgf::make_density(name); }

// N forward samples x_t = m x0 + sigma eps of a density at time t.
wgf::Points forward_samples(const wgf::Density& p, const wgf::Schedule& s, double t, int n, std::uint64_t seed) {
  wgf::Rng r(seed);
  const wgf::Points x0 = p.sample(r, n);
  wgf::Points eps(p.dim(), n);
  wgf::sample_normal(r, eps);
  return wgf::ou_forward(s, x0, eps, t);
}

// Laplacian of log p_t = div of the exact score, by this test's own central differences
// (step 2e-5: truncation ~ h^2 s''' / 6 < 1e-6 here, rounding ~ 1e-16 |s| / h ~ 1e-10).
wgf::Vec laplacian_log_p(const wgf::VectorField& s, const wgf::Points& x, double t) {
  const double h = 2e-5;
  wgf::Vec lap = wgf::Vec::Zero(x.cols());
  for (int d = 0; d < 2; ++d) {
    wgf::Points xp = x, xm = x;
    xp.row(d).array() += h;
    xm.row(d).array() -= h;
    lap += ((s.eval(xp, t) - s.eval(xm, t)).row(d) / (2 * h)).transpose();
  }
  return lap;
}

std::shared_ptr<wgf::Mlp> random_mlp(int dim, int width, std::uint64_t seed) {
  wgf::MlpConfig c;
  c.dim = dim;
  c.width = width;
  c.depth = 3;
  c.time_features = 4;
  return std::make_shared<wgf::Mlp>(c, seed);
}


}  // namespace

// ---- field specs ---------------------------------------------------------------------------
TEST_CASE("test fields: make_field parses every spec and rejects bad ones by name", "[fast][diagnostics]") {
  auto p = density("gmm8");
  auto s = cosine();
  CHECK(wgf::make_field("exact", p, s)->name() == "exact");
  CHECK(wgf::make_field("exact+rot:0.5", p, s)->name() == "exact+rot:0.5");
  CHECK(wgf::make_field("exact+const:1,-2.5", p, s)->name() == "exact+const:1,-2.5");
  CHECK(wgf::make_field("linear:1,2,3,4", p, s)->name() == "linear:1,2,3,4");
  CHECK(wgf::make_field("linear:1,2,3,4", nullptr, nullptr)->exact_jvp());

  for (const char* bad : {"exact+rot:", "exact+rot:abc", "exact+rot:1,2", "exact+rot:1e999", "exact+const:1",
                          "exact+const:1,2,3", "linear:1,2,3", "linear:1,2,3,4,5", "linear:1,,3,4", "linear:1,2,3,4x",
                          "mlp:", "bogus", "Exact"}) {
    INFO(bad);
    CHECK_THROWS_AS(wgf::make_field(bad, p, s), std::invalid_argument);
    CHECK_THROWS_WITH(wgf::make_field(bad, p, s), Catch::Contains(std::string("'") + bad + "'"));
  }
  CHECK_THROWS_WITH(wgf::make_field("exact", nullptr, s), Catch::Contains("density"));
  // The rotated score is 2D only.
  wgf::GaussianComponent c3;
  c3.mean = wgf::Vec::Zero(3);
  c3.cov = Eigen::MatrixXd::Identity(3, 3);
  auto p3 = std::make_shared<const wgf::GaussianMixture>("g3", std::vector<wgf::GaussianComponent>{c3});
  CHECK_THROWS_WITH(wgf::make_field("exact+rot:1", p3, s), Catch::Contains("2D only"));
  CHECK(wgf::make_field("exact+const:1,2,3", p3, s)->dim() == 3);
}

TEST_CASE("test fields: mlp:FILE loads a checkpoint as MlpField; mismatches are errors", "[fast][diagnostics]") {
  auto net = random_mlp(2, 16, 3);
  const std::string path = "test_diagnostics_mlp.bin";
  net->save(path);
  auto p = density("gmm8");
  const auto f = wgf::make_field("mlp:" + path, p, cosine());
  const wgf::MlpField ref(net);
  const wgf::Points x = wgf::Points::Random(2, 9);
  CHECK((f->eval(x, 0.3) - ref.eval(x, 0.3)).norm() == 0.0);
  CHECK(f->exact_jvp());
  CHECK_THROWS_WITH(wgf::make_field("mlp:" + path, p, wgf::make_schedule("ve")), Catch::Contains("schedule"));
  wgf::GaussianComponent c3;
  c3.mean = wgf::Vec::Zero(3);
  c3.cov = Eigen::MatrixXd::Identity(3, 3);
  auto p3 = std::make_shared<const wgf::GaussianMixture>("g3", std::vector<wgf::GaussianComponent>{c3});
  CHECK_THROWS_WITH(wgf::make_field("mlp:" + path, p3, cosine()), Catch::Contains("dimension"));
  CHECK_THROWS(wgf::make_field("mlp:does-not-exist.bin", p, cosine()));
  std::remove(path.c_str());
}

// ---- exact score -------------------------------------------------------------------------
TEST_CASE("exact score: symmetric Jacobian, zero curl, S = 0 pointwise", "[fast][diagnostics]") {
  auto s = cosine();
  for (const char* name : {"gmm8", "gaussian"}) {
    auto p = density(name);
    const wgf::ExactScore truth(p, s);
    const auto field = wgf::make_field("exact", p, s);
    for (int k : {50, 300, 700}) {
      const double t = s->time(k);
      const wgf::Points x = forward_samples(*p, *s, t, 200, 7);
      const Eigen::MatrixXd J = wgf::sub_jacobian(truth, x, t, {0, 1});
      const auto asym = wgf::jacobian_asymmetry(J, {0, 1});
      // The JVP is a central difference with h = 6e-6 max(1, |x|): truncation h^2 s'''/6 and
      // rounding 1e-16 |s| / h are both below 1e-7 |J| even at k = 50 (|J| ~ 1/variance ~ 20).
      const double tol = 1e-6 * std::max(1.0, J.cwiseAbs().maxCoeff());
      INFO(name << " k=" << k);
      CHECK(asym.abs_max.maxCoeff() < tol);
      CHECK(asym.rel.maxCoeff() < 1e-6);
      CHECK(wgf::curl_2d(truth, x, t).cwiseAbs().maxCoeff() < tol);
      // field and truth are separate objects computing the same numbers: e = 0, S = 0.
      wgf::Rng r(1);
      const auto sv = wgf::stein_values(truth, *field, x, t, {}, r);
      CHECK(sv.stein.cwiseAbs().maxCoeff() == 0.0);
      const auto sum = wgf::summarize(sv);
      CHECK(sum.error_l2 == 0.0);
      CHECK(sum.stein_cancellation == 0.0);
    }
  }
}

// ---- exact+rot:A -----------------------------------------------------------------------------
TEST_CASE("exact+rot: loop = A x outward flux of s_true; curl = A lap log p; S = 0", "[fast][diagnostics]") {
  auto s = cosine();
  const double A = 0.7;
  for (const char* name : {"gmm8", "gaussian"}) {
    auto p = density(name);
    const wgf::ExactScore truth(p, s);
    const auto rot = wgf::make_field("exact+rot:0.7", p, s);
    for (int k : {100, 400}) {
      const double t = s->time(k);
      INFO(name << " k=" << k);
      // Flux of s_true through the circle by the periodic trapezoid rule (spectrally accurate
      // for this smooth periodic integrand; 4096 nodes are converged to rounding).
      const double cx = 0.5, cy = 0.2, r = 1.8;
      const int M = 4096;
      wgf::Points q(2, M), nrm(2, M);
      for (int i = 0; i < M; ++i) {
        const double a = 2 * kPi * i / M;
        nrm.col(i) << std::cos(a), std::sin(a);
        q.col(i) << cx + r * nrm(0, i), cy + r * nrm(1, i);
      }
      const double flux = (truth.eval(q, t).cwiseProduct(nrm)).sum() * r * 2 * kPi / M;
      const auto li = wgf::loop_integrals(*rot, wgf::circle_path(Eigen::Vector2d(cx, cy), r, 4000), t);
      // Midpoint rule on the 4000-gon: relative error O((2 pi / 4000)^2) ~ 2.5e-6 of the
      // integrand's scale loop_norm, plus the exact part's own O(N^-2) remainder.
      CHECK(li.integral[0] == Approx(A * flux).margin(1e-5 * li.norm[0]));
      CHECK(std::abs(A * flux) > 1e-3 * li.norm[0]);  // the value being matched is not ~0

      const wgf::Points x = forward_samples(*p, *s, t, 100, 3);
      const wgf::Vec curl = wgf::curl_2d(*rot, x, t);
      const wgf::Vec lap = laplacian_log_p(truth, x, t);
      // Two central differences (h = 6e-6 and 2e-5 scaled) of the same smooth score: both
      // accurate to ~1e-7 relative of |lap| <~ 60.
      CHECK((curl - A * lap).cwiseAbs().maxCoeff() < 1e-5 * std::max(1.0, lap.cwiseAbs().maxCoeff()));

      // e = -A R s_true: div e = -A (d_1 s_2 - d_2 s_1)... = 0 and s_true . R s_true = 0, so
      // S vanishes up to the FD asymmetry of the exact Jacobian (1e-7 relative) and rounding.
      wgf::Rng rr(2);
      const auto sv = wgf::stein_values(truth, *rot, x, t, {}, rr);
      const double scale = truth.eval(x, t).squaredNorm() / x.cols();  // E|s|^2 ~ |J|
      CHECK(wgf::summarize(sv).stein_rms < 1e-6 * (1.0 + scale));
      // div e and s . e vanish separately here: the floored ratio reads "cancelled" (~0).
      CHECK(wgf::summarize(sv).stein_cancellation < 1e-2);
      CHECK(wgf::summarize(sv).error_l2 == Approx(A * A * scale).epsilon(1e-12));
    }
  }
}

TEST_CASE("exact+rot: ODE samples match the exact sampler's within Monte Carlo error; +const does not",
          "[slow][diagnostics]") {
  // The rotated score transports the true marginals exactly (its error is in the Stein null
  // kernel), so its probability-flow samples are draws of the same law: their SWD to an
  // exact run has the law of the noise floor (exact runs against the same exact run). A
  // shifted score (+const) moves the samples: its SWD is far above that floor.
  // Grid: uniform in t. On the k grid the first step spans t_999 -> t_1000 = 6.46 -> 9.92 (the
  // 0.999 beta clip of the cosine schedule) in one go; the exact field's velocity -x - s
  // vanishes there, but the rotational part A R s ~ -A R x turns the particles by 3.45 A rad
  // in that single step, which no explicit solver resolves (A = 1: SWD 8 instead of 0.09).
  auto s = cosine();
  auto p = density("gmm8");
  const wgf::ExactScore exact(p, s);
  const auto rot = wgf::make_field("exact+rot:1", p, s);
  const auto shifted = wgf::make_field("exact+const:0.5,-0.3", p, s);
  wgf::SamplerConfig cfg;
  cfg.kind = wgf::SamplerKind::OdeRk4;
  cfg.grid = wgf::TimeGrid::T;
  cfg.steps = 100;  // converged: 200 and 400 steps give the same SWDs to 3 digits
  const int n = 2000;
  auto run = [&](const wgf::VectorField& f, std::uint64_t seed) {
    wgf::Rng r(seed);
    return wgf::sample(f, *s, cfg, n, r);
  };
  auto swd = [](const wgf::Points& x, const wgf::Points& y) {
    wgf::Rng proj(1);
    return wgf::sliced_wasserstein(x, y, 64, proj);
  };
  const wgf::Points ref = run(exact, 2);
  const double floor = (swd(run(exact, 3), ref) + swd(run(exact, 4), ref) + swd(run(exact, 5), ref)) / 3;
  const double d_rot = (swd(run(*rot, 6), ref) + swd(run(*rot, 7), ref)) / 2;
  const wgf::Points xc = run(*shifted, 8);
  const double d_const = swd(xc, ref);
  INFO("floor " << floor << " rot " << d_rot << " const " << d_const);
  // Single SWDs of independent 2000-point draws scatter by +-40% around their mean (seen:
  // 0.06-0.12 for gmm8); averaging 3 and 2 of them, 1.5x leaves > 3 standard deviations.
  CHECK(d_rot < 1.5 * floor);
  CHECK(d_const > 10.0 * floor);
  // The shift: the mean moves along c (backward integration of the extra velocity -c).
  const Eigen::Vector2d c(0.5, -0.3);
  const Eigen::Vector2d dmean = xc.rowwise().mean() - ref.rowwise().mean();
  const double se = std::sqrt(2.0 * 2.04 / n);  // per-coordinate variance of gmm8 is 2 + 0.04; two means
  CHECK(dmean.dot(c.normalized()) > 4 * se);
}

// ---- exact+const ------------------------------------------------------------------------------
TEST_CASE("exact+const: S = -s_true . c; mean S ~ 0 (Stein's identity) but RMS S is not", "[fast][diagnostics]") {
  auto s = cosine();
  auto p = density("gmm8");
  const wgf::ExactScore truth(p, s);
  const auto f = wgf::make_field("exact+const:0.5,-0.3", p, s);
  for (int k : {100, 500}) {
    const double t = s->time(k);
    const wgf::Points x = forward_samples(*p, *s, t, 4000, 17);
    wgf::Rng r(4);
    const auto sv = wgf::stein_values(truth, *f, x, t, {}, r);
    const wgf::Vec sdotc = (truth.eval(x, t).transpose() * Eigen::Vector2d(0.5, -0.3));
    // Same JVPs for both fields: div e = 0 exactly, so S = s_true . e = -s_true . c.
    CHECK((sv.stein + sdotc).cwiseAbs().maxCoeff() < 1e-12 * (1 + sdotc.cwiseAbs().maxCoeff()));
    const auto sum = wgf::summarize(sv);
    INFO("k=" << k << " mean " << sum.stein_mean << " sem " << sum.stein_sem << " rms " << sum.stein_rms);
    CHECK(std::abs(sum.stein_mean) < 4 * sum.stein_sem);  // E_rho[S] = 0 (4 standard errors)
    CHECK(sum.stein_rms > 20 * sum.stein_sem);           // clearly non-zero pointwise
    CHECK(sum.stein_cancellation == Approx(1.0));        // div e = 0: nothing cancels
    CHECK(sum.error_l2 == Approx(0.34).epsilon(1e-12));  // |c|^2
  }
}

TEST_CASE("Stein identity: mean S ~ 0 even for a random MLP far from the null kernel", "[fast][diagnostics]") {
  // The caution of DESIGN.md in one test: a random network's error has mean S within Monte
  // Carlo error of 0 (any e growing at most polynomially: int div(rho e) = 0), yet the
  // cancellation ratio shows div e and s_true . e do not cancel point by point.
  auto s = cosine();
  auto p = density("gmm8");
  const wgf::ExactScore truth(p, s);
  const wgf::MlpField nn(random_mlp(2, 32, 5));
  for (int k : {200, 600}) {
    const double t = s->time(k);
    const wgf::Points x = forward_samples(*p, *s, t, 4000, 23);
    wgf::Rng r(1);
    const auto sum = wgf::summarize(wgf::stein_values(truth, nn, x, t, {}, r));
    INFO("k=" << k << " mean " << sum.stein_mean << " sem " << sum.stein_sem << " cancel " << sum.stein_cancellation);
    CHECK(std::abs(sum.stein_mean) < 4 * sum.stein_sem);
    CHECK(sum.stein_rms > 20 * sum.stein_sem);
    CHECK(sum.stein_cancellation > 0.3);
  }
}

// ---- linear ------------------------------------------------------------------------------------
TEST_CASE("linear: asymmetry |A12 - A21| and the closed-form relative asymmetry", "[fast][diagnostics]") {
  Eigen::MatrixXd A(2, 2);
  A << 0.3, -1.1, 0.7, -0.4;
  const auto f = wgf::make_field("linear:0.3,-1.1,0.7,-0.4", nullptr, nullptr);
  const wgf::Points x = wgf::Points::Random(2, 10) * 3;
  const auto asym = wgf::jacobian_asymmetry(*f, x, 0.5, {0, 1});
  const double rel = std::sqrt(2.0) * 1.8 / std::sqrt(4 * 0.09 + 4 * 0.16 + 2 * 0.16);  // ||A-A^T|| / ||A+A^T||
  for (int j = 0; j < 10; ++j) {
    CHECK(asym.abs_mean[j] == Approx(1.8).epsilon(1e-14));  // exact JVP: A v
    CHECK(asym.abs_max[j] == Approx(1.8).epsilon(1e-14));
    CHECK(asym.rel[j] == Approx(rel).epsilon(1e-14));
  }
  CHECK(wgf::curl_2d(*f, x, 0.5).isApproxToConstant(1.8, 1e-14));  // A21 - A12
  wgf::Rng r(0);
  CHECK(wgf::divergence(*f, x, 0.5, {}, r).isApproxToConstant(-0.1, 1e-14));
  // Central differences of a linear field are exact up to rounding (h = 1e-5: ~1e-11).
  const Eigen::MatrixXd Jfd = wgf::sub_jacobian_fd(*f, x, 0.5, {0, 1});
  for (int j = 0; j < 10; ++j) CHECK((Jfd.middleCols(2 * j, 2) - A).cwiseAbs().maxCoeff() < 1e-9);
}

TEST_CASE("linear, D = 100: the sub-Jacobian is A on the random coordinates", "[fast][diagnostics]") {
  const int D = 100;
  wgf::Rng gen(3);
  Eigen::MatrixXd A(D, D);
  for (int i = 0; i < D; ++i)
    for (int j = 0; j < D; ++j) A(i, j) = gen.normal();
  const wgf::LinearField f(A);
  const wgf::Points x = wgf::Points::Random(D, 5);
  wgf::Rng r1(42), r2(42);
  const auto asym = wgf::jacobian_asymmetry(f, x, 0.0, r1);
  REQUIRE(asym.coords.size() == 64);
  CHECK(asym.coords == wgf::random_coordinates(D, 64, r2));  // reproducible from the seed
  for (size_t i = 1; i < asym.coords.size(); ++i) CHECK(asym.coords[i] > asym.coords[i - 1]);  // distinct, sorted
  double sum = 0, mx = 0, anti = 0, sym = 0;
  for (int a = 0; a < 64; ++a)
    for (int b = 0; b < 64; ++b) {
      const double x1 = A(asym.coords[a], asym.coords[b]), x2 = A(asym.coords[b], asym.coords[a]);
      if (a < b) {
        sum += std::abs(x1 - x2);
        mx = std::max(mx, std::abs(x1 - x2));
      }
      anti += (x1 - x2) * (x1 - x2);
      sym += (x1 + x2) * (x1 + x2);
    }
  for (int j = 0; j < 5; ++j) {
    CHECK(asym.abs_mean[j] == Approx(sum / (64 * 63 / 2)).epsilon(1e-13));
    CHECK(asym.abs_max[j] == Approx(mx).epsilon(1e-13));
    CHECK(asym.rel[j] == Approx(std::sqrt(anti / sym)).epsilon(1e-13));
  }
  // Chunked JVPs (max_batch 7 < 64 x 5 columns) give the same blocks.
  CHECK((wgf::sub_jacobian(f, x, 0.0, asym.coords, 7) - wgf::sub_jacobian(f, x, 0.0, asym.coords)).norm() == 0.0);
}

// ---- MLP: exact JVP against finite differences; Hutchinson ----------------------------------------
TEST_CASE("mlp: finite-difference sub-Jacobian = exact JVP Jacobian", "[fast][diagnostics]") {
  for (int D : {2, 8}) {
    const wgf::MlpField f(random_mlp(D, 32, 11));
    wgf::Rng r(8);
    wgf::Points x(D, 20);
    for (int j = 0; j < 20; ++j)
      for (int d = 0; d < D; ++d) x(d, j) = 1.5 * r.normal();
    const std::vector<int> I = D == 2 ? std::vector<int>{0, 1} : wgf::random_coordinates(D, 5, r);
    const Eigen::MatrixXd Jx = wgf::sub_jacobian(f, x, 0.4, I), Jfd = wgf::sub_jacobian_fd(f, x, 0.4, I, 1e-2);
    // float32 network: the FD step h = 1e-2 max(1, |x|) balances rounding (6e-8 |s| / h ~ 1e-5)
    // against truncation (h^2 s''' / 6 ~ 1e-5); the exact JVP itself is float32 (~1e-6).
    const double scale = Jx.cwiseAbs().maxCoeff();
    INFO("D=" << D << " max|J| " << scale << " max err " << (Jx - Jfd).cwiseAbs().maxCoeff());
    CHECK((Jx - Jfd).cwiseAbs().maxCoeff() < 1e-3 * scale);
    // The asymmetry of the two Jacobians then agrees to the same accuracy.
    const auto a1 = wgf::jacobian_asymmetry(Jx, I), a2 = wgf::jacobian_asymmetry(Jfd, I);
    CHECK((a1.abs_mean - a2.abs_mean).cwiseAbs().maxCoeff() < 2e-3 * scale);
    CHECK(a1.abs_mean.minCoeff() > 1e-2 * scale);  // a random network is far from symmetric
  }
}

TEST_CASE("mlp: Hutchinson divergence converges to the exact one like 1/sqrt(probes)", "[fast][diagnostics]") {
  const int D = 16, N = 400;
  const wgf::MlpField f(random_mlp(D, 32, 2));
  wgf::Rng r(6);
  wgf::Points x(D, N);
  for (int j = 0; j < N; ++j)
    for (int d = 0; d < D; ++d) x(d, j) = r.normal();
  const double t = 0.3;
  const wgf::Vec exact = wgf::divergence_exact(f, x, t);
  // The exact Jacobian gives each point's Rademacher variance 1/2 sum_{a != b} (J_ab + J_ba)^2.
  std::vector<int> all(D);
  for (int d = 0; d < D; ++d) all[static_cast<size_t>(d)] = d;
  const Eigen::MatrixXd J = wgf::sub_jacobian(f, x, t, all);
  double var = 0;
  for (int j = 0; j < N; ++j) {
    Eigen::MatrixXd S = J.middleCols(j * D, D) + J.middleCols(j * D, D).transpose();
    CHECK(S.trace() / 2 == Approx(exact[j]).margin(1e-5 * S.cwiseAbs().maxCoeff()));
    S.diagonal().setZero();
    var += 0.5 * S.squaredNorm() / N;
  }
  double prev = 0;
  for (int probes : {4, 16, 64}) {
    const wgf::Vec h = wgf::divergence_hutchinson(f, x, t, probes, r);
    const double rms_err = std::sqrt((h - exact).squaredNorm() / N), predicted = std::sqrt(var / probes);
    INFO(probes << " probes: rms error " << rms_err << " predicted " << predicted);
    // 400 points: the RMS of the errors has a relative standard error of about
    // sqrt(kurtosis-ish / 2N) < 8%; 25% is > 3 standard errors.
    CHECK(rms_err == Approx(predicted).epsilon(0.25));
    if (prev > 0) CHECK(rms_err < 0.65 * prev);  // quartering... halves it (1/sqrt(4))
    prev = rms_err;
  }
  // The dispatcher: exact up to exact_max_dim, Hutchinson above.
  wgf::DivergenceOptions o;
  o.exact_max_dim = D;
  CHECK((wgf::divergence(f, x, t, o, r) - exact).norm() == 0.0);
  o.exact_max_dim = D - 1;
  o.probes = 2;
  CHECK((wgf::divergence(f, x, t, o, r) - exact).norm() > 0.0);
}

// ---- time sweep -----------------------------------------------------------------------------
TEST_CASE("sweep: indices spread over 1..T", "[fast][diagnostics]") {
  const auto ks = wgf::sweep_indices(1000, 100);
  REQUIRE(ks.size() == 100);
  CHECK(ks.front() == 1);
  CHECK(ks.back() == 1000);
  for (size_t i = 1; i < ks.size(); ++i) CHECK(ks[i] > ks[i - 1]);
  CHECK(wgf::sweep_indices(10, 50).size() == 10);
  CHECK(wgf::sweep_indices(1000, 1) == std::vector<int>{1000});
}

TEST_CASE("sweep: exact, rotated and linear fields give their analytic diagnostics", "[fast][diagnostics]") {
  auto s = cosine();
  auto p = density("gaussian");
  const wgf::ExactScore truth(p, s);
  wgf::SweepConfig cfg;
  cfg.ks = {150, 600};
  cfg.samples = 24;
  cfg.brownian.steps = 200;
  cfg.rotation_steps = 200;
  cfg.projection.points_per_segment = 20;
  cfg.seed = 9;

  const auto exact_rows = wgf::time_sweep(truth, truth, cfg);
  REQUIRE(exact_rows.size() == 2);
  for (const auto& row : exact_rows) {
    INFO("k=" << row.k);
    CHECK(row.t == s->time(row.k));
    REQUIRE(row.loops.size() == 3);
    // The gaussian's log p_t is quadratic: the midpoint rule is exact for its linear score, so
    // every loop vanishes to rounding (1e-12 of the loop's scale ~ |s| |y| L).
    for (const auto& L : row.loops) CHECK(L.abs_mean < 1e-9);
    CHECK(row.jac_asym_abs_mean < 1e-6);
    CHECK(row.curl_rms < 1e-6);
    CHECK(row.error_l2 == 0.0);
    CHECK(row.stein_rms == 0.0);
  }

  const auto rot = wgf::make_field("exact+rot:0.5", p, s);
  const auto rot_rows = wgf::time_sweep(*rot, truth, cfg);
  for (size_t i = 0; i < rot_rows.size(); ++i) {
    const auto& row = rot_rows[i];
    INFO("k=" << row.k);
    // lap log p_t = tr(Sigma_t^{-1}) is constant for a Gaussian: curl = 0.5 * that everywhere.
    const Eigen::Matrix2d cov0 = (Eigen::Matrix2d() << 0.5, 0.3, 0.3, 0.4).finished();
    const double m = s->mean_coef(row.t), sg = row.sigma;
    const Eigen::Matrix2d cov = m * m * cov0 + sg * sg * Eigen::Matrix2d::Identity();
    CHECK(row.curl_rms == Approx(0.5 * cov.trace() / (cov(0, 0) * cov(1, 1) - cov(0, 1) * cov(1, 0))).epsilon(1e-6));  // tr(cov^-1), 2x2
    CHECK(row.jac_asym_abs_mean == Approx(row.curl_rms).epsilon(1e-6));
    for (const auto& L : row.loops) CHECK(L.abs_mean > 1e-3);  // circulation: not conservative
    CHECK(row.stein_rms < 1e-6 * row.error_l2);                // yet in the Stein null kernel
    // Same samples as the exact run (streams depend on (seed, k) only).
    CHECK(row.jacobian_coords == exact_rows[i].jacobian_coords);
  }

  // A row does not depend on which other k are swept.
  const wgf::SweepRow one = wgf::diagnose_time(*rot, truth, 600, cfg);
  CHECK(one.loops[1].mean == rot_rows[1].loops[1].mean);
  CHECK(one.stein_rms == rot_rows[1].stein_rms);
  // Nor on the batch size.
  cfg.max_batch = 100;
  const wgf::SweepRow chunked = wgf::diagnose_time(*rot, truth, 600, cfg);
  CHECK(chunked.loops[0].mean == Approx(one.loops[0].mean).epsilon(1e-12));
  CHECK(chunked.loops[2].abs_mean == Approx(one.loops[2].abs_mean).epsilon(1e-12));

  cfg.path_kinds = {wgf::PathKind::Circle};
  CHECK_THROWS_WITH(wgf::time_sweep(*rot, truth, cfg), Catch::Contains("circle"));
}
