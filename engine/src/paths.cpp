// Sections: [names] [circle, polygon] [brownian] [rotation] [projection] [line integrals]
#include "wgf/paths.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace wgf {
namespace {

constexpr double kTwoPi = 6.28318530717958647692;

void require(bool ok, const std::string& msg) {
  if (!ok) throw std::invalid_argument(msg);
}

// Allocates P paths of L segments in D dimensions.
ClosedPaths allocate(PathKind kind, Eigen::Index D, Eigen::Index P, int L) {
  ClosedPaths out;
  out.kind = kind;
  out.segments = L;
  out.y.resize(D, P * (L + 1));
  return out;
}

// Every path's last column is its first, bit for bit: the loop closes exactly.
void close_paths(ClosedPaths& paths) {
  const Eigen::Index n = paths.points_per_path();
  for (int p = 0; p < paths.count(); ++p) paths.y.col(p * n + n - 1) = paths.y.col(p * n);
}

}  // namespace

// ---- [names] ------------------------------------------------------------------------------
std::string to_string(PathKind kind) {
  switch (kind) {
    case PathKind::Circle: return "circle";
    case PathKind::Polygon: return "polygon";
    case PathKind::Brownian: return "brownian";
    case PathKind::Rotation: return "rotation";
    case PathKind::Projection: return "projection";
  }
  return "?";
}

PathKind parse_path_kind(const std::string& s) {
  for (PathKind k : {PathKind::Circle, PathKind::Polygon, PathKind::Brownian, PathKind::Rotation, PathKind::Projection})
    if (s == to_string(k)) return k;
  throw std::invalid_argument("unknown path kind '" + s + "': expected circle, polygon, brownian, rotation or projection");
}

// ---- [circle, polygon] ----------------------------------------------------------------------
ClosedPaths circle_path(const Eigen::Vector2d& centre, double radius, int segments) {
  return circle_paths(centre, Vec::Constant(1, radius), segments);
}

ClosedPaths circle_paths(const Points& centres, const Vec& radii, int segments) {
  require(centres.rows() == 2, "circle paths are 2D: centres must be (2, P), got " + std::to_string(centres.rows()) + " rows");
  require(radii.size() == centres.cols(), "circle paths: one radius per centre expected");
  require(segments >= 3, "circle paths need at least 3 segments, got " + std::to_string(segments));
  ClosedPaths out = allocate(PathKind::Circle, 2, centres.cols(), segments);
  for (Eigen::Index p = 0; p < centres.cols(); ++p)
    for (int i = 0; i < segments; ++i) {
      const double a = kTwoPi * i / segments;
      const Eigen::Index c = p * (segments + 1) + i;
      out.y(0, c) = centres(0, p) + radii[p] * std::cos(a);
      out.y(1, c) = centres(1, p) + radii[p] * std::sin(a);
    }
  close_paths(out);
  return out;
}

ClosedPaths polygon_path(const Points& vertices, int subdivisions) {
  require(vertices.cols() >= 2, "a polygon path needs at least 2 vertices, got " + std::to_string(vertices.cols()));
  require(subdivisions >= 1, "polygon subdivisions must be >= 1, got " + std::to_string(subdivisions));
  const Eigen::Index V = vertices.cols();
  ClosedPaths out = allocate(PathKind::Polygon, vertices.rows(), 1, static_cast<int>(V) * subdivisions);
  for (Eigen::Index e = 0; e < V; ++e) {
    const auto a = vertices.col(e);
    const auto b = vertices.col((e + 1) % V);
    for (int j = 0; j < subdivisions; ++j)
      out.y.col(e * subdivisions + j) = a + (static_cast<double>(j) / subdivisions) * (b - a);
  }
  close_paths(out);
  return out;
}

// ---- [brownian] --------------------------------------------------------------------------
void BrownianBridgeConfig::validate() const {
  require(U > 0 && std::isfinite(U), "Brownian bridge span U must be > 0, got " + std::to_string(U));
  require(steps >= 2, "Brownian bridge steps must be >= 2, got " + std::to_string(steps));
  require(std::isfinite(scale), "Brownian bridge scale must be finite");
}

ClosedPaths brownian_bridge_paths(const Points& x_t, Rng& rng, const BrownianBridgeConfig& cfg) {
  cfg.validate();
  const Eigen::Index D = x_t.rows();
  const int L = cfg.steps;
  ClosedPaths out = allocate(PathKind::Brownian, D, x_t.cols(), L);
  const double sd = std::sqrt(cfg.U / L);  // increment std over du = U / L
  Points W(D, L + 1);
  for (Eigen::Index p = 0; p < x_t.cols(); ++p) {
    W.col(0).setZero();
    for (int i = 1; i <= L; ++i)
      for (Eigen::Index d = 0; d < D; ++d) W(d, i) = W(d, i - 1) + sd * rng.normal();
    // X_u = W_u - (u/U) W_U with u/U = i/L; X_0 = X_U = 0 exactly.
    auto dst = out.y.middleCols(p * (L + 1), L + 1);
    for (int i = 0; i <= L; ++i)
      dst.col(i) = x_t.col(p) + cfg.scale * (W.col(i) - (static_cast<double>(i) / L) * W.col(L));
  }
  close_paths(out);
  return out;
}

// ---- [rotation] ------------------------------------------------------------------------
ClosedPaths rotation_paths(const Points& x0, const Points& eps, double m, double sigma, Rng& rng, int steps) {
  require(x0.rows() == eps.rows() && x0.cols() == eps.cols(), "rotation paths: x0 and eps must have the same shape");
  require(x0.rows() >= 2, "rotation paths need D >= 2 (one coordinate pair at least)");
  require(steps >= 3, "rotation path steps must be >= 3, got " + std::to_string(steps));
  const Eigen::Index D = x0.rows();
  ClosedPaths out = allocate(PathKind::Rotation, D, x0.cols(), steps);
  std::vector<Eigen::Index> perm(static_cast<size_t>(D));
  std::vector<double> c(static_cast<size_t>(steps)), s(static_cast<size_t>(steps));
  for (int i = 0; i < steps; ++i) {
    c[static_cast<size_t>(i)] = std::cos(kTwoPi * i / steps);
    s[static_cast<size_t>(i)] = std::sin(kTwoPi * i / steps);
  }
  for (Eigen::Index p = 0; p < x0.cols(); ++p) {
    // Random pairing: Fisher–Yates permutation, read two by two.
    std::iota(perm.begin(), perm.end(), Eigen::Index{0});
    for (Eigen::Index i = D - 1; i > 0; --i) std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(rng.uniform_int(0, i))]);
    const Vec centre = m * x0.col(p);
    auto dst = out.y.middleCols(p * (steps + 1), steps + 1);
    Vec e(D);
    for (int i = 0; i < steps; ++i) {
      e = eps.col(p);
      const double ci = c[static_cast<size_t>(i)], si = s[static_cast<size_t>(i)];
      for (Eigen::Index q = 0; q + 1 < D; q += 2) {
        const Eigen::Index a = perm[static_cast<size_t>(q)], b = perm[static_cast<size_t>(q + 1)];
        e[a] = ci * eps(a, p) + si * eps(b, p);
        e[b] = -si * eps(a, p) + ci * eps(b, p);
      }
      dst.col(i) = centre + sigma * e;
    }
  }
  close_paths(out);
  return out;
}

// ---- [projection] ------------------------------------------------------------------------
void ProjectionConfig::validate() const {
  require(noisings >= 2, "projection paths need at least 2 noisings, got " + std::to_string(noisings));
  require(points_per_segment >= 1, "projection points per segment must be >= 1, got " + std::to_string(points_per_segment));
}

ClosedPaths projection_paths(const Points& x0, double m, double sigma, Rng& rng, const ProjectionConfig& cfg) {
  cfg.validate();
  const Eigen::Index D = x0.rows();
  const int K = cfg.noisings, n = cfg.points_per_segment, L = K * n;
  ClosedPaths out = allocate(PathKind::Projection, D, x0.cols(), L);
  Points z(D, K);
  Vec r(K);
  for (Eigen::Index p = 0; p < x0.cols(); ++p) {
    for (int k = 0; k < K; ++k)
      for (Eigen::Index d = 0; d < D; ++d) z(d, k) = sigma * rng.normal();
    for (int k = 0; k < K; ++k) r[k] = z.col(k).norm();
    const Vec centre = m * x0.col(p);
    auto dst = out.y.middleCols(p * (L + 1), L + 1);
    Vec zl(D);
    for (int k = 0; k < K; ++k) {
      const int k1 = (k + 1) % K;
      for (int j = 0; j < n; ++j) {
        const double lam = static_cast<double>(j) / n;
        zl = (1.0 - lam) * z.col(k) + lam * z.col(k1);
        const double rl = (1.0 - lam) * r[k] + lam * r[k1];
        const double nz = zl.norm();
        // The segment passes through the centre only for exactly opposite endpoints (measure
        // zero); there the direction is undefined and the straight point is kept.
        dst.col(k * n + j) = centre + (nz > 0.0 ? rl / nz : 1.0) * zl;
      }
    }
  }
  close_paths(out);
  return out;
}

// ---- [line integrals] ----------------------------------------------------------------------
LoopIntegrals loop_integrals(const VectorField& field, const ClosedPaths& paths, double t, int max_batch) {
  require(paths.segments >= 1, "loop integrals need paths with at least one segment");
  require(paths.dim() == field.dim(), "loop integrals: paths have dimension " + std::to_string(paths.dim()) +
                                          " but the field '" + field.name() + "' has " + std::to_string(field.dim()));
  require(max_batch >= 1, "loop integrals: max_batch must be >= 1");
  const Eigen::Index D = paths.dim(), L = paths.segments, n = L + 1;
  const Eigen::Index P = paths.count(), total = P * L;  // segments over all paths
  LoopIntegrals out{Vec::Zero(P), Vec::Zero(P), Vec::Zero(P)};
  // Equal chunks (1000 segments at max_batch 512: 2 x 500, not 512 + 488): every call then
  // has the same size, so fields that cache per-batch buffers (the MLP) never reallocate.
  const Eigen::Index chunks = (total + max_batch - 1) / max_batch, size = (total + chunks - 1) / chunks;
  Points mid, dy;
  for (Eigen::Index g0 = 0; g0 < total; g0 += size) {
    const Eigen::Index B = std::min<Eigen::Index>(size, total - g0);
    mid.resize(D, B);
    dy.resize(D, B);
    for (Eigen::Index b = 0; b < B; ++b) {
      const Eigen::Index g = g0 + b, p = g / L, i = g % L;
      const auto y0 = paths.y.col(p * n + i);
      const auto y1 = paths.y.col(p * n + i + 1);
      mid.col(b) = 0.5 * (y0 + y1);
      dy.col(b) = y1 - y0;
    }
    const Points s = field.eval(mid, t);
    for (Eigen::Index b = 0; b < B; ++b) {
      const Eigen::Index p = (g0 + b) / L;
      out.integral[p] += s.col(b).dot(dy.col(b));
      out.norm[p] += mid.col(b).norm() * dy.col(b).norm();
    }
  }
  for (Eigen::Index p = 0; p < P; ++p) out.ratio[p] = out.norm[p] > 0.0 ? 2.0 * out.integral[p] / out.norm[p] : 0.0;
  return out;
}

}  // namespace wgf
