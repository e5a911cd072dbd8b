// Sections: [batched evaluation] [Jacobian asymmetry] [curl] [divergence] [Stein check]
//           [time sweep]
//
// Cost note (2D, width-128 depth-3 MLP): one k costs samples x (1000 + 1000 + 1000) field
// evaluations for the three path kinds against ~2 samples for everything else, so the paths
// are the whole bill: 256 samples x 100 k = 77M evaluations, ~5.4 TFLOP of matrix products,
// i.e. >= 38 s at this machine's single-core SGEMM peak (~140 GFLOP/s) and ~76 s at the
// MlpField's ~1.0 M evaluations/s (bench/bench_sweep2d). Path generation and bookkeeping are
// ~3% of that. Fewer path steps or samples (SweepConfig) buy time linearly.
#include "wgf/diagnostics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "wgf/ou.hpp"

namespace wgf {
namespace {

void require(bool ok, const std::string& msg) {
  if (!ok) throw std::invalid_argument(msg);
}

void check_points(const VectorField& field, const Points& x, const char* who) {
  require(x.rows() == field.dim(), std::string(who) + ": points have dimension " + std::to_string(x.rows()) +
                                       " but the field '" + field.name() + "' has " + std::to_string(field.dim()));
  require(x.cols() >= 1, std::string(who) + ": no points");
}

// ---- [batched evaluation] ------------------------------------------------------------------
// Columns per call when `total` columns go through a field in calls of at most max_batch:
// equal chunks, so a field that caches per-batch buffers (the MLP) never reallocates them.
Eigen::Index chunk_size(Eigen::Index total, int max_batch) {
  require(max_batch >= 1, "diagnostics: max_batch must be >= 1, got " + std::to_string(max_batch));
  if (total <= 0) return 1;
  const Eigen::Index chunks = (total + max_batch - 1) / max_batch;
  return (total + chunks - 1) / chunks;
}

// The diagnostics replicate each point x_j (N of them) `reps` times with a direction per
// replica: column g = r N + j of the virtual (D, reps N) batch is (x_j, v_{r,j}). These
// helpers walk that batch in chunks of at most max_batch columns, so memory stays bounded
// in high D while each VectorField call stays large.
//   fill(r, j, v)             writes direction v_{r,j} into v (zeroed beforehand);
//   take(r, j, jv, v)         receives J(x_j) v_{r,j} and v_{r,j}.
template <class Fill, class Take>
void jvp_columns(const VectorField& field, const Points& x, double t, Eigen::Index reps, int max_batch, Fill fill,
                 Take take) {
  const Eigen::Index D = x.rows(), N = x.cols(), total = reps * N, size = chunk_size(total, max_batch);
  Points X, V;
  for (Eigen::Index g0 = 0; g0 < total; g0 += size) {
    const Eigen::Index B = std::min<Eigen::Index>(size, total - g0);
    X.resize(D, B);
    V.setZero(D, B);
    for (Eigen::Index b = 0; b < B; ++b) {
      const Eigen::Index g = g0 + b;
      X.col(b) = x.col(g % N);
      auto v = V.col(b);
      fill(g / N, g % N, v);
    }
    const Points JV = field.jvp(X, t, V);
    for (Eigen::Index b = 0; b < B; ++b) take((g0 + b) / N, (g0 + b) % N, JV.col(b), V.col(b));
  }
}

// Plain eval of a (D, M) batch in chunks.
Points eval_chunked(const VectorField& field, const Points& x, double t, int max_batch) {
  Points out(field.dim(), x.cols());
  const Eigen::Index size = chunk_size(x.cols(), max_batch);
  for (Eigen::Index g0 = 0; g0 < x.cols(); g0 += size) {
    const Eigen::Index B = std::min<Eigen::Index>(size, x.cols() - g0);
    out.middleCols(g0, B) = field.eval(x.middleCols(g0, B), t);
  }
  return out;
}

double mean_of(const Vec& v) { return v.size() ? v.mean() : 0.0; }
double rms_of(const Vec& v) { return v.size() ? std::sqrt(v.squaredNorm() / static_cast<double>(v.size())) : 0.0; }
double std_of(const Vec& v) {  // sample standard deviation (n - 1)
  if (v.size() < 2) return 0.0;
  return std::sqrt((v.array() - v.mean()).square().sum() / static_cast<double>(v.size() - 1));
}

}  // namespace

// ---- [Jacobian asymmetry] ------------------------------------------------------------------
std::vector<int> random_coordinates(int dim, int count, Rng& rng) {
  require(dim >= 1 && count >= 1 && count <= dim,
          "random coordinates: need 1 <= count <= dim, got count " + std::to_string(count) + " of dim " + std::to_string(dim));
  // Partial Fisher–Yates: the first `count` entries of a random permutation.
  std::vector<int> perm(static_cast<size_t>(dim));
  for (int i = 0; i < dim; ++i) perm[static_cast<size_t>(i)] = i;
  for (int i = 0; i < count; ++i)
    std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(rng.uniform_int(i, dim - 1))]);
  perm.resize(static_cast<size_t>(count));
  std::sort(perm.begin(), perm.end());
  return perm;
}

namespace {
void check_coords(const VectorField& field, const std::vector<int>& coords) {
  require(!coords.empty(), "sub-Jacobian: no coordinates");
  for (int c : coords)
    require(c >= 0 && c < field.dim(), "sub-Jacobian: coordinate " + std::to_string(c) + " outside 0.." +
                                           std::to_string(field.dim() - 1));
}
}  // namespace

Eigen::MatrixXd sub_jacobian(const VectorField& field, const Points& x, double t, const std::vector<int>& coords,
                             int max_batch) {
  check_points(field, x, "sub_jacobian");
  check_coords(field, coords);
  const Eigen::Index k = static_cast<Eigen::Index>(coords.size());
  Eigen::MatrixXd J(k, k * x.cols());
  // Replica c carries direction e_{I_c}: J(x_j) e_{I_c} is column c of block j.
  jvp_columns(
      field, x, t, k, max_batch, [&](Eigen::Index c, Eigen::Index, auto& v) { v[coords[static_cast<size_t>(c)]] = 1.0; },
      [&](Eigen::Index c, Eigen::Index j, const auto& jv, const auto&) {
        for (Eigen::Index r = 0; r < k; ++r) J(r, j * k + c) = jv[coords[static_cast<size_t>(r)]];
      });
  return J;
}

Eigen::MatrixXd sub_jacobian_fd(const VectorField& field, const Points& x, double t, const std::vector<int>& coords,
                                double h_rel, int max_batch) {
  check_points(field, x, "sub_jacobian_fd");
  check_coords(field, coords);
  require(h_rel > 0, "sub_jacobian_fd: step must be > 0");
  const Eigen::Index D = x.rows(), N = x.cols(), k = static_cast<Eigen::Index>(coords.size());
  Vec h(N);
  for (Eigen::Index j = 0; j < N; ++j) h[j] = h_rel * std::max(1.0, x.col(j).cwiseAbs().maxCoeff());
  // Column g = (2c + side) N + j of the virtual batch is x_j +/- h_j e_{I_c}.
  const Eigen::Index total = 2 * k * N;
  Eigen::MatrixXd J(k, k * N);
  Points X;
  Eigen::MatrixXd splus(k, k * N);  // s_I(x_j + h_j e_c), kept until the "-" partner arrives
  const Eigen::Index size = chunk_size(total, max_batch);
  for (Eigen::Index g0 = 0; g0 < total; g0 += size) {
    const Eigen::Index B = std::min<Eigen::Index>(size, total - g0);
    X.resize(D, B);
    for (Eigen::Index b = 0; b < B; ++b) {
      const Eigen::Index g = g0 + b, rep = g / N, j = g % N, c = rep / 2;
      X.col(b) = x.col(j);
      X(coords[static_cast<size_t>(c)], b) += (rep % 2 == 0 ? h[j] : -h[j]);
    }
    const Points S = field.eval(X, t);
    for (Eigen::Index b = 0; b < B; ++b) {
      const Eigen::Index g = g0 + b, rep = g / N, j = g % N, c = rep / 2;
      for (Eigen::Index r = 0; r < k; ++r) {
        const double s = S(coords[static_cast<size_t>(r)], b);
        if (rep % 2 == 0)
          splus(r, j * k + c) = s;
        else
          J(r, j * k + c) = (splus(r, j * k + c) - s) / (2.0 * h[j]);
      }
    }
  }
  return J;
}

JacobianAsymmetry jacobian_asymmetry(const Eigen::MatrixXd& blocks, const std::vector<int>& coords) {
  const Eigen::Index k = static_cast<Eigen::Index>(coords.size());
  require(k >= 2, "Jacobian asymmetry needs at least 2 coordinates, got " + std::to_string(k));
  require(blocks.rows() == k && blocks.cols() % k == 0, "Jacobian asymmetry: blocks must be (k, k N)");
  const Eigen::Index N = blocks.cols() / k;
  JacobianAsymmetry out{coords, Vec(N), Vec(N), Vec(N)};
  const double pairs = 0.5 * static_cast<double>(k * (k - 1));
  for (Eigen::Index j = 0; j < N; ++j) {
    const auto J = blocks.middleCols(j * k, k);
    double sum = 0.0, mx = 0.0;
    for (Eigen::Index c = 1; c < k; ++c)
      for (Eigen::Index r = 0; r < c; ++r) {
        const double a = std::abs(J(r, c) - J(c, r));
        sum += a;
        mx = std::max(mx, a);
      }
    out.abs_mean[j] = sum / pairs;
    out.abs_max[j] = mx;
    const double anti = (J - J.transpose()).norm(), sym = (J + J.transpose()).norm();
    out.rel[j] = anti == 0.0 ? 0.0 : (sym > 0.0 ? anti / sym : std::numeric_limits<double>::infinity());
  }
  return out;
}

JacobianAsymmetry jacobian_asymmetry(const VectorField& field, const Points& x, double t, const std::vector<int>& coords,
                                     int max_batch) {
  return jacobian_asymmetry(sub_jacobian(field, x, t, coords, max_batch), coords);
}

JacobianAsymmetry jacobian_asymmetry(const VectorField& field, const Points& x, double t, Rng& rng, int max_coords,
                                     int max_batch) {
  require(max_coords >= 2, "Jacobian asymmetry needs at least 2 coordinates");
  const std::vector<int> I = random_coordinates(field.dim(), std::min(max_coords, field.dim()), rng);
  return jacobian_asymmetry(field, x, t, I, max_batch);
}

// ---- [curl] -----------------------------------------------------------------------------
void Grid2D::validate() const {
  require(nx >= 3 && ny >= 3, "grid needs at least 3 x 3 nodes, got " + std::to_string(nx) + " x " + std::to_string(ny));
  require(x_max > x_min && y_max > y_min, "grid box must have x_max > x_min and y_max > y_min");
}

Points Grid2D::points() const {
  validate();
  Points p(2, size());
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) {
      p(0, j * nx + i) = x_min + i * hx();
      p(1, j * nx + i) = y_min + j * hy();
    }
  return p;
}

Vec curl_2d(const VectorField& field, const Points& x, double t, int max_batch) {
  require(field.dim() == 2, "the curl is a 2D diagnostic; field '" + field.name() + "' has dimension " +
                                std::to_string(field.dim()));
  const Eigen::MatrixXd J = sub_jacobian(field, x, t, {0, 1}, max_batch);
  Vec curl(x.cols());
  for (Eigen::Index j = 0; j < x.cols(); ++j) curl[j] = J(1, 2 * j) - J(0, 2 * j + 1);  // ds2/dx1 - ds1/dx2
  return curl;
}

Vec curl_on_grid(const VectorField& field, const Grid2D& grid, double t, int max_batch) {
  return curl_2d(field, grid.points(), t, max_batch);
}

// ---- [divergence] -------------------------------------------------------------------------
void DivergenceOptions::validate() const {
  require(exact_max_dim >= 0, "divergence: exact_max_dim must be >= 0");
  require(probes >= 1, "divergence: Hutchinson probes must be >= 1, got " + std::to_string(probes));
}

namespace {
// Rademacher direction: each coordinate +1 or -1 with probability 1/2 (one random bit each).
template <class V>
void rademacher(Rng& rng, V& v) {
  for (Eigen::Index d = 0; d < v.size(); ++d) v[d] = (rng.next_u64() >> 63) ? 1.0 : -1.0;
}
}  // namespace

Vec divergence_exact(const VectorField& field, const Points& x, double t, int max_batch) {
  check_points(field, x, "divergence");
  Vec div = Vec::Zero(x.cols());
  jvp_columns(
      field, x, t, x.rows(), max_batch, [](Eigen::Index d, Eigen::Index, auto& v) { v[d] = 1.0; },
      [&](Eigen::Index d, Eigen::Index j, const auto& jv, const auto&) { div[j] += jv[d]; });
  return div;
}

Vec divergence_hutchinson(const VectorField& field, const Points& x, double t, int probes, Rng& rng, int max_batch) {
  check_points(field, x, "divergence");
  require(probes >= 1, "Hutchinson divergence needs at least one probe");
  Vec div = Vec::Zero(x.cols());
  jvp_columns(
      field, x, t, probes, max_batch, [&](Eigen::Index, Eigen::Index, auto& v) { rademacher(rng, v); },
      [&](Eigen::Index, Eigen::Index j, const auto& jv, const auto& v) { div[j] += v.dot(jv); });
  return div / probes;
}

Vec divergence(const VectorField& field, const Points& x, double t, const DivergenceOptions& opts, Rng& rng,
               int max_batch) {
  opts.validate();
  return field.dim() <= opts.exact_max_dim ? divergence_exact(field, x, t, max_batch)
                                           : divergence_hutchinson(field, x, t, opts.probes, rng, max_batch);
}

// ---- [Stein check] -------------------------------------------------------------------------
SteinValues stein_values(const VectorField& truth, const VectorField& field, const Points& x, double t,
                         const DivergenceOptions& opts, Rng& rng, int max_batch) {
  opts.validate();
  check_points(field, x, "Stein check");
  check_points(truth, x, "Stein check");
  const Eigen::Index D = x.rows(), N = x.cols();
  SteinValues out;
  const Points s_true = eval_chunked(truth, x, t, max_batch);
  out.e = s_true - eval_chunked(field, x, t, max_batch);
  out.s_dot_e = (s_true.cwiseProduct(out.e)).colwise().sum().transpose();
  out.scale = (s_true.colwise().norm().array() * out.e.colwise().norm().array()).transpose();

  // div e = div s_true - div s_field along shared directions: the exact trace (axes) or the
  // same Rademacher probes for both fields. The directions are drawn once, chunk by chunk,
  // and both fields see the same chunk.
  const bool exact = D <= opts.exact_max_dim;
  const Eigen::Index reps = exact ? D : opts.probes, total = reps * N;
  out.div_e = Vec::Zero(N);
  const Eigen::Index size = chunk_size(total, max_batch);
  Points X, V;
  for (Eigen::Index g0 = 0; g0 < total; g0 += size) {
    const Eigen::Index B = std::min<Eigen::Index>(size, total - g0);
    X.resize(D, B);
    V.setZero(D, B);
    for (Eigen::Index b = 0; b < B; ++b) {
      const Eigen::Index g = g0 + b;
      X.col(b) = x.col(g % N);
      if (exact) {
        V(g / N, b) = 1.0;
      } else {
        auto v = V.col(b);
        rademacher(rng, v);
      }
    }
    const Points dJ = truth.jvp(X, t, V) - field.jvp(X, t, V);  // (J_true - J_field) v = J_e v
    for (Eigen::Index b = 0; b < B; ++b) out.div_e[(g0 + b) % N] += V.col(b).dot(dJ.col(b));
  }
  if (!exact) out.div_e /= static_cast<double>(opts.probes);
  out.stein = out.div_e + out.s_dot_e;
  return out;
}

SteinSummary summarize(const SteinValues& v) {
  SteinSummary s;
  const double n = static_cast<double>(v.stein.size());
  if (n == 0) return s;
  s.error_l2 = v.e.squaredNorm() / n;
  s.stein_mean = mean_of(v.stein);
  s.stein_sem = std_of(v.stein) / std::sqrt(n);
  s.stein_rms = rms_of(v.stein);
  s.div_e_rms = rms_of(v.div_e);
  s.s_dot_e_rms = rms_of(v.s_dot_e);
  const double den = std::max(s.div_e_rms + s.s_dot_e_rms, 1e-6 * rms_of(v.scale));
  s.stein_cancellation = den > 0.0 ? s.stein_rms / den : 0.0;
  return s;
}

// ---- [time sweep] --------------------------------------------------------------------------
std::vector<int> sweep_indices(int T, int num_k) {
  require(T >= 1, "sweep indices: T must be >= 1");
  require(num_k >= 1, "sweep indices: num_k must be >= 1, got " + std::to_string(num_k));
  std::vector<int> ks;
  for (int i = 0; i < num_k; ++i) {
    const double k = num_k == 1 ? T : 1.0 + static_cast<double>(i) * (T - 1) / (num_k - 1);
    const int ki = static_cast<int>(std::lround(k));
    if (ks.empty() || ks.back() != ki) ks.push_back(ki);
  }
  return ks;
}

void SweepConfig::validate(const Schedule& schedule) const {
  for (int k : ks)
    require(k >= 1 && k <= schedule.T(), "sweep: time index k=" + std::to_string(k) + " outside 1.." + std::to_string(schedule.T()));
  require(num_k >= 1, "sweep: num_k must be >= 1, got " + std::to_string(num_k));
  require(samples >= 2, "sweep: samples must be >= 2, got " + std::to_string(samples));
  for (PathKind p : path_kinds)
    require(p == PathKind::Brownian || p == PathKind::Rotation || p == PathKind::Projection,
            "sweep: path kind '" + to_string(p) + "' is drawn by hand; the sweep draws brownian, rotation and projection paths");
  brownian.validate();
  require(rotation_steps >= 3, "sweep: rotation_steps must be >= 3, got " + std::to_string(rotation_steps));
  projection.validate();
  require(jacobian_coords >= 2, "sweep: jacobian_coords must be >= 2, got " + std::to_string(jacobian_coords));
  divergence.validate();
  require(max_batch >= 1, "sweep: max_batch must be >= 1");
}

std::vector<int> SweepConfig::k_values(const Schedule& schedule) const {
  return ks.empty() ? sweep_indices(schedule.T(), num_k) : ks;
}

SweepRow diagnose_time(const VectorField& field, const ExactScore& truth, int k, const SweepConfig& cfg) {
  const Schedule& schedule = truth.schedule();
  cfg.validate(schedule);
  require(k >= 1 && k <= schedule.T(), "sweep: time index k=" + std::to_string(k) + " outside 1.." + std::to_string(schedule.T()));
  require(field.dim() == truth.dim(), "sweep: field '" + field.name() + "' has dimension " + std::to_string(field.dim()) +
                                          " but the density has " + std::to_string(truth.dim()));
  require(field.dim() >= 2, "sweep: the diagnostics need D >= 2");
  const int D = field.dim(), N = cfg.samples;
  SweepRow row;
  row.k = k;
  row.t = schedule.time(k);
  row.sigma = schedule.sigma(row.t);
  const double m = schedule.mean_coef(row.t);

  // Independent streams per purpose, from (seed, k) alone.
  Rng base(cfg.seed + 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(k));
  Rng r_data = base.split(), r_paths = base.split(), r_jac = base.split(), r_stein = base.split();

  const Points x0 = truth.density().sample(r_data, N);
  Points eps(D, N);
  sample_normal(r_data, eps);
  const Points x_t = ou_forward(schedule, x0, eps, row.t);

  // Integral constraint (Eq. 4, 7): paths generated and integrated a few at a time.
  for (PathKind kind : cfg.path_kinds) {
    Rng r = r_paths.split();
    const int L = kind == PathKind::Brownian ? cfg.brownian.steps
                  : kind == PathKind::Rotation ? cfg.rotation_steps
                                               : cfg.projection.noisings * cfg.projection.points_per_segment;
    const int chunk = std::max(1, cfg.max_batch / L);
    Vec integral(N), ratio(N);
    for (int p0 = 0; p0 < N; p0 += chunk) {
      const int P = std::min(chunk, N - p0);
      ClosedPaths paths;
      if (kind == PathKind::Brownian)
        paths = brownian_bridge_paths(x_t.middleCols(p0, P), r, cfg.brownian);
      else if (kind == PathKind::Rotation)
        paths = rotation_paths(x0.middleCols(p0, P), eps.middleCols(p0, P), m, row.sigma, r, cfg.rotation_steps);
      else
        paths = projection_paths(x0.middleCols(p0, P), m, row.sigma, r, cfg.projection);
      const LoopIntegrals li = loop_integrals(field, paths, row.t, cfg.max_batch);
      integral.segment(p0, P) = li.integral;
      ratio.segment(p0, P) = li.ratio;
    }
    LoopStats st;
    st.kind = kind;
    st.paths = N;
    st.mean = mean_of(integral);
    st.std = std_of(integral);
    st.abs_mean = integral.cwiseAbs().mean();
    st.ratio_mean = mean_of(ratio);
    st.ratio_std = std_of(ratio);
    st.ratio_abs_mean = ratio.cwiseAbs().mean();
    row.loops.push_back(st);
  }

  // Differential constraint (Eq. 5) at the forward samples.
  row.jacobian_coords = random_coordinates(D, std::min(cfg.jacobian_coords, D), r_jac);
  const Eigen::MatrixXd J = sub_jacobian(field, x_t, row.t, row.jacobian_coords, cfg.max_batch);
  const JacobianAsymmetry asym = jacobian_asymmetry(J, row.jacobian_coords);
  row.jac_asym_abs_mean = mean_of(asym.abs_mean);
  row.jac_asym_abs_max = asym.abs_max.maxCoeff();
  row.jac_asym_rel = mean_of(asym.rel);
  if (D == 2) {
    Vec curl(N);  // coordinates sorted: I = (0, 1)
    for (int j = 0; j < N; ++j) curl[j] = J(1, 2 * j) - J(0, 2 * j + 1);
    row.curl_rms = rms_of(curl);
  } else {
    row.curl_rms = std::numeric_limits<double>::quiet_NaN();
  }

  // Stein check (Eqs. 20-21) at the same samples.
  const SteinSummary st = summarize(stein_values(truth, field, x_t, row.t, cfg.divergence, r_stein, cfg.max_batch));
  row.error_l2 = st.error_l2;
  row.stein_mean = st.stein_mean;
  row.stein_sem = st.stein_sem;
  row.stein_rms = st.stein_rms;
  row.stein_cancellation = st.stein_cancellation;
  row.div_e_rms = st.div_e_rms;
  row.s_dot_e_rms = st.s_dot_e_rms;
  return row;
}

std::vector<SweepRow> time_sweep(const VectorField& field, const ExactScore& truth, const SweepConfig& cfg,
                                 const SweepProgress& progress) {
  cfg.validate(truth.schedule());
  const std::vector<int> ks = cfg.k_values(truth.schedule());
  std::vector<SweepRow> rows;
  rows.reserve(ks.size());
  for (int k : ks) {
    rows.push_back(diagnose_time(field, truth, k, cfg));
    if (progress && !progress(static_cast<int>(rows.size()), static_cast<int>(ks.size()), rows.back())) break;
  }
  return rows;
}

}  // namespace wgf
