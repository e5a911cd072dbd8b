// Fields with known diagnostics, to check the diagnostics against analytic truth and to teach
// what each number means (DESIGN.md "Stein null-kernel check"). With R = [[0, -1], [1, 0]]
// the 90-degree rotation of the plane:
//
//   exact          s_true = grad log p_t. Loop integrals 0 (Eq. 4), Jacobian symmetric
//                  (Eq. 5), error e = 0.
//   exact+rot:A    s_true + A R s_true (2D). Not conservative: its curl is
//                  A * laplacian(log p_t) and its CCW loop integral is A times the outward
//                  flux of s_true through the loop. Yet e = -A R s_true is exactly in the
//                  null kernel of the Stein operator (Eq. 21): s_true . R s_true = 0 and
//                  div(R grad log p) = 0, i.e. div(p e) = -A div(R grad p) = 0, so it
//                  transports exactly the true marginals (Eq. 20).
//   exact+const:CX,CY  s_true + c. Conservative (its potential gains c . x) but e = -c
//                  gives S = -s_true . c: mean S = 0 (Stein's identity) while RMS S > 0, and
//                  the samples are shifted — mean S alone is no evidence.
//   linear:A11,A12,A21,A22  s = A x (2D here; LinearField takes any D). Exact JVP A v; CCW
//                  loop integral (A21 - A12) pi r^2 around a circle of radius r; asymmetry
//                  |A12 - A21|; relative asymmetry ||A - A^T||_F / ||A + A^T||_F.
//   mlp:FILE       a saved wgf::Mlp checkpoint, as wgf::MlpField.
#pragma once
#include <memory>
#include <string>

#include "wgf/density.hpp"
#include "wgf/schedule.hpp"
#include "wgf/vector_field.hpp"

namespace wgf {

// base + A R base, 2D. JVP: (I + A R) J_base v (exact exactly when the base's is).
class RotatedField final : public VectorField {
 public:
  RotatedField(std::shared_ptr<const VectorField> base, double a);
  int dim() const override { return 2; }
  std::string name() const override;
  Points eval(const Points& x, double t) const override;
  Points jvp(const Points& x, double t, const Points& v) const override;
  bool exact_jvp() const override { return base_->exact_jvp(); }
  double a() const { return a_; }

 private:
  Points apply(const Points& s) const;  // (I + A R) s per column
  std::shared_ptr<const VectorField> base_;
  double a_;
};

// base + c, any D. JVP: the base's.
class ShiftedField final : public VectorField {
 public:
  ShiftedField(std::shared_ptr<const VectorField> base, Vec c);
  int dim() const override { return base_->dim(); }
  std::string name() const override;
  Points eval(const Points& x, double t) const override { return base_->eval(x, t).colwise() + c_; }
  Points jvp(const Points& x, double t, const Points& v) const override { return base_->jvp(x, t, v); }
  bool exact_jvp() const override { return base_->exact_jvp(); }
  const Vec& shift() const { return c_; }

 private:
  std::shared_ptr<const VectorField> base_;
  Vec c_;
};

// s(x, t) = A x for every t, any D; exact JVP A v.
class LinearField final : public VectorField {
 public:
  explicit LinearField(Eigen::MatrixXd A);
  int dim() const override { return static_cast<int>(A_.rows()); }
  std::string name() const override;
  Points eval(const Points& x, double) const override { return A_ * x; }
  Points jvp(const Points&, double, const Points& v) const override { return A_ * v; }
  bool exact_jvp() const override { return true; }
  const Eigen::MatrixXd& matrix() const { return A_; }

 private:
  Eigen::MatrixXd A_;
};

// Parses exact | exact+rot:A | exact+const:CX,CY | linear:A11,A12,A21,A22 | mlp:FILE.
// `density` and `schedule` define s_true (needed by the exact* specs; linear ignores them,
// mlp checks that the checkpoint's dimension and schedule agree with them). Throws
// std::invalid_argument naming the spec and what was expected; mlp:FILE passes on
// Mlp::load's std::runtime_error for an unreadable file.
std::unique_ptr<VectorField> make_field(const std::string& spec, std::shared_ptr<const Density> density,
                                        std::shared_ptr<const Schedule> schedule);

}  // namespace wgf
