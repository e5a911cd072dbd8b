// The diagnostics of a score-like field (DESIGN.md "Diagnostics", paper Secs. 3.2-3.3, 4):
//
//   differential constraint (Eq. 5)  a score's Jacobian ds/dx is symmetric. On a random set I
//       of min(64, D) coordinates (the same for rows and columns) the sub-Jacobian
//       J = d s_I / d x_I is built from JVPs (exact when field.exact_jvp(), central
//       differences otherwise); reported: mean and max of |J - J^T| over the off-diagonal
//       pairs and the relative asymmetry ||J - J^T||_F / ||J + J^T||_F. In 2D the curl
//       d s_2/dx_1 - d s_1/dx_2 is the one independent entry of J - J^T.
//   Stein null-kernel check (Eqs. 20-21)  with e = s_true - s_field the marginals the field
//       transports obey the true Liouville equation plus the source S rho, where
//       S(x, t) = div e + s_true . e = div(rho e) / rho  (the Stein operator applied to e).
//       The field transports exactly the true marginals iff S = 0 pointwise.
//       CAUTION: the mean of S over rho is zero for EVERY decaying error field — Stein's
//       identity, E_rho[S] = int div(rho e) dx = 0 — so a mean S near zero (the paper's
//       Fig. 4b) is no evidence that e lies in the null kernel. The evidence is the pointwise
//       RMS of S, the cancellation ratio RMS(S) / (RMS(div e) + RMS(s_true . e)) (near 0 when
//       div e and s_true . e cancel point by point, near 1 when they do not), and the
//       transport effect itself (compare generated samples with the target).
//   integral constraint (Eq. 4, Eq. 7)  in paths.hpp; the time sweep below collects it.
//
// Every function works for any dimension D; x is (D, N), one point per column, sharing one
// time t. Field evaluations are batched (at most max_batch columns per call).
//
// Sections: [Jacobian asymmetry] [curl] [divergence] [Stein check] [time sweep]
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "wgf/paths.hpp"
#include "wgf/rng.hpp"
#include "wgf/types.hpp"
#include "wgf/vector_field.hpp"

namespace wgf {

// ---- [Jacobian asymmetry] -------------------------------------------------------------------
// `count` distinct coordinates of 0..dim-1 drawn uniformly at random, sorted ascending.
std::vector<int> random_coordinates(int dim, int count, Rng& rng);

// Sub-Jacobians J_j = d s_I / d x_I (x_j, t) from k = |I| JVPs per point (the field's jvp:
// exact or its own central difference). Returned as (k, k N): block j is columns
// [j k, (j + 1) k), J_j(r, c) = d s_{I_r} / d x_{I_c}.
Eigen::MatrixXd sub_jacobian(const VectorField& field, const Points& x, double t, const std::vector<int>& coords,
                             int max_batch = kDefaultMaxBatch);
// The same by explicit central differences of eval: (s(x + h e_c) - s(x - h e_c)) / 2h with
// h = h_rel * max(1, |x_j|_inf) per point (error O(h^2) + O(rounding / h); h_rel = 1e-5 suits
// float64 fields, float32 fields such as the MLP want ~1e-2).
Eigen::MatrixXd sub_jacobian_fd(const VectorField& field, const Points& x, double t, const std::vector<int>& coords,
                                double h_rel = 1e-5, int max_batch = kDefaultMaxBatch);

struct JacobianAsymmetry {
  std::vector<int> coords;  // I (for reproducibility)
  Vec abs_mean;             // (N) mean over off-diagonal pairs r < c of |J_rc - J_cr|
  Vec abs_max;              // (N) max of the same
  Vec rel;                  // (N) ||J - J^T||_F / ||J + J^T||_F (0 when both vanish, inf when only J + J^T does)
};
// From sub-Jacobian blocks as returned by sub_jacobian (k >= 2 coordinates).
JacobianAsymmetry jacobian_asymmetry(const Eigen::MatrixXd& blocks, const std::vector<int>& coords);
// Builds J with sub_jacobian on the given coordinates ...
JacobianAsymmetry jacobian_asymmetry(const VectorField& field, const Points& x, double t, const std::vector<int>& coords,
                                     int max_batch = kDefaultMaxBatch);
// ... or on min(max_coords, D) random ones.
JacobianAsymmetry jacobian_asymmetry(const VectorField& field, const Points& x, double t, Rng& rng, int max_coords = 64,
                                     int max_batch = kDefaultMaxBatch);

// ---- [curl] -----------------------------------------------------------------------------
// A regular 2D grid of nx * ny nodes x_i = x_min + i (x_max - x_min) / (nx - 1), likewise y;
// node (i, j) is column j nx + i of points() (x runs fastest).
struct Grid2D {
  double x_min = -4, x_max = 4, y_min = -4, y_max = 4;
  int nx = 64, ny = 64;
  void validate() const;  // throws std::invalid_argument
  double hx() const { return (x_max - x_min) / (nx - 1); }
  double hy() const { return (y_max - y_min) / (ny - 1); }
  int size() const { return nx * ny; }
  Points points() const;  // (2, nx ny)
};

// Curl d s_2/dx_1 - d s_1/dx_2 of a 2D field at each point (two JVPs per point); (N).
Vec curl_2d(const VectorField& field, const Points& x, double t, int max_batch = kDefaultMaxBatch);
// The same at the grid's nodes, in points() order; (nx ny).
Vec curl_on_grid(const VectorField& field, const Grid2D& grid, double t, int max_batch = kDefaultMaxBatch);

// ---- [divergence] -------------------------------------------------------------------------
struct DivergenceOptions {
  int exact_max_dim = 64;  // D <= this: exact trace from D JVPs; otherwise Hutchinson
  int probes = 16;         // Hutchinson probes (Rademacher) per point
  void validate() const;
};
// div s = tr(ds/dx) from D JVPs along the coordinate axes; (N).
Vec divergence_exact(const VectorField& field, const Points& x, double t, int max_batch = kDefaultMaxBatch);
// Hutchinson: mean over `probes` Rademacher v of v . (ds/dx) v (unbiased; error ~ 1/sqrt(probes)).
Vec divergence_hutchinson(const VectorField& field, const Points& x, double t, int probes, Rng& rng,
                          int max_batch = kDefaultMaxBatch);
Vec divergence(const VectorField& field, const Points& x, double t, const DivergenceOptions& opts, Rng& rng,
               int max_batch = kDefaultMaxBatch);

// ---- [Stein check] -------------------------------------------------------------------------
struct SteinValues {
  Points e;       // (D, N) e = s_true - s_field
  Vec div_e;      // (N) div e
  Vec s_dot_e;    // (N) s_true . e
  Vec stein;      // (N) S = div e + s_true . e  (Eq. 20-21)
  Vec scale;      // (N) |s_true| |e|, the size s_true . e would have without orthogonality
};
// Per point. div e uses the same directions (axes, or the same Rademacher probes) for both
// fields, so identical fields give div e = 0 exactly and the estimator's noise is that of e.
// (ExactScore's JVP is a central difference of the exact score.)
SteinValues stein_values(const VectorField& truth, const VectorField& field, const Points& x, double t,
                         const DivergenceOptions& opts, Rng& rng, int max_batch = kDefaultMaxBatch);

struct SteinSummary {
  double error_l2 = 0;            // E|e|^2
  double stein_mean = 0;          // mean S — zero for every decaying e (Stein's identity): no evidence alone
  double stein_sem = 0;           // standard error of stein_mean (sample std / sqrt(N))
  double stein_rms = 0;           // sqrt(mean S^2): zero iff e is in the null kernel at the samples
  double div_e_rms = 0;           // sqrt(mean (div e)^2)
  double s_dot_e_rms = 0;         // sqrt(mean (s_true . e)^2)
  // stein_rms / max(div_e_rms + s_dot_e_rms, 1e-6 RMS(|s_true| |e|)); 0 when e = 0. The floor
  // matters when div e and s_true . e vanish separately (the rotated score e = A J s_true:
  // div(J s) = -curl s = 0 and s . J s = 0): both are then rounding noise, and their bare
  // ratio would be noise over noise (~1) although S = 0 to that same precision.
  double stein_cancellation = 0;
};
SteinSummary summarize(const SteinValues& v);

// ---- [time sweep] --------------------------------------------------------------------------
// Every diagnostic above at a list of time indices k, over `samples` forward samples
// x_t = m x0 + sigma eps (x0 from the truth's density) per k.
struct SweepConfig {
  std::vector<int> ks;  // time indices in 1..T; empty: num_k values spread evenly over 1..T
  int num_k = 100;
  int samples = 256;    // forward samples (and paths of each kind) per k
  std::vector<PathKind> path_kinds = {PathKind::Brownian, PathKind::Rotation, PathKind::Projection};
  BrownianBridgeConfig brownian;
  int rotation_steps = 1000;
  ProjectionConfig projection;
  int jacobian_coords = 64;  // |I| = min(this, D)
  DivergenceOptions divergence;
  int max_batch = kDefaultMaxBatch;
  std::uint64_t seed = 0;
  // Throws std::invalid_argument naming the bad field.
  void validate(const Schedule& schedule) const;
  // The k values swept: ks, or num_k spread over 1..T (sweep_indices).
  std::vector<int> k_values(const Schedule& schedule) const;
};
// num_k indices spread evenly over 1..T (rounded; duplicates dropped when num_k > T).
std::vector<int> sweep_indices(int T, int num_k);

struct LoopStats {
  PathKind kind = PathKind::Brownian;
  int paths = 0;
  double mean = 0, std = 0, abs_mean = 0;                   // of loop_integral (Eq. 4)
  double ratio_mean = 0, ratio_std = 0, ratio_abs_mean = 0;  // of the Eq. 7 ratio
};

struct SweepRow {
  int k = 0;
  double t = 0, sigma = 0;
  std::vector<LoopStats> loops;  // one per SweepConfig::path_kinds, same order
  std::vector<int> jacobian_coords;  // I at this k
  double jac_asym_abs_mean = 0;  // mean over samples of the per-sample mean |J - J^T|
  double jac_asym_abs_max = 0;   // max over samples of the per-sample max
  double jac_asym_rel = 0;       // mean over samples of ||J - J^T||_F / ||J + J^T||_F
  double curl_rms = 0;           // 2D: RMS of the curl over the samples; NaN for D != 2
  double error_l2 = 0, stein_mean = 0, stein_sem = 0, stein_rms = 0, stein_cancellation = 0;
  double div_e_rms = 0, s_dot_e_rms = 0;
};

// All diagnostics at one time index k. The random streams derive from (seed, k) only, so a
// row does not depend on which other k are swept.
SweepRow diagnose_time(const VectorField& field, const ExactScore& truth, int k, const SweepConfig& cfg);

// Called after each k with (rows done, rows total, the new row); return false to stop early.
using SweepProgress = std::function<bool(int done, int total, const SweepRow& row)>;
std::vector<SweepRow> time_sweep(const VectorField& field, const ExactScore& truth, const SweepConfig& cfg,
                                 const SweepProgress& progress = {});

}  // namespace wgf
