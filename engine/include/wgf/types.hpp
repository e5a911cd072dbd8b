// Shared shapes. Points are stored one per column: a batch of N points in D dimensions is a
// (D, N) column-major matrix, so per-point operations are contiguous and the MLP's layer
// products are plain (out, in) x (in, N) GEMMs.
#pragma once
#include <Eigen/Core>

namespace wgf {

using Points = Eigen::MatrixXd;   // (D, N), float64: fields, densities, diagnostics
using PointsF = Eigen::MatrixXf;  // (D, N), float32: the MLP's own arithmetic
using Vec = Eigen::VectorXd;

}  // namespace wgf
