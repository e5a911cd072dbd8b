#include "wgf/vector_field.hpp"

#include <algorithm>
#include <cmath>

namespace wgf {

Points VectorField::jvp(const Points& x, double t, const Points& v) const {
  // Step per point, h_j ~ cbrt(machine eps) * max(1, |x_j|_inf): balances truncation O(h^2)
  // against rounding O(eps / h), and one far-out point does not coarsen its neighbours' steps.
  const Eigen::RowVectorXd h = 6e-6 * x.cwiseAbs().colwise().maxCoeff().cwiseMax(1.0);
  const Points hv = v.array().rowwise() * h.array();
  return (eval(x + hv, t) - eval(x - hv, t)).array().rowwise() / (2.0 * h.array());
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
