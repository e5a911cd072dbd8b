// The free energy of the forward OU process, seen as a Wasserstein gradient flow (paper
// Sec. 4, DESIGN.md "WGF velocity"):
//   E[rho] = int |x|^2/2 rho dx + int rho log rho dx.
// The Fokker-Planck equation of dX = -X dt + sqrt(2) dW is the Wasserstein gradient flow of E,
// with velocity v = -x - grad log rho (Eq. 13), so E[rho_t] decreases along the forward
// process to its minimum at the standard normal, and since log N(x; 0, I) = -|x|^2/2 -
// (D/2) log(2 pi),
//   KL(rho || N(0, I)) = E[rho] + (D/2) log(2 pi)   (>= 0, zero only at rho = N(0, I)).
// Here for 2D densities, by quadrature over the nodes of a Grid2D (trapezoid rule); the box
// must hold the mass (`mass` reports how much of it the grid saw).
#pragma once
#include "wgf/density.hpp"
#include "wgf/diagnostics.hpp"
#include "wgf/types.hpp"

namespace wgf {

struct OuEnergy {
  double potential = 0;     // int |x|^2/2 rho
  double neg_entropy = 0;   // int rho log rho
  double energy = 0;        // E[rho] = potential + neg_entropy
  double kl_to_normal = 0;  // KL(rho || N(0, I)) = E[rho] + log(2 pi)  (D = 2)
  double mass = 0;          // int rho (1 up to the quadrature and the mass outside the box)
};

// From log rho at the grid's nodes (nx ny, Grid2D::points() order).
OuEnergy ou_energy_on_grid(const Vec& log_rho, const Grid2D& grid);
// rho = the law of m x0 + sigma eps, x0 ~ density (2D), e.g. m = e^{-t}, sigma = sqrt(1 - e^{-2t}).
OuEnergy ou_energy(const Density& density, double m, double sigma, const Grid2D& grid);

}  // namespace wgf
