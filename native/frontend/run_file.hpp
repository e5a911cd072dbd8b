// Run documents for the Compare panel: any wgflab run JSON (schema_version 1, written by the
// CLI, the desktop lab or the web lab; native/cli/common.hpp) reduced to what can be overlaid:
//   curves   numeric arrays: "loss_history" (x = step, honouring loss_history_stride) and
//            every array of the optional "series" object (x = series.k when present, else
//            the index), keyed by name; a diagnostics document's "rows" (diagnose2d,
//            diagnose) as curves over k: every number of a row by its key, loop_ratio.KIND
//            .abs_mean as "eq7_ratio_KIND" (the lab's series name), loop_integral.KIND.abs_mean
//            as "loop_integral_KIND", jacobian.fd_rel_diff as "jacobian_fd_rel_diff";
//   metrics  every number in "metrics" and in "reference_floor" (as "reference_floor.NAME").
#pragma once
#include <map>
#include <string>
#include <vector>

#include "app_state.hpp"

namespace wgf::ui {

struct Curve {
  std::vector<double> x, y;
};

struct RunFile {
  std::string name;     // shown in legends and the table (file name, or "this session")
  std::string command;  // "train2d", "sample2d", "lab", ...
  std::map<std::string, Curve> curves;
  std::map<std::string, double> metrics;
};

// Throws std::invalid_argument naming `name` when j is not a run document.
RunFile parse_run(const Json& j, const std::string& name);
// Throws std::runtime_error naming the file.
RunFile read_run(const std::string& path);
// The *.json files directly in dir, sorted (empty when dir does not exist).
std::vector<std::string> list_json_files(const std::string& dir);

}  // namespace wgf::ui
