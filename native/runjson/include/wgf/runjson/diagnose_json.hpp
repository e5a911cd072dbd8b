// The diagnostics run JSON pieces shared by `diagnose2d` and the image `diagnose` (one schema:
// `wgflab report` and the front end's Compare panel read both; the keys are listed at the top
// of native/cli/cmd_diagnose2d.cpp).
#pragma once
#include <string>
#include <vector>

#include "wgf/diagnostics.hpp"
#include "wgf/runjson/run_json.hpp"

namespace wgf::runjson {

// {mean, std (null for one path), abs_mean, paths}
Json loop_stats_json(double mean, double std, double abs_mean, int paths);
// One row of "rows": t, k, sigma, loop_integral, loop_ratio, jac_asym_*, curl_rms, error_l2, stein_*.
Json sweep_row_json(const SweepRow& r, double k, Json loop_integral, Json loop_ratio);
// How to read the numbers (Stein's identity caution, Eq. 7, ...).
const std::vector<std::string>& diagnose_notes();

}  // namespace wgf::runjson
