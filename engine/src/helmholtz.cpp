// Sections: [grid differences] [cosine transform] [split] [HelmholtzPartField]
//
// Nodal arrays are (nx, ny) matrices U(i, j) = value at node (i, j); since Grid2D numbers
// node (i, j) as column j nx + i, a row of a (2, nx ny) Points copies straight into one.
#include "wgf/helmholtz.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace wgf {
namespace {

constexpr double kPi = 3.14159265358979323846;

using Grid = Eigen::MatrixXd;  // (nx, ny) nodal values

Grid component(const Points& values, int c, const Grid2D& g) {
  Grid U(g.nx, g.ny);
  for (int j = 0; j < g.ny; ++j)
    for (int i = 0; i < g.nx; ++i) U(i, j) = values(c, j * g.nx + i);
  return U;
}

Vec flatten(const Grid& U) { return Eigen::Map<const Vec>(U.data(), U.size()); }

void check_values(const Points& values, const Grid2D& g) {
  g.validate();
  if (values.rows() != 2 || values.cols() != g.size())
    throw std::invalid_argument("Helmholtz split: values must be (2, nx ny) = (2, " + std::to_string(g.size()) + "), got (" +
                                std::to_string(values.rows()) + ", " + std::to_string(values.cols()) + ")");
}

// ---- [grid differences] --------------------------------------------------------------------
// d/dx of nodal values along the first index: central inside, (-3 u0 + 4 u1 - u2) / 2h and
// its mirror on the two ends.
Grid diff_x(const Grid& U, double h) {
  const Eigen::Index n = U.rows();
  Grid D(U.rows(), U.cols());
  for (Eigen::Index i = 1; i + 1 < n; ++i) D.row(i) = (U.row(i + 1) - U.row(i - 1)) / (2 * h);
  D.row(0) = (-3 * U.row(0) + 4 * U.row(1) - U.row(2)) / (2 * h);
  D.row(n - 1) = (3 * U.row(n - 1) - 4 * U.row(n - 2) + U.row(n - 3)) / (2 * h);
  return D;
}
Grid diff_y(const Grid& U, double h) { return diff_x(U.transpose(), h).transpose(); }

// ---- [cosine transform] --------------------------------------------------------------------
// Type-I DCT on n = N + 1 nodes: u_i = sum_k uh_k cos(pi i k / N) (C u-hat), and its inverse
// uh_k = 2 / (N c_k) sum_i w_i cos(pi i k / N) u_i with trapezoid weights w (1/2 at the ends)
// and c_0 = c_N = 2, else 1 (the discrete orthogonality of the cosines).
struct Dct1 {
  Eigen::MatrixXd C, Cinv;
  explicit Dct1(int n) : C(n, n), Cinv(n, n) {
    const int N = n - 1;
    for (int i = 0; i < n; ++i)
      for (int k = 0; k < n; ++k) C(i, k) = std::cos(kPi * i * k / N);
    for (int k = 0; k < n; ++k)
      for (int i = 0; i < n; ++i) {
        const double w = (i == 0 || i == N) ? 0.5 : 1.0, c = (k == 0 || k == N) ? 2.0 : 1.0;
        Cinv(k, i) = 2.0 / (N * c) * w * C(i, k);
      }
  }
};

// Eigenvalues of the reflecting 1D operator (u_{i+1} - 2 u_i + u_{i-1}) / h^2 (ghosts mirrored):
// -4 sin^2(pi k / 2N) / h^2 for the cosine mode k.
Vec reflecting_eigenvalues(int n, double h) {
  Vec lam(n);
  for (int k = 0; k < n; ++k) {
    const double s = std::sin(kPi * k / (2.0 * (n - 1)));
    lam[k] = -4.0 * s * s / (h * h);
  }
  return lam;
}

}  // namespace

Vec grid_divergence(const Points& values, const Grid2D& grid) {
  check_values(values, grid);
  return flatten(diff_x(component(values, 0, grid), grid.hx()) + diff_y(component(values, 1, grid), grid.hy()));
}

Vec grid_curl(const Points& values, const Grid2D& grid) {
  check_values(values, grid);
  return flatten(diff_x(component(values, 1, grid), grid.hx()) - diff_y(component(values, 0, grid), grid.hy()));
}

// ---- [split] ----------------------------------------------------------------------------
HelmholtzSplit helmholtz_split(const Points& values, const Grid2D& grid) {
  check_values(values, grid);
  const int nx = grid.nx, ny = grid.ny;
  const double hx = grid.hx(), hy = grid.hy();
  const Grid Sx = component(values, 0, grid), Sy = component(values, 1, grid);

  // Right-hand side of the reflecting system M phi = div s + boundary terms: eliminating the
  // ghost phi_{-1} = phi_1 - 2 hx s_x moves -2 s_x / hx to the left end's equation as +2 s_x / hx
  // on the right, and -2 s_x / hx on the right end (likewise in y).
  Grid F = diff_x(Sx, hx) + diff_y(Sy, hy);
  F.row(0) += 2.0 / hx * Sx.row(0);
  F.row(nx - 1) -= 2.0 / hx * Sx.row(nx - 1);
  F.col(0) += 2.0 / hy * Sy.col(0);
  F.col(ny - 1) -= 2.0 / hy * Sy.col(ny - 1);

  const Dct1 tx(nx), ty(ny);
  const Vec lx = reflecting_eigenvalues(nx, hx), ly = reflecting_eigenvalues(ny, hy);
  Grid Fh = tx.Cinv * F * ty.Cinv.transpose();
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) Fh(i, j) = (i == 0 && j == 0) ? 0.0 : Fh(i, j) / (lx[i] + ly[j]);
  Grid Phi = tx.C * Fh * ty.C.transpose();
  Phi.array() -= Phi.mean();

  // grad phi: central differences, with the ghost nodes on the border (normal component = s . n).
  Grid Gx(nx, ny), Gy(nx, ny);
  for (int i = 1; i + 1 < nx; ++i) Gx.row(i) = (Phi.row(i + 1) - Phi.row(i - 1)) / (2 * hx);
  Gx.row(0) = Sx.row(0);
  Gx.row(nx - 1) = Sx.row(nx - 1);
  for (int j = 1; j + 1 < ny; ++j) Gy.col(j) = (Phi.col(j + 1) - Phi.col(j - 1)) / (2 * hy);
  Gy.col(0) = Sy.col(0);
  Gy.col(ny - 1) = Sy.col(ny - 1);

  HelmholtzSplit out;
  out.grid = grid;
  out.field = values;
  out.gradient.resize(2, grid.size());
  out.gradient.row(0) = flatten(Gx).transpose();
  out.gradient.row(1) = flatten(Gy).transpose();
  out.remainder = values - out.gradient;
  out.potential = flatten(Phi);
  return out;
}

HelmholtzSplit helmholtz_split(const VectorField& field, const Grid2D& grid, double t) {
  if (field.dim() != 2)
    throw std::invalid_argument("Helmholtz split is 2D; field '" + field.name() + "' has dimension " + std::to_string(field.dim()));
  return helmholtz_split(field.eval(grid.points(), t), grid);
}

// ---- [HelmholtzPartField] --------------------------------------------------------------------
HelmholtzPartField::HelmholtzPartField(std::shared_ptr<const VectorField> source, const Grid2D& grid,
                                       std::vector<double> times, HelmholtzPart part)
    : source_(std::move(source)), grid_(grid), times_(std::move(times)), part_(part) {
  if (!source_ || source_->dim() != 2) throw std::invalid_argument("Helmholtz part field: the source must be a 2D field");
  grid_.validate();
  if (times_.empty()) throw std::invalid_argument("Helmholtz part field: no times given");
  std::sort(times_.begin(), times_.end());
  times_.erase(std::unique(times_.begin(), times_.end()), times_.end());
  for (double t : times_) {
    HelmholtzSplit s = helmholtz_split(*source_, grid_, t);
    parts_.push_back(part_ == HelmholtzPart::Gradient ? std::move(s.gradient) : std::move(s.remainder));
  }
}

std::string HelmholtzPartField::name() const {
  return source_->name() + (part_ == HelmholtzPart::Gradient ? "|gradient-part" : "|remainder-part");
}

Points HelmholtzPartField::interpolate(const Points& values, const Points& x, const std::vector<char>& inside) const {
  Points out = Points::Zero(2, x.cols());
  const double hx = grid_.hx(), hy = grid_.hy();
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    if (!inside[static_cast<size_t>(j)]) continue;
    const double fx = (x(0, j) - grid_.x_min) / hx, fy = (x(1, j) - grid_.y_min) / hy;
    const int i0 = std::min(static_cast<int>(fx), grid_.nx - 2), j0 = std::min(static_cast<int>(fy), grid_.ny - 2);
    const double a = fx - i0, b = fy - j0;
    const Eigen::Index n00 = static_cast<Eigen::Index>(j0) * grid_.nx + i0, n10 = n00 + 1, n01 = n00 + grid_.nx,
                       n11 = n01 + 1;
    out.col(j) = (1 - a) * (1 - b) * values.col(n00) + a * (1 - b) * values.col(n10) + (1 - a) * b * values.col(n01) +
                 a * b * values.col(n11);
  }
  return out;
}

Points HelmholtzPartField::eval(const Points& x, double t) const {
  if (x.rows() != 2) throw std::invalid_argument("Helmholtz part field: points must be 2D");
  std::vector<char> inside(static_cast<size_t>(x.cols()));
  std::vector<Eigen::Index> outside;
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    const bool in = x(0, j) >= grid_.x_min && x(0, j) <= grid_.x_max && x(1, j) >= grid_.y_min && x(1, j) <= grid_.y_max;
    inside[static_cast<size_t>(j)] = in;
    if (!in) outside.push_back(j);
  }
  // Linear in t between the neighbouring precomputed splits.
  Points out;
  const auto it = std::upper_bound(times_.begin(), times_.end(), t);
  if (it == times_.begin() || it == times_.end()) {
    out = interpolate(parts_[it == times_.begin() ? 0 : parts_.size() - 1], x, inside);
  } else {
    const size_t i1 = static_cast<size_t>(it - times_.begin()), i0 = i1 - 1;
    const double w = (t - times_[i0]) / (times_[i1] - times_[i0]);
    out = (1 - w) * interpolate(parts_[i0], x, inside) + w * interpolate(parts_[i1], x, inside);
  }
  if (!outside.empty()) {
    Points xo(2, static_cast<Eigen::Index>(outside.size()));
    for (size_t q = 0; q < outside.size(); ++q) xo.col(static_cast<Eigen::Index>(q)) = x.col(outside[q]);
    const Points so = source_->eval(xo, t);
    for (size_t q = 0; q < outside.size(); ++q) out.col(outside[q]) = so.col(static_cast<Eigen::Index>(q));
  }
  return out;
}

}  // namespace wgf
