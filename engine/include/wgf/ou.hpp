// The forward noising process of a schedule (DESIGN.md "Forward OU"):
// x_t = m(t) x0 + sigma(t) eps, and its conditional score
// s(x_t | x0) = -(x_t - m x0) / sigma^2 = -eps / sigma (the DSM target of paper Eq. 16).
#pragma once
#include "wgf/rng.hpp"
#include "wgf/schedule.hpp"
#include "wgf/types.hpp"

namespace wgf {

// Fills eps (D, N) with N(0, 1) draws, column by column (the stream order is part of the
// cross-platform contract: column 0's coordinates first).
void sample_normal(Rng& rng, Points& eps);

// x_t = m(t) x0 + sigma(t) eps for a shared t. x0, eps: (D, N); returns (D, N).
Points ou_forward(const Schedule& schedule, const Points& x0, const Points& eps, double t);

// s(x_t | x0) = -eps / sigma(t); eps (D, N). Requires t > 0.
Points ou_conditional_score(const Schedule& schedule, const Points& eps, double t);

}  // namespace wgf
