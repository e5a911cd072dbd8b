// Density transport helpers for 2D (DESIGN.md "Density transport"): the Helmholtz–Hodge
// split of a field sampled on a regular grid, s = grad phi + r, and a VectorField that runs
// with one part alone, so a sampler can compare the learned field, the exact field and only
// the gradient part of the learned field.
//
// The split on the box B of a Grid2D: phi solves the Poisson equation lap(phi) = div s in B
// with the Neumann condition d phi / dn = s . n on the boundary, so the remainder r = s -
// grad phi is divergence-free and tangential at the boundary: it only circulates inside B and
// moves no mass across its edge. (On a bounded box the split is unique only with such a
// condition; a divergence-free part that crosses the boundary — e.g. the A R s_true of
// exact+rot:A, whose stream function A log p_t is not constant on the box edge — leaves its
// harmonic, boundary-driven share in the gradient part. Take the box generously around the
// mass.)
//
// Discretisation (nodes x_i = x_min + i hx, i = 0..nx-1, likewise y): div s by central
// differences inside and second-order one-sided differences on the border; the 5-point
// Laplacian with the Neumann data entering through ghost nodes phi_{-1} = phi_1 - 2 hx s_x
// (and likewise on every side), which makes the discrete operator the reflecting one that
// the type-I discrete cosine transform diagonalises: the solve is exact, by dense cosine
// transforms along x and y (O(n^3), no FFT; 2 ms on a 128 x 128 grid), with the constant
// mode (and the O(h^2) discrete compatibility defect) dropped and phi normalised to mean 0.
// grad phi uses central differences with the same ghost nodes, so grad phi . n = s . n on
// the border exactly. Accuracy O(h^2).
#pragma once
#include <memory>
#include <vector>

#include "wgf/diagnostics.hpp"
#include "wgf/types.hpp"
#include "wgf/vector_field.hpp"

namespace wgf {

struct HelmholtzSplit {
  Grid2D grid;
  Points field;      // (2, nx ny) s at the nodes (Grid2D::points() order)
  Points gradient;   // (2, nx ny) grad phi
  Points remainder;  // (2, nx ny) s - grad phi
  Vec potential;     // (nx ny) phi, mean zero
};

// Split of values (2, nx ny) given at the grid's nodes.
HelmholtzSplit helmholtz_split(const Points& values, const Grid2D& grid);
// Split of a 2D field at time t, evaluated at the grid's nodes in one batch.
HelmholtzSplit helmholtz_split(const VectorField& field, const Grid2D& grid, double t);

// Grid finite differences of nodal values (2, nx ny): central inside, second-order one-sided
// on the border; (nx ny) in node order.
Vec grid_divergence(const Points& values, const Grid2D& grid);
Vec grid_curl(const Points& values, const Grid2D& grid);  // d s_2/dx_1 - d s_1/dx_2

enum class HelmholtzPart { Gradient, Remainder };

// One part of the split of `source`, precomputed on `grid` at each of `times` (sorted
// ascending, e.g. sampler_times reversed). eval(x, t): bilinear in x between the nodes, linear
// in t between the two neighbouring precomputed times (t outside [times.front(),
// times.back()] takes the nearest). Outside the grid's box the split is undefined and the
// field returns the source field itself. JVP: the default central difference.
class HelmholtzPartField final : public VectorField {
 public:
  HelmholtzPartField(std::shared_ptr<const VectorField> source, const Grid2D& grid, std::vector<double> times,
                     HelmholtzPart part = HelmholtzPart::Gradient);
  int dim() const override { return 2; }
  std::string name() const override;
  Points eval(const Points& x, double t) const override;
  const Grid2D& grid() const { return grid_; }
  const std::vector<double>& times() const { return times_; }
  const Points& part_values(size_t i) const { return parts_[i]; }  // (2, nx ny) at times()[i]

 private:
  Points interpolate(const Points& values, const Points& x, const std::vector<char>& inside) const;
  std::shared_ptr<const VectorField> source_;
  Grid2D grid_;
  std::vector<double> times_;
  HelmholtzPart part_;
  std::vector<Points> parts_;
};

}  // namespace wgf
