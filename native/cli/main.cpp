// wgflab: the command-line shell of WGF Lab. A thin dispatcher: each subcommand lives in its
// own cmd_<name>.cpp; the shared conventions (one-line errors, exit code 2, atomic outputs,
// run JSON, JSON --config) are in common.hpp.
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "common.hpp"

#if !defined(WGFLAB_HAVE_BENCH) || !defined(WGFLAB_HAVE_TORCH)
namespace wgf::cli {
namespace {
// A stand-in subcommand takes any arguments, so that it can say why it cannot run instead of
// failing on the first option (options would otherwise fall through to the main app).
[[maybe_unused]] void stub_accepts_anything(CLI::App* sub) {
  sub->fallthrough(false);
  sub->allow_extras();
}
}  // namespace
}  // namespace wgf::cli
#endif

#ifndef WGFLAB_HAVE_BENCH
namespace wgf::cli {
// Stand-in for a build configured without bench/ (-DWGF_BUILD_BENCH=OFF).
void add_bench(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("bench", "Benchmarks (not built into this binary)");
  stub_accepts_anything(sub);
  sub->callback([] { throw UsageError("bench: not built into this wgflab (configured with -DWGF_BUILD_BENCH=OFF)"); });
}
}  // namespace wgf::cli
#endif

#ifndef WGFLAB_HAVE_TORCH
namespace wgf::cli {
// Without LibTorch the image subcommands exist and say why they cannot run.
void add_images(CLI::App& app, int, char**) {
  for (const char* name : {"train", "train-vae", "train-features", "sample", "eval", "diagnose"}) {
    CLI::App* sub = app.add_subcommand(name, "Image module (not built: this wgflab has no LibTorch)");
    stub_accepts_anything(sub);
    sub->callback([name] {
      throw UsageError(std::string(name) + ": this wgflab was built without LibTorch (install libtorch-dev with "
                                           "scripts/setup.sh, then rebuild)");
    });
  }
}
}  // namespace wgf::cli
#endif

int main(int argc, char** argv) {
  CLI::App app{"WGF Lab " WGFLAB_VERSION
               " - diffusion models as Wasserstein gradient flows, from the command line.\n"
               "Every run writes one JSON document (config, seed, version, metrics); see `wgflab SUB --help`.",
               "wgflab"};
  app.require_subcommand(1, 1);
  app.fallthrough();  // lets `wgflab SUB --config FILE` reach the main app's --config
  app.set_version_flag("--version", WGFLAB_VERSION);
  app.get_formatter()->column_width(34);
  app.footer(
      "Exit codes: 0 success, 2 bad input (one line on stderr naming the argument; no output file is created or "
      "changed), 130 interrupted (train2d saves its checkpoint first), 3 compare: differences beyond tolerance, 1 internal error.\n"
      "JSON numbers are always finite: NaN or infinite values are written as null.");
  wgf::cli::add_json_config(app);
  wgf::cli::add_densities(app);
  wgf::cli::add_field(app);
  wgf::cli::add_train2d(app);
  wgf::cli::add_sample2d(app);
  wgf::cli::add_diagnose2d(app);
  wgf::cli::add_report(app);
  wgf::cli::add_compare(app);
  wgf::cli::add_bench(app);
  wgf::cli::add_images(app, argc, argv);
  return wgf::cli::run_app(app, argc, argv);
}
