// The built-in 2D densities. Every non-Gaussian shape is a fine Gaussian mixture whose
// components sit at equal arc-length (curves) or on a lattice (areas), spaced about one
// component standard deviation apart so the mixture looks continuous; it is the density the
// lab samples from and whose noisy score it knows exactly.
#include <cmath>
#include <functional>
#include <stdexcept>

#include "wgf/density.hpp"

namespace wgf {
namespace {

constexpr double kPi = 3.14159265358979323846;

GaussianComponent iso(double w, double x, double y, double std) {
  GaussianComponent c;
  c.weight = w;
  c.mean = Vec(2);
  c.mean << x, y;
  c.cov = Eigen::MatrixXd::Identity(2, 2) * (std * std);
  return c;
}

// Components along the curve c(u), u in [a, b], one every `spacing` of arc length; the
// curve's total weight is proportional to its length (uniform density along all curves).
void add_curve(std::vector<GaussianComponent>& out, const std::function<Eigen::Vector2d(double)>& c,
               double a, double b, double spacing, double std) {
  constexpr int kFine = 20000;
  std::vector<double> arc(kFine + 1, 0.0);
  for (int i = 1; i <= kFine; ++i)
    arc[i] = arc[i - 1] + (c(a + (b - a) * i / kFine) - c(a + (b - a) * (i - 1) / kFine)).norm();
  const double length = arc.back();
  const int n = std::max(2, static_cast<int>(std::ceil(length / spacing)));
  size_t i = 0;
  for (int j = 0; j < n; ++j) {
    const double target = length * (j + 0.5) / n;  // midpoints of n equal arcs
    while (i + 1 < arc.size() && arc[i + 1] < target) ++i;
    const double frac = (target - arc[i]) / std::max(arc[i + 1] - arc[i], 1e-300);
    const Eigen::Vector2d p = c(a + (b - a) * (i + frac) / kFine);
    out.push_back(iso(length / n, p.x(), p.y(), std));
  }
}

std::unique_ptr<Density> gaussian() {
  GaussianComponent c;
  c.mean = Vec(2);
  c.mean << 0.8, -0.4;
  c.cov = Eigen::MatrixXd(2, 2);
  c.cov << 0.5, 0.3, 0.3, 0.4;
  return std::make_unique<GaussianMixture>("gaussian", std::vector<GaussianComponent>{c});
}

std::unique_ptr<Density> gmm8() {
  std::vector<GaussianComponent> cs;
  for (int i = 0; i < 8; ++i) cs.push_back(iso(1.0, 2.0 * std::cos(2 * kPi * i / 8), 2.0 * std::sin(2 * kPi * i / 8), 0.2));
  return std::make_unique<GaussianMixture>("gmm8", cs);
}

std::unique_ptr<Density> rings() {
  std::vector<GaussianComponent> cs;
  for (double r : {1.0, 2.0})
    add_curve(cs, [r](double u) { return Eigen::Vector2d(r * std::cos(u), r * std::sin(u)); }, 0, 2 * kPi, 0.1, 0.1);
  return std::make_unique<GaussianMixture>("rings", cs);
}

std::unique_ptr<Density> moons() {
  // scikit-learn's two moons, centred and scaled by 1.5.
  std::vector<GaussianComponent> cs;
  const double k = 1.5;
  add_curve(cs, [k](double u) { return Eigen::Vector2d(k * (std::cos(u) - 0.5), k * (std::sin(u) - 0.25)); }, 0, kPi, 0.1, 0.1);
  add_curve(cs, [k](double u) { return Eigen::Vector2d(k * (0.5 - std::cos(u)), k * (0.25 - std::sin(u))); }, 0, kPi, 0.1, 0.1);
  return std::make_unique<GaussianMixture>("moons", cs);
}

std::unique_ptr<Density> checkerboard() {
  // 4 x 4 board on [-2, 2]^2, the 8 cells with (i + j) even filled; each cell a 6 x 6 lattice.
  std::vector<GaussianComponent> cs;
  const int n = 6;
  const double h = 1.0 / n;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      if ((i + j) % 2) continue;
      for (int a = 0; a < n; ++a)
        for (int b = 0; b < n; ++b) cs.push_back(iso(1.0, -2.0 + i + (a + 0.5) * h, -2.0 + j + (b + 0.5) * h, 0.6 * h));
    }
  return std::make_unique<GaussianMixture>("checkerboard", cs);
}

std::unique_ptr<Density> swissroll() {
  std::vector<GaussianComponent> cs;
  const double scale = 2.5 / (4.5 * kPi);
  add_curve(cs, [scale](double u) { return Eigen::Vector2d(scale * u * std::cos(u), scale * u * std::sin(u)); },
            1.5 * kPi, 4.5 * kPi, 0.1, 0.1);
  return std::make_unique<GaussianMixture>("swissroll", cs);
}

std::unique_ptr<Density> spiral() {
  // Two interleaved Archimedean arms, r = 0.3 + 2 u / (3 pi), u in [0, 3 pi], the second turned by pi.
  std::vector<GaussianComponent> cs;
  for (double phase : {0.0, kPi})
    add_curve(cs, [phase](double u) {
      const double r = 0.3 + 2.0 * u / (3.0 * kPi);
      return Eigen::Vector2d(r * std::cos(u + phase), r * std::sin(u + phase));
    }, 0, 3 * kPi, 0.08, 0.08);
  return std::make_unique<GaussianMixture>("spiral", cs);
}

}  // namespace

std::vector<std::string> density_names() {
  return {"gaussian", "gmm8", "rings", "moons", "checkerboard", "swissroll", "spiral", "funnel"};
}

std::unique_ptr<Density> make_density(const std::string& name) {
  if (name == "gaussian") return gaussian();
  if (name == "gmm8") return gmm8();
  if (name == "rings") return rings();
  if (name == "moons") return moons();
  if (name == "checkerboard") return checkerboard();
  if (name == "swissroll") return swissroll();
  if (name == "spiral") return spiral();
  if (name == "funnel") return std::make_unique<Funnel>();
  std::string list;
  for (const auto& n : density_names()) list += (list.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown density '" + name + "': expected one of " + list);
}

}  // namespace wgf
