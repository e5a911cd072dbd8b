// Closed paths and the integral constraint of a score (paper Eq. 4): for s = grad log p_t,
// the line integral of s around every closed path vanishes. The line integral is the
// midpoint rule over the path's segments,
//   loop_integral = sum_i s(y_mid_i, t) . (y_{i+1} - y_i),  y_mid_i = (y_i + y_{i+1}) / 2,
// over y_0 .. y_L with y_L = y_0; for a gradient field it is zero up to O(L^-2) (each segment
// errs by phi'''[dy, dy, dy] / 24 while the potential differences telescope to zero).
// Eq. 7 makes it non-dimensional against the linear drift x of the reverse dynamics:
//   loop_ratio = 2 * loop_integral / loop_norm,  loop_norm = sum_i |y_mid_i| |y_{i+1} - y_i|
// (the denominator with the same midpoint rule).
//
// Path mechanisms (paper Sec. 3.2, DESIGN.md "Diagnostics"); all work in any dimension D
// except circles:
//   circle      2D, counter-clockwise, n segments;
//   polygon     user points, each edge cut into equal segments, closed back to the first;
//   brownian    Brownian bridge X_u = W_u - (u/U) W_U, u in [0, U], added to x_t (scaled);
//   rotation    the noise eps of x_t = m x0 + sigma eps, its coordinates paired at random and
//               every pair rotated by 2 pi u: y(u) = m x0 + sigma eps'(u), u: 0 -> 1 (stays
//               on the noise shell |y - m x0| = sigma |eps|). In 2D the random pairing is
//               (0, 1) or (1, 0), so a rotation path runs either way round at random: the
//               sign of its integral is random and abs_mean is the statistic to read;
//   projection  K noisings of one x0 joined cyclically by straight segments projected
//               radially back onto the noise shell around m x0, the radius interpolated
//               linearly between the segment's endpoint radii.
//
// Shapes: a batch of P paths of L segments is one (D, P (L + 1)) matrix, path after path,
// each path's last column equal to its first (bit for bit).
#pragma once
#include <string>

#include "wgf/rng.hpp"
#include "wgf/types.hpp"
#include "wgf/vector_field.hpp"

namespace wgf {

enum class PathKind { Circle, Polygon, Brownian, Rotation, Projection };
std::string to_string(PathKind kind);  // circle|polygon|brownian|rotation|projection
// Throws std::invalid_argument naming the expected values.
PathKind parse_path_kind(const std::string& s);

struct ClosedPaths {
  PathKind kind = PathKind::Polygon;
  int segments = 0;  // L: points y_0 .. y_L per path, y_L = y_0
  Points y;          // (D, P (L + 1))

  int dim() const { return static_cast<int>(y.rows()); }
  int points_per_path() const { return segments + 1; }
  int count() const { return segments > 0 ? static_cast<int>(y.cols()) / (segments + 1) : 0; }
  // Path p as a (D, L + 1) block.
  Points::ConstColsBlockXpr path(int p) const {
    return y.middleCols(static_cast<Eigen::Index>(p) * (segments + 1), segments + 1);
  }
};

// Default evaluation batch of the diagnostics: at most this many columns per VectorField call
// (split into equal chunks). Sized for the engine's CPU MLP, whose width-128 activations stay
// in cache up to a few hundred columns: 1.03 M evaluations/s at 512 against 0.85 at 2048 and
// 0.59 at 8192 (bench/bench_sweep2d). Fields with a high per-call cost (a GPU model) want a
// much larger max_batch, which every diagnostic takes as a parameter.
constexpr int kDefaultMaxBatch = 512;

// ---- path generators -----------------------------------------------------------------
// One counter-clockwise circle: y_i = centre + r (cos 2 pi i/n, sin 2 pi i/n), i = 0..n.
ClosedPaths circle_path(const Eigen::Vector2d& centre, double radius, int segments);
// P circles: centres (2, P), radii (P).
ClosedPaths circle_paths(const Points& centres, const Vec& radii, int segments);
// Vertices (D, V), V >= 2, visited in order and closed back to the first; every edge is cut
// into `subdivisions` equal segments (L = V * subdivisions).
ClosedPaths polygon_path(const Points& vertices, int subdivisions);

struct BrownianBridgeConfig {
  double U = 9.0;       // fictitious time span
  int steps = 1000;     // segments L
  double scale = 1.0;   // y = x_t + scale * X_u
  void validate() const;
};
// One bridge per column of x_t (D, P); increments W_{u+du} - W_u ~ N(0, du I) drawn path by
// path, step by step, coordinate by coordinate.
ClosedPaths brownian_bridge_paths(const Points& x_t, Rng& rng, const BrownianBridgeConfig& cfg = {});

// One rotation path per column of x0, eps (D, P) (x_t = m x0 + sigma eps), L = steps; the
// pairing of each path is a random permutation of 0..D-1 taken two by two (odd D: the last
// coordinate of the permutation stays fixed). Pair (a, b) turns as the paper writes it:
// eps'_a = cos(2 pi u) eps_a + sin(2 pi u) eps_b, eps'_b = -sin(2 pi u) eps_a + cos(2 pi u) eps_b.
ClosedPaths rotation_paths(const Points& x0, const Points& eps, double m, double sigma, Rng& rng, int steps = 1000);

struct ProjectionConfig {
  int noisings = 10;             // K >= 2 points on the shell, joined cyclically
  int points_per_segment = 100;  // L = K * points_per_segment
  void validate() const;
};
// One projection path per column of x0 (D, P): noisings z_k = sigma eps_k, eps_k ~ N(0, I)
// (drawn path by path); along segment k, for lambda = j / points_per_segment,
// z = (1 - lambda) z_k + lambda z_{k+1}, r = (1 - lambda) |z_k| + lambda |z_{k+1}|,
// y = m x0 + r z / |z|.
ClosedPaths projection_paths(const Points& x0, double m, double sigma, Rng& rng, const ProjectionConfig& cfg = {});

// ---- line integrals (Eq. 4, Eq. 7) ---------------------------------------------------------
struct LoopIntegrals {
  Vec integral;  // (P) loop_integral = sum s(y_mid) . dy
  Vec norm;      // (P) loop_norm = sum |y_mid| |dy|
  Vec ratio;     // (P) Eq. 7: 2 integral / norm (0 for a degenerate path of zero length)
};
// Evaluates the field at every segment midpoint of every path, in equal chunks of at most
// max_batch columns per VectorField::eval call (segments of different paths share a call).
LoopIntegrals loop_integrals(const VectorField& field, const ClosedPaths& paths, double t,
                             int max_batch = kDefaultMaxBatch);

}  // namespace wgf
