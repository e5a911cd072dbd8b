// Output directories of the `wgflab` subcommands that write several files (diagnose2d --csv,
// report --out): checked before any work, created just before the files are written, with
// file names made from user-given labels.
#pragma once
#include <string>

namespace wgf::cli {

// Throws UsageError unless `dir` is a writable directory or can be created (its parent exists
// and is writable). Creates nothing.
void check_output_dir(const std::string& option, const std::string& dir);
// Creates `dir` when missing (one level); throws std::runtime_error naming the option.
void make_output_dir(const std::string& option, const std::string& dir);
// `label` with every character outside [A-Za-z0-9.+-] replaced by '_' ("circle:0,0,1" ->
// "circle_0_0_1"), for file names.
std::string file_safe(const std::string& label);

}  // namespace wgf::cli
