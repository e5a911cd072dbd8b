#include "wgf/test_fields.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <locale>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "wgf/mlp.hpp"

namespace wgf {
namespace {

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // Shortest form that round-trips, for readable names ("exact+rot:0.5").
  for (int p = 1; p <= 17; ++p) {
    char b2[32];
    std::snprintf(b2, sizeof b2, "%.*g", p, v);
    if (std::strtod(b2, nullptr) == v) return b2;
  }
  return buf;
}

[[noreturn]] void bad_spec(const std::string& spec, const std::string& why) {
  throw std::invalid_argument("field spec '" + spec + "': " + why +
                              " (expected exact, exact+rot:A, exact+const:CX,CY, linear:A11,A12,A21,A22 or mlp:FILE)");
}

// One number at p (no leading space or '+'), locale-independent; advances p. False on failure.
bool parse_double(const char*& p, const char* end, double& v) {
#if defined(__cpp_lib_to_chars)
  const auto res = std::from_chars(p, end, v);
  if (res.ec != std::errc()) return false;
  p = res.ptr;
  return true;
#else
  // The libc++ of Debian's Emscripten 3.1.6 has no floating-point from_chars; a stream in the
  // classic locale reads the same numbers.
  if (p == end || *p == ' ' || *p == '+') return false;
  std::istringstream in(std::string(p, end));
  in.imbue(std::locale::classic());
  if (!(in >> v)) return false;
  p = in.eof() ? end : p + static_cast<std::ptrdiff_t>(in.tellg());
  return true;
#endif
}

// `count` comma-separated finite numbers, nothing else (locale-independent).
std::vector<double> parse_numbers(const std::string& spec, const std::string& text, size_t count, const char* what) {
  std::vector<double> out;
  const char* p = text.data();
  const char* end = p + text.size();
  while (true) {
    double v = 0.0;
    if (!parse_double(p, end, v) || !std::isfinite(v))
      bad_spec(spec, std::string("expected ") + what + ", got '" + text + "'");
    out.push_back(v);
    if (p == end) break;
    if (*p != ',') bad_spec(spec, std::string("expected ") + what + ", got '" + text + "'");
    ++p;
  }
  if (out.size() != count) bad_spec(spec, std::string("expected ") + what + ", got " + std::to_string(out.size()) + " numbers");
  return out;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

}  // namespace

// ---- RotatedField ---------------------------------------------------------------------------
RotatedField::RotatedField(std::shared_ptr<const VectorField> base, double a) : base_(std::move(base)), a_(a) {
  if (!base_ || base_->dim() != 2)
    throw std::invalid_argument("rotated field (base + A R base) is 2D only; base field has dimension " +
                                std::to_string(base_ ? base_->dim() : 0));
}

std::string RotatedField::name() const { return base_->name() + "+rot:" + fmt(a_); }

Points RotatedField::apply(const Points& s) const {
  // R s = (-s_2, s_1).
  Points out(2, s.cols());
  out.row(0) = s.row(0) - a_ * s.row(1);
  out.row(1) = s.row(1) + a_ * s.row(0);
  return out;
}

Points RotatedField::eval(const Points& x, double t) const { return apply(base_->eval(x, t)); }
Points RotatedField::jvp(const Points& x, double t, const Points& v) const { return apply(base_->jvp(x, t, v)); }

// ---- ShiftedField ---------------------------------------------------------------------------
ShiftedField::ShiftedField(std::shared_ptr<const VectorField> base, Vec c) : base_(std::move(base)), c_(std::move(c)) {
  if (!base_ || base_->dim() != c_.size())
    throw std::invalid_argument("shifted field: the shift has " + std::to_string(c_.size()) +
                                " components but the base field has dimension " + std::to_string(base_ ? base_->dim() : 0));
}

std::string ShiftedField::name() const {
  std::string s = base_->name() + "+const:";
  for (Eigen::Index i = 0; i < c_.size(); ++i) s += (i ? "," : "") + fmt(c_[i]);
  return s;
}

// ---- LinearField ---------------------------------------------------------------------------
LinearField::LinearField(Eigen::MatrixXd A) : A_(std::move(A)) {
  if (A_.rows() != A_.cols() || A_.rows() < 1)
    throw std::invalid_argument("linear field needs a square matrix, got " + std::to_string(A_.rows()) + "x" +
                                std::to_string(A_.cols()));
}

std::string LinearField::name() const {
  std::string s = "linear:";
  for (Eigen::Index i = 0; i < A_.rows(); ++i)
    for (Eigen::Index j = 0; j < A_.cols(); ++j) s += (i || j ? "," : "") + fmt(A_(i, j));
  return s;
}

// ---- make_field ----------------------------------------------------------------------------
std::unique_ptr<VectorField> make_field(const std::string& spec, std::shared_ptr<const Density> density,
                                        std::shared_ptr<const Schedule> schedule) {
  auto exact = [&]() {
    if (!density || !schedule) bad_spec(spec, "the exact score needs a density and a schedule");
    return std::make_shared<const ExactScore>(density, schedule);
  };
  if (spec == "exact") {
    exact();  // checks the density and schedule
    return std::make_unique<ExactScore>(density, schedule);
  }
  if (starts_with(spec, "exact+rot:")) {
    const double a = parse_numbers(spec, spec.substr(10), 1, "one number A after 'exact+rot:'")[0];
    auto base = exact();
    if (base->dim() != 2) bad_spec(spec, "the rotated score is 2D only, density '" + density->name() + "' has dimension " + std::to_string(base->dim()));
    return std::make_unique<RotatedField>(base, a);
  }
  if (starts_with(spec, "exact+const:")) {
    auto base = exact();
    const std::vector<double> c = parse_numbers(spec, spec.substr(12), static_cast<size_t>(base->dim()),
                                                base->dim() == 2 ? "two numbers CX,CY after 'exact+const:'"
                                                                 : "one number per dimension after 'exact+const:'");
    return std::make_unique<ShiftedField>(base, Eigen::Map<const Vec>(c.data(), static_cast<Eigen::Index>(c.size())));
  }
  if (starts_with(spec, "linear:")) {
    const std::vector<double> a = parse_numbers(spec, spec.substr(7), 4, "four numbers A11,A12,A21,A22 after 'linear:'");
    if (density && density->dim() != 2) bad_spec(spec, "the linear field is 2D, density '" + density->name() + "' is not");
    Eigen::MatrixXd A(2, 2);
    A << a[0], a[1], a[2], a[3];
    return std::make_unique<LinearField>(A);
  }
  if (starts_with(spec, "mlp:")) {
    const std::string file = spec.substr(4);
    if (file.empty()) bad_spec(spec, "expected a checkpoint file after 'mlp:'");
    auto mlp = std::make_shared<Mlp>(Mlp::load(file));
    if (density && mlp->config().dim != density->dim())
      bad_spec(spec, "the network has dimension " + std::to_string(mlp->config().dim) + " but density '" +
                         density->name() + "' has " + std::to_string(density->dim()));
    if (schedule && mlp->schedule().name() != schedule->name())
      bad_spec(spec, "the network was trained with schedule '" + mlp->schedule().name() +
                         "' (its time input means that schedule's t) but the diagnostics run on '" + schedule->name() + "'");
    return std::make_unique<MlpField>(mlp);
  }
  bad_spec(spec, "unknown field");
}

}  // namespace wgf
