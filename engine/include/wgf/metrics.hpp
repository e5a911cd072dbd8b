// Sample-quality metrics between two point clouds X (D, n) and Y (D, m).
#pragma once
#include "wgf/density.hpp"
#include "wgf/rng.hpp"
#include "wgf/types.hpp"

namespace wgf {

// Sliced Wasserstein-2: sqrt of the mean over `projections` random unit directions of the
// squared 1D W2 between the projected samples (1D W2 from sorted quantiles; unequal sizes
// compared at the quantiles of the larger set).
double sliced_wasserstein(const Points& X, const Points& Y, int projections, Rng& rng);

// Squared MMD with the RBF kernel k(a, b) = exp(-|a - b|^2 / (2 h^2)), unbiased U-statistic.
// bandwidth h <= 0 selects the median pairwise distance of the pooled samples.
double mmd_rbf(const Points& X, const Points& Y, double bandwidth = 0.0);

// Energy distance 2 E|X - Y| - E|X - X'| - E|Y - Y'| (U-statistics for the within terms).
double energy_distance(const Points& X, const Points& Y);
// Frechet distance between Gaussians fitted to X (D, n) and Y (D, m) (means, unbiased
// covariances): |mu_x - mu_y|^2 + tr(S_x + S_y - 2 (S_x^1/2 S_y S_x^1/2)^1/2). The image
// module applies it to features of its own classifier (not Inception: not comparable to FID).
double frechet_distance(const Points& X, const Points& Y);

// 2D grid KL(P || Q) of the histograms of X (P) and Y (Q) on a bins x bins grid over the
// box [lo, hi]^2, each cell's probability smoothed by +alpha counts (so empty cells of Q do
// not give infinity). Points outside the box are clamped into the border cells.
double grid_kl_2d(const Points& X, const Points& Y, int bins, double lo, double hi, double alpha = 1.0);

// A square box [lo, hi]^2 covering a 2D cloud: the q and 1 - q quantiles (order statistics
// at floor(q (n - 1))) over both coordinates, widened by `pad` of its side on each end.
// Heavy-tailed densities (the funnel) need the quantiles: min/max would be dominated by
// a handful of far points.
struct Box2d {
  double lo = 0, hi = 0;
};
Box2d grid_box_2d(const Points& X, double q = 0.005, double pad = 0.1);

// The transport metrics of generated points against the density they should follow.
struct SampleMetrics {
  double swd = 0, mmd = 0, energy = 0;
  double grid_kl = 0;  // NaN when D != 2
};
struct SampleReport {
  SampleMetrics metrics;          // generated vs n fresh draws of the density (draw A)
  SampleMetrics reference_floor;  // draw B vs draw A: what a perfect sampler scores at this n
  Box2d grid_box;                 // box of grid_kl (from draw A)
  int bins = 64;
};
// swd with 128 projections (the same ones for both comparisons), mmd with the median
// bandwidth, energy distance, and (2D) grid_kl = KL(density || generated) on 64 x 64 cells
// over grid_box_2d(draw A). Streams: draw A, draw B and the projections are rng.split()s in
// that order (part of the native/web parity contract).
SampleReport evaluate_samples(const Points& generated, const Density& density, Rng& rng);

}  // namespace wgf
