// Sample-quality metrics between two point clouds X (D, n) and Y (D, m).
#pragma once
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

// 2D grid KL(P || Q) of the histograms of X (P) and Y (Q) on a bins x bins grid over the
// box [lo, hi]^2, each cell's probability smoothed by +alpha counts (so empty cells of Q do
// not give infinity). Points outside the box are clamped into the border cells.
double grid_kl_2d(const Points& X, const Points& Y, int bins, double lo, double hi, double alpha = 1.0);

}  // namespace wgf
