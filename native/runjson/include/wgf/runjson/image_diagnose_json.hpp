// The run document of an image-model diagnosis (`wgflab diagnose`, and the lab's Images panel
// "Export JSON"): the keys of diagnose2d's k sweep (diagnose_json.hpp) plus, per row,
// jacobian {indices (flattened C,H,W), fd_rel_diff}, and at the top shape and jvp.
#pragma once
#include <string>
#include <vector>

#include "wgf/gpu/api.hpp"
#include "wgf/runjson/run_json.hpp"

namespace wgf::runjson {

// `path_keys` names the options' sweep.path_kinds in order (wgf::to_string: "brownian", ...); `seconds` is the wall
// time of diagnose_images; `out` the file the document is written to (outputs.out). The config
// holds every option that determines the numbers, keyed as the CLI's long options.
Json image_diagnose_json(const gpu::DiagnoseOptions& options, const gpu::DiagnoseResult& result,
                         const std::vector<std::string>& path_keys, double seconds, const std::string& out);

// "1,28,28" from {1, 28, 28} (the CLI's comma lists).
std::string join_ints(const std::vector<int>& v);
std::string join_strings(const std::vector<std::string>& v);

}  // namespace wgf::runjson
