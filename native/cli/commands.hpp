// The subcommands of `wgflab`: one registration function each, implemented in cmd_<name>.cpp.
// A registration adds the subcommand, its options (with complete --help text) and a callback
// that does the work; errors are thrown and turned into exit codes by run_app (common.hpp).
#pragma once
#include <CLI/CLI.hpp>

namespace wgf::cli {

void add_densities(CLI::App& app);  // list the 2D densities (--json: their definitions)
void add_field(CLI::App& app);      // evaluate s(x, t) of an exact or MLP field at given points
void add_train2d(CLI::App& app);    // DSM-train a small MLP on a 2D density, resumable
void add_sample2d(CLI::App& app);   // sample with a field and score the samples
void add_diagnose2d(CLI::App& app);  // loop integrals, Jacobian asymmetry, curl, Stein check at t or over k
void add_report(CLI::App& app);      // PNG figures (+ index.md) from diagnose2d run JSONs
void add_compare(CLI::App& app);    // differences of two run JSONs against tolerances (exit 3 beyond)
void add_bench(CLI::App& app);
// The image module (cmd_images.cpp, with LibTorch): train, train-vae, train-features, sample,
// eval. argv is kept to start the other ranks of `train --nproc N`.
void add_images(CLI::App& app, int argc, char** argv);      // benchmarks (cmd_bench.cpp; a "not built" stub otherwise)

}  // namespace wgf::cli
