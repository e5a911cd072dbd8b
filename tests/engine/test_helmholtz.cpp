// Helmholtz–Hodge split on a grid against an analytic field grad(phi) + rot(psi) with psi = 0
// on the boundary (so the analytic split is the Neumann one), and the gradient-part field.
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>

#include "wgf/helmholtz.hpp"
#include "wgf/sampler.hpp"
#include "wgf/test_fields.hpp"

namespace {

// phi = sin(1.3 x) cos(0.9 y) + 0.4 x y^2;  psi = (1 - x^2)(1 - y^2) e^{x/2} on [-1, 1]^2.
wgf::Points grad_phi(const wgf::Points& p) {
  wgf::Points g(2, p.cols());
  for (Eigen::Index j = 0; j < p.cols(); ++j) {
    const double x = p(0, j), y = p(1, j);
    g(0, j) = 1.3 * std::cos(1.3 * x) * std::cos(0.9 * y) + 0.4 * y * y;
    g(1, j) = -0.9 * std::sin(1.3 * x) * std::sin(0.9 * y) + 0.8 * x * y;
  }
  return g;
}
double phi(double x, double y) { return std::sin(1.3 * x) * std::cos(0.9 * y) + 0.4 * x * y * y; }
// rot psi = (d psi/dy, -d psi/dx): divergence-free, tangential on the boundary (psi = 0 there).
wgf::Points rot_psi(const wgf::Points& p) {
  wgf::Points r(2, p.cols());
  for (Eigen::Index j = 0; j < p.cols(); ++j) {
    const double x = p(0, j), y = p(1, j), e = std::exp(0.5 * x);
    r(0, j) = (1 - x * x) * e * (-2 * y);
    r(1, j) = -(1 - y * y) * e * (-2 * x + 0.5 * (1 - x * x));
  }
  return r;
}

wgf::Grid2D box(int n) {
  wgf::Grid2D g;
  g.x_min = g.y_min = -1;
  g.x_max = g.y_max = 1;
  g.nx = g.ny = n;
  return g;
}

struct Errors {
  double grad, rem, pot, curl_interior, div_interior, recon;
};

Errors split_errors(int n) {
  const wgf::Grid2D g = box(n);
  const wgf::Points p = g.points(), gp = grad_phi(p), rp = rot_psi(p);
  const wgf::HelmholtzSplit s = wgf::helmholtz_split(gp + rp, g);
  Errors e{};
  e.grad = (s.gradient - gp).cwiseAbs().maxCoeff();
  e.rem = (s.remainder - rp).cwiseAbs().maxCoeff();
  e.recon = (s.gradient + s.remainder - (gp + rp)).cwiseAbs().maxCoeff();
  wgf::Vec ph(g.size());
  for (int j = 0; j < g.size(); ++j) ph[j] = phi(p(0, j), p(1, j));
  ph.array() -= ph.mean();
  e.pot = (s.potential - ph).cwiseAbs().maxCoeff();
  const wgf::Vec curl = wgf::grid_curl(s.gradient, g), div = wgf::grid_divergence(s.remainder, g);
  for (int j = 2; j < n - 2; ++j)
    for (int i = 2; i < n - 2; ++i) {
      e.curl_interior = std::max(e.curl_interior, std::abs(curl[j * n + i]));
      e.div_interior = std::max(e.div_interior, std::abs(div[j * n + i]));
    }
  return e;
}

}  // namespace

TEST_CASE("helmholtz: split of grad(phi) + rot(psi) recovers both parts at O(h^2)", "[fast][helmholtz]") {
  const Errors a = split_errors(33), b = split_errors(65);
  INFO("n=33: grad " << a.grad << " rem " << a.rem << " pot " << a.pot << " div " << a.div_interior);
  INFO("n=65: grad " << b.grad << " rem " << b.rem << " pot " << b.pot << " div " << b.div_interior);
  // Reconstruction is exact by construction (remainder = s - gradient).
  CHECK(a.recon < 1e-14);
  CHECK(b.recon < 1e-14);
  // Second order: halving h divides every error by ~4 (3 leaves room for the O(h^4) terms).
  // The fields are O(1) with O(1) derivatives, so the h = 1/32 errors are ~1e-3 or below.
  CHECK(a.grad / b.grad > 3.0);
  CHECK(a.rem / b.rem > 3.0);
  CHECK(a.pot / b.pot > 3.0);
  CHECK(a.div_interior / b.div_interior > 3.0);
  CHECK(b.grad < 2e-3);
  CHECK(b.rem < 2e-3);
  CHECK(b.pot < 2e-3);
  CHECK(b.div_interior < 5e-3);  // against |div s| ~ 2 on this box
  // The gradient part is a discrete gradient: its central-difference curl vanishes to rounding
  // inside (the difference operators commute), on any grid.
  CHECK(a.curl_interior < 1e-11);
  CHECK(b.curl_interior < 1e-11);
}

TEST_CASE("helmholtz: a quadratic potential (Gaussian score) is split exactly", "[fast][helmholtz]") {
  // Every difference formula used is exact for quadratics, so the discrete problem has the
  // analytic answer: gradient = s, remainder = 0, to rounding.
  auto p = std::shared_ptr<const wgf::Density>(wgf::make_density("gaussian"));
  auto sch = std::shared_ptr<const wgf::Schedule>(wgf::make_cosine_vp(1000));
  const auto exact = std::make_shared<const wgf::ExactScore>(p, sch);
  wgf::Grid2D g;  // [-4, 4]^2, 64 x 64
  g.nx = 48;      // unequal sides exercise both transforms
  const double t = sch->time(200);
  const wgf::HelmholtzSplit s = wgf::helmholtz_split(*exact, g, t);
  const double scale = s.field.cwiseAbs().maxCoeff();
  CHECK(s.remainder.cwiseAbs().maxCoeff() < 1e-10 * scale);
  CHECK(wgf::grid_curl(s.gradient, g).cwiseAbs().maxCoeff() < 1e-10 * scale);

  // The gradient-part field: bilinear interpolation of a linear field is exact inside the box;
  // outside it falls back to the source field itself.
  const std::vector<double> times = {sch->time(100), t, sch->time(300)};
  const wgf::HelmholtzPartField grad(exact, g, times);
  const wgf::HelmholtzPartField rem(exact, g, times, wgf::HelmholtzPart::Remainder);
  wgf::Points x = wgf::Points::Random(2, 200) * 3.9;
  x.col(0) << 4.5, 0.0;  // outside
  x.col(1) << 4.0, -4.0;  // the corner node
  CHECK((grad.eval(x, t) - exact->eval(x, t)).cwiseAbs().maxCoeff() < 1e-10 * scale);
  CHECK(rem.eval(x.rightCols(199), t).cwiseAbs().maxCoeff() < 1e-10 * scale);
  CHECK(rem.eval(x.leftCols(1), t) == exact->eval(x.leftCols(1), t));
  // Between precomputed times: linear interpolation in t.
  const double tm = 0.3 * t + 0.7 * sch->time(300);
  CHECK((grad.eval(x, tm) - (0.3 * grad.eval(x, t) + 0.7 * grad.eval(x, sch->time(300)))).rightCols(199).cwiseAbs().maxCoeff() <
        1e-12 * scale);
  CHECK(grad.name() == "exact|gradient-part");
}

TEST_CASE("helmholtz: sampling with the gradient part of an exact field reproduces the exact samples",
          "[fast][helmholtz]") {
  // Heun on the k grid evaluates the field only at the (sub-)step times; precomputing the split at
  // exactly those times makes the gradient part equal the (linear) Gaussian score there, so
  // the whole trajectory agrees with the exact sampler's to rounding.
  auto p = std::shared_ptr<const wgf::Density>(wgf::make_density("gaussian"));
  auto sch = std::shared_ptr<const wgf::Schedule>(wgf::make_cosine_vp(1000));
  const auto exact = std::make_shared<const wgf::ExactScore>(p, sch);
  wgf::SamplerConfig cfg;
  cfg.steps = 40;
  const wgf::HelmholtzPartField grad(exact, wgf::Grid2D{}, wgf::sampler_substep_times(*sch, cfg));
  wgf::Rng r1(3), r2(3);
  const wgf::Points a = wgf::sample(*exact, *sch, cfg, 500, r1), b = wgf::sample(grad, *sch, cfg, 500, r2);
  CHECK((a - b).cwiseAbs().maxCoeff() < 1e-8);
}

TEST_CASE("helmholtz: bad inputs are errors", "[fast][helmholtz]") {
  wgf::Grid2D g = box(9);
  CHECK_THROWS_AS(wgf::helmholtz_split(wgf::Points::Zero(2, 10), g), std::invalid_argument);
  g.nx = 2;
  CHECK_THROWS_AS(wgf::helmholtz_split(wgf::Points::Zero(2, 18), g), std::invalid_argument);
  const auto lin3 = std::make_shared<const wgf::LinearField>(Eigen::MatrixXd::Identity(3, 3));
  CHECK_THROWS_AS(wgf::HelmholtzPartField(lin3, box(9), {0.1}), std::invalid_argument);
}
