#include "wgf/vector_field.hpp"

#include <algorithm>
#include <cmath>

namespace wgf {

Points VectorField::jvp(const Points& x, double t, const Points& v) const {
  // Step ~ cbrt(machine eps) * scale balances truncation O(h^2) against rounding O(eps/h).
  const double scale = std::max(1.0, x.cwiseAbs().maxCoeff());
  const double h = 6e-6 * scale;
  return (eval(x + h * v, t) - eval(x - h * v, t)) / (2.0 * h);
}

Eigen::MatrixXd VectorField::jacobian(const Points& x, double t) const {
  const Eigen::Index D = x.rows(), N = x.cols();
  Eigen::MatrixXd J(D, D * N);
  Points dir = Points::Zero(D, N);
  for (Eigen::Index d = 0; d < D; ++d) {
    dir.setZero();
    dir.row(d).setOnes();
    const Points col = jvp(x, t, dir);  // column d of every point's Jacobian
    for (Eigen::Index j = 0; j < N; ++j) J.col(j * D + d) = col.col(j);
  }
  return J;
}

}  // namespace wgf
