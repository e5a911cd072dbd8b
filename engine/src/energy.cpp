#include "wgf/energy.hpp"

#include <cmath>
#include <stdexcept>

namespace wgf {
namespace {
constexpr double kPi = 3.14159265358979323846;
}  // namespace

OuEnergy ou_energy_on_grid(const Vec& log_rho, const Grid2D& grid) {
  grid.validate();
  if (log_rho.size() != grid.size())
    throw std::invalid_argument("ou_energy_on_grid: " + std::to_string(log_rho.size()) + " values for a grid of " +
                                std::to_string(grid.size()) + " nodes");
  const Points x = grid.points();
  OuEnergy e;
  for (int j = 0; j < grid.ny; ++j) {
    const double wy = (j == 0 || j == grid.ny - 1) ? 0.5 : 1.0;
    for (int i = 0; i < grid.nx; ++i) {
      const double w = wy * ((i == 0 || i == grid.nx - 1) ? 0.5 : 1.0) * grid.hx() * grid.hy();
      const Eigen::Index c = static_cast<Eigen::Index>(j) * grid.nx + i;
      const double lp = log_rho(c), p = std::exp(lp);
      if (p == 0.0) continue;  // rho log rho -> 0
      e.mass += w * p;
      e.potential += w * p * 0.5 * x.col(c).squaredNorm();
      e.neg_entropy += w * p * lp;
    }
  }
  e.energy = e.potential + e.neg_entropy;
  e.kl_to_normal = e.energy + std::log(2.0 * kPi);
  return e;
}

OuEnergy ou_energy(const Density& density, double m, double sigma, const Grid2D& grid) {
  if (density.dim() != 2) throw std::invalid_argument("ou_energy: density '" + density.name() + "' is not 2D");
  return ou_energy_on_grid(density.log_prob(grid.points(), m, sigma), grid);
}

}  // namespace wgf
