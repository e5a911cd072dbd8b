// Closed paths and line integrals (paper Eq. 4, Eq. 7): the exact score's loops vanish at the
// midpoint rule's O(N^-2) rate, a linear field's loops equal curl x area, and every path
// mechanism has the geometry it promises (closes exactly, stays on the noise shell).
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>

#include "wgf/density.hpp"
#include "wgf/paths.hpp"
#include "wgf/schedule.hpp"
#include "wgf/test_fields.hpp"

namespace {

constexpr double kPi = 3.14159265358979323846;

std::shared_ptr<const wgf::Schedule> cosine() { return wgf::make_cosine_vp(1000); }
}  // namespace

TEST_CASE("paths: names round-trip; unknown kind is an error naming the choices", "[fast][paths]") {
  for (auto k : {wgf::PathKind::Circle, wgf::PathKind::Polygon, wgf::PathKind::Brownian, wgf::PathKind::Rotation,
                 wgf::PathKind::Projection})
    CHECK(wgf::parse_path_kind(wgf::to_string(k)) == k);
  CHECK_THROWS_WITH(wgf::parse_path_kind("spiral"), Catch::Contains("spiral") && Catch::Contains("brownian"));
}

TEST_CASE("paths: exact score's loop integral vanishes as O(1/N^2) on polygons", "[fast][paths]") {
  auto schedule = cosine();
  // A quadrilateral across the mass, off-centre, so no symmetry cancels the error term.
  wgf::Points quad(2, 4);
  quad << -1.3, 1.8, 1.5, -0.8,  //
      -0.9, -0.6, 1.7, 1.2;
  for (const char* name : {"gmm8", "moons"}) {
    auto density = std::shared_ptr<const wgf::Density>(wgf::make_density(name));
    const wgf::ExactScore s(density, schedule);
    for (int k : {100, 400, 800}) {
      const double t = schedule->time(k);
      double e[3];
      for (int i = 0; i < 3; ++i) e[i] = wgf::loop_integrals(s, wgf::polygon_path(quad, 50 << i), t).integral[0];
      INFO(name << " k=" << k << " errors " << e[0] << " " << e[1] << " " << e[2]);
      // The potential differences telescope to 0 exactly; what is left is the midpoint rule's
      // sum of -phi'''[dy,dy,dy]/24, which along an edge a -> b cut into n pieces adds up to
      // -(phi''(b) - phi''(a))[b - a, b - a] / (24 n^2) + O(n^-4): halving the step divides the
      // loop by 4. The O(n^-4) share is (piece / field length scale)^2 ~ 5% at n = 50 for gmm8 at
      // k = 100 (pieces 0.06 against component std 0.26), hence 4 +- 0.5 and +- 0.25.
      CHECK(std::abs(e[0]) > 1e-8);  // measurably non-zero, so the rate is meaningful
      CHECK(std::abs(e[0] / e[1]) == Approx(4.0).margin(0.5));
      CHECK(std::abs(e[1] / e[2]) == Approx(4.0).margin(0.25));
    }
  }
}

TEST_CASE("paths: exact score's circle loop integral is spectrally small", "[fast][paths]") {
  // On a circle sampled uniformly the midpoint sum is a periodic trapezoid sum of
  // d/dtheta phi(c + r cos(pi/N) u(theta)), so the error falls faster than any power of 1/N
  // (the O(N^-2) term integrates to zero on the circle): at N = 400 it is at rounding.
  auto schedule = cosine();
  for (const char* name : {"gmm8", "moons", "gaussian"}) {
    auto density = std::shared_ptr<const wgf::Density>(wgf::make_density(name));
    const wgf::ExactScore s(density, schedule);
    for (int k : {100, 800}) {
      const double t = schedule->time(k);
      const auto a = wgf::loop_integrals(s, wgf::circle_path(Eigen::Vector2d(0.7, -0.3), 1.6, 200), t);
      const auto b = wgf::loop_integrals(s, wgf::circle_path(Eigen::Vector2d(0.7, -0.3), 1.6, 400), t);
      INFO(name << " k=" << k << " errors " << a.integral[0] << " " << b.integral[0]);
      // moons at k = 100 is the roughest case (1e-3 at N = 200, 1e-7 at 400); an O(N^-2) error
      // would only quarter.
      CHECK(std::abs(b.integral[0]) <= std::max(std::abs(a.integral[0]) / 1000, 1e-13 * b.norm[0]));
      CHECK(std::abs(b.integral[0]) < 1e-8 * b.norm[0]);
    }
  }
}

TEST_CASE("paths: linear field's circle loop is (A21 - A12) pi r^2, Eq. 7 ratio exact", "[fast][paths]") {
  Eigen::MatrixXd A(2, 2);
  A << 0.3, -1.1, 0.7, -0.4;
  const wgf::LinearField f(A);
  const double curl = A(1, 0) - A(0, 1), r = 1.7;
  for (int n : {16, 1000}) {
    const auto li = wgf::loop_integrals(f, wgf::circle_path(Eigen::Vector2d(0.4, -0.2), r, n), 0.0);
    // The integrand is linear along each chord, so the midpoint rule is exact for the
    // inscribed polygon: curl x its area (n/2) r^2 sin(2 pi/n), to rounding.
    CHECK(li.integral[0] == Approx(curl * 0.5 * n * r * r * std::sin(2 * kPi / n)).epsilon(1e-12));
  }
  // The polygon's area approaches pi r^2 with relative defect (2 pi/n)^2 / 6 = 6.6e-6 at n = 1000.
  const auto li = wgf::loop_integrals(f, wgf::circle_path(Eigen::Vector2d(0, 0), r, 1000), 0.0);
  CHECK(li.integral[0] == Approx(curl * kPi * r * r).epsilon(1e-5));
  // Centred at the origin, the midpoints sit at radius r cos(pi/n) and the chords are
  // 2 r sin(pi/n): loop_norm = n r^2 sin(2 pi/n) and the Eq. 7 ratio is exactly A21 - A12.
  CHECK(li.norm[0] == Approx(1000 * r * r * std::sin(2 * kPi / 1000)).epsilon(1e-12));
  CHECK(li.ratio[0] == Approx(curl).epsilon(1e-12));
  // Orientation: the reversed polygon gives the negative.
  const wgf::ClosedPaths ccw = wgf::circle_path(Eigen::Vector2d(0, 0), r, 64);
  const wgf::Points cw = ccw.y.rowwise().reverse();
  const double fwd = wgf::loop_integrals(f, ccw, 0.0).integral[0];
  CHECK(wgf::loop_integrals(f, wgf::polygon_path(cw.leftCols(64), 1), 0.0).integral[0] == Approx(-fwd).epsilon(1e-12));
}

TEST_CASE("paths: polygon subdivision, closure, and chunked evaluation", "[fast][paths]") {
  Eigen::MatrixXd A(2, 2);
  A << 0.0, 2.0, -1.0, 0.5;
  const wgf::LinearField f(A);
  wgf::Points square(2, 4);
  square << 0, 2, 2, 0,  //
      0, 0, 1, 1;
  for (int sub : {1, 3, 10}) {
    const wgf::ClosedPaths p = wgf::polygon_path(square, sub);
    CHECK(p.segments == 4 * sub);
    CHECK(p.count() == 1);
    CHECK((p.y.col(p.segments) - p.y.col(0)).norm() == 0.0);
    // Linear integrand: midpoint exact, curl (A21 - A12) = -3 times area 2, CCW.
    CHECK(wgf::loop_integrals(f, p, 0.0).integral[0] == Approx(-6.0).epsilon(1e-12));
  }
  // Batching is invisible: 17 circles, chunks of 7 columns straddle path boundaries.
  wgf::Points centres = wgf::Points::Random(2, 17);
  wgf::Vec radii = wgf::Vec::LinSpaced(17, 0.5, 2.0);
  const wgf::ClosedPaths many = wgf::circle_paths(centres, radii, 50);
  auto density = std::shared_ptr<const wgf::Density>(wgf::make_density("gmm8"));
  const wgf::ExactScore s(density, cosine());
  const auto big = wgf::loop_integrals(s, many, 0.2), small = wgf::loop_integrals(s, many, 0.2, 7);
  CHECK((big.integral - small.integral).cwiseAbs().maxCoeff() <= 1e-12 * big.norm.maxCoeff());
  CHECK((big.norm - small.norm).cwiseAbs().maxCoeff() <= 1e-12 * big.norm.maxCoeff());
  for (int p = 0; p < 17; ++p) {
    const auto li = wgf::loop_integrals(s, wgf::circle_path(centres.col(p), radii[p], 50), 0.2);
    CHECK(li.integral[0] == Approx(big.integral[p]).margin(1e-12 * big.norm[p]));
  }
  CHECK_THROWS_AS(wgf::loop_integrals(wgf::LinearField(Eigen::MatrixXd::Identity(3, 3)), many, 0.0), std::invalid_argument);
}

TEST_CASE("paths: Brownian bridge closes exactly and has the bridge's variance", "[fast][paths]") {
  const int D = 3, P = 2000;
  wgf::Rng rng(11);
  wgf::Points xt = wgf::Points::Random(D, P);
  wgf::BrownianBridgeConfig cfg;  // U = 9, 1000 steps
  cfg.scale = 2.0;
  const wgf::ClosedPaths b = wgf::brownian_bridge_paths(xt, rng, cfg);
  REQUIRE(b.segments == 1000);
  REQUIRE(b.count() == P);
  double sum = 0, sum2 = 0;
  for (int p = 0; p < P; ++p) {
    const auto y = b.path(p);
    CHECK(y.col(0) == xt.col(p));   // X_0 = 0 exactly
    CHECK(y.col(1000) == y.col(0));  // X_U = W_U - W_U = 0 exactly: the loop closes
    const wgf::Vec mid = (y.col(500) - xt.col(p)) / cfg.scale;  // X at u = U/2
    sum += mid.sum();
    sum2 += mid.squaredNorm();
  }
  // Var X_u = u (U - u) / U = 9/4 at u = U/2 per coordinate; 6000 draws give the variance a
  // relative standard error sqrt(2/6000) = 1.8%, the mean an SE of 1.5/sqrt(6000) = 0.019.
  const double n = P * D, mean = sum / n, var = sum2 / n - mean * mean;
  CHECK(std::abs(mean) < 4 * 1.5 / std::sqrt(n));
  CHECK(var == Approx(2.25).epsilon(4 * std::sqrt(2.0 / n)));
}

TEST_CASE("paths: rotation paths stay on the noise shell and rotate coordinate pairs", "[fast][paths]") {
  wgf::Rng rng(5);
  for (int D : {2, 5, 8}) {
    const int P = 64;
    wgf::Points x0 = wgf::Points::Random(D, P), eps(D, P);
    for (int j = 0; j < P; ++j)
      for (int d = 0; d < D; ++d) eps(d, j) = rng.normal();
    const double m = 0.8, sigma = 0.6;
    const wgf::ClosedPaths rp = wgf::rotation_paths(x0, eps, m, sigma, rng, 1000);
    REQUIRE(rp.count() == P);
    int ccw = 0;
    for (int p = 0; p < P; ++p) {
      const auto y = rp.path(p);
      const wgf::Vec c = m * x0.col(p);
      CHECK((y.col(0) - (c + sigma * eps.col(p))).norm() < 1e-14);  // starts at x_t
      CHECK(y.col(1000) == y.col(0));
      const double r0 = sigma * eps.col(p).norm();
      double worst = 0;
      for (int i = 0; i <= 1000; ++i) worst = std::max(worst, std::abs((y.col(i) - c).norm() - r0));
      CHECK(worst < 1e-13);  // |y - m x0| = sigma |eps| along the whole path (rotation is orthogonal)
      // Half-way round, every paired coordinate is negated; for odd D one stays fixed.
      const wgf::Vec half = (y.col(500) - c) / sigma;
      int fixed = 0;
      for (int d = 0; d < D; ++d) {
        if (std::abs(half[d] - eps(d, p)) < 1e-12 && std::abs(eps(d, p)) > 1e-6) ++fixed;
        else CHECK(half[d] == Approx(-eps(d, p)).margin(1e-12));
      }
      CHECK(fixed == D % 2);
      if (D == 2) {
        // Orientation from the signed area of the first quarter turn.
        const wgf::Vec a = y.col(0) - c, b = y.col(250) - c;
        ccw += a[0] * b[1] - a[1] * b[0] > 0;
      }
    }
    // 2D: the random pairing (0,1) or (1,0) sets the direction; both appear in 64 paths
    // (each misses with probability 2^-63).
    if (D == 2) CHECK((ccw > 0 && ccw < P));
  }
}

TEST_CASE("paths: projection paths lie on the shell with interpolated radius", "[fast][paths]") {
  wgf::Rng rng(9);
  for (int D : {2, 10}) {
    const int P = 8;
    const double m = 0.5, sigma = 0.9;
    wgf::Points x0 = wgf::Points::Random(D, P);
    wgf::ProjectionConfig cfg;  // K = 10, 100 points per segment
    const wgf::ClosedPaths pp = wgf::projection_paths(x0, m, sigma, rng, cfg);
    REQUIRE(pp.segments == 1000);
    for (int p = 0; p < P; ++p) {
      const auto y = pp.path(p);
      const wgf::Vec c = m * x0.col(p);
      CHECK(y.col(1000) == y.col(0));
      double worst_r = 0, worst_dir = 0;
      for (int k = 0; k < 10; ++k) {
        const wgf::Vec z0 = y.col(k * 100) - c, z1 = y.col(((k + 1) % 10) * 100) - c;  // the noisings
        const double r0 = z0.norm(), r1 = z1.norm();
        for (int j = 0; j < 100; ++j) {
          const double lam = j / 100.0;
          const wgf::Vec z = y.col(k * 100 + j) - c, chord = (1 - lam) * z0 + lam * z1;
          worst_r = std::max(worst_r, std::abs(z.norm() - ((1 - lam) * r0 + lam * r1)));
          worst_dir = std::max(worst_dir, 1.0 - z.dot(chord) / (z.norm() * chord.norm()));  // radial projection
        }
      }
      CHECK(worst_r < 1e-13);
      CHECK(worst_dir < 1e-12);
    }
  }
}
