// Shared edge utilities of the `wgflab` command-line tool: the usage-error convention, the
// `--field` parser, points CSV I/O, the run-JSON writer, the JSON `--config` reader, sample
// metrics against fresh density draws, and the progress bar. No math lives here: fields,
// samplers and metrics come from engine/.
//
// Conventions every subcommand follows (see main.cpp for where they are enforced):
//  - bad input throws UsageError (or an engine std::invalid_argument / std::runtime_error);
//    main prints ONE line `wgflab: error: MESSAGE` on stderr and exits with code 2;
//  - everything is validated and computed in memory first; outputs are then written
//    atomically (temp file + rename, wgf::write_file_atomic), so a failed run never creates
//    or truncates an output file.
//
// Run JSON schema (schema_version 1; read by the web build and `wgflab compare`):
//   wgflab_version   string, the CMake project version
//   schema_version   1
//   command          "train2d" | "sample2d" | "field"
//   seed             number, or null for a command that uses no randomness
//   config           object: every option that determines the numbers, defaults included,
//                    keyed by the long option name with '-' -> '_' (so it can be fed back
//                    with `--config RUN.json`); output paths are not in it
//   outputs          object: the files this run wrote (option name -> path)
//   metrics          object of numbers
//   reference_floor  (train2d, sample2d) the metrics of a second independent density draw
//                    against the first: the Monte Carlo floor a perfect sampler would score
//   loss_history     (train2d) array, see cmd_train2d.cpp
// Every non-finite number (NaN, +-Inf) is written as null: JSON has no such numbers.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "wgf/density.hpp"
#include "wgf/rng.hpp"
#include "wgf/runjson/run_json.hpp"
#include "wgf/schedule.hpp"
#include "wgf/types.hpp"
#include "wgf/vector_field.hpp"

namespace wgf::cli {

using Json = nlohmann::ordered_json;  // keeps keys in the order written (readable run files)

// ---- errors ---------------------------------------------------------------------------------
// A user error: main prints `wgflab: error: <what>` and exits with code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown by a command that stopped on request (Ctrl-C) after saving its state; main prints
// the message and exits with `code` (130, the shell's convention for SIGINT).
class Interrupted : public std::runtime_error {
 public:
  Interrupted(const std::string& what, int code) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

// Parses argv with `app` and runs the selected subcommand's callback; maps every error to
// the one-line message and the exit code above. Returns the process exit code.
int run_app(CLI::App& app, int argc, char** argv);

// Installs the JSON config reader on the main app: `wgflab SUB --config FILE ...` reads
// options from FILE (a run JSON, whose "config" object is used, or a flat object keyed by
// option name); options given on the command line win.
void add_json_config(CLI::App& app);

// ---- option checks --------------------------------------------------------------------------
// Throws UsageError("--NAME must be >= LO, got V") unless v >= lo.
void require_at_least(const std::string& option, long long v, long long lo);
// Throws UsageError unless `path` can be created or replaced: its directory exists and is
// writable and the path is not a directory. Called before any work is done.
void check_output_path(const std::string& option, const std::string& path);

// ---- fields ---------------------------------------------------------------------------------
// `--field exact|mlp:FILE`.
struct FieldSpec {
  std::string text;   // as given, for the run JSON
  bool exact = true;
  std::string file;   // mlp checkpoint when !exact
};
FieldSpec parse_field_spec(const std::string& text);  // throws UsageError

struct LoadedField {
  std::shared_ptr<const VectorField> field;
  std::shared_ptr<const Schedule> schedule;  // the one the field lives on
  std::string schedule_name;
  std::string description;                   // "exact score of gmm8 (cosine)" / describe(MlpConfig)
};
// exact: wgf::ExactScore of `density` under make_schedule(schedule_name).
// mlp:   wgf::Mlp::load(file) wrapped as wgf::MlpField; its schedule is the checkpoint's.
//        If schedule_given and schedule_name differs from the checkpoint's, throws UsageError.
//        `density` may be null; when not, its dimension must match the model's.
LoadedField load_field(const FieldSpec& spec, std::shared_ptr<const Density> density, const std::string& schedule_name,
                       bool schedule_given);

// make_density with the error naming the option.
std::shared_ptr<const Density> load_density(const std::string& name);

// ---- points CSV -----------------------------------------------------------------------------
// Reads a CSV with the header `x,y` (x1,...,xD for D != 2) and one
// point per line; returns (D, N). Blank lines are skipped. Throws UsageError naming the file
// and line on anything else (missing header, wrong column count, non-numbers, NaN/Inf, no
// points).
Points read_points_csv(const std::string& path, int dim);
// The coordinate column names: x,y in 2D, x1..xD otherwise.
std::vector<std::string> point_header(int dim);
// CSV text with the given header and columns (each (rows, N) block appended column-wise):
// one line per point, numbers with 17 significant digits (round-trip exact).
std::string points_csv(const std::vector<std::string>& header, const std::vector<const Points*>& blocks);

// ---- JSON -----------------------------------------------------------------------------------
// number(v): a number, or null when it is not finite; run_json_head(command, seed): the common
// head of a run JSON (wgflab_version, schema_version, command, seed). Shared with the front end.
using runjson::number;
using runjson::run_json_head;
// Writes `doc` (pretty, trailing newline) atomically; NaN/Inf anywhere become null. Errors
// name the option.
void write_json_atomic(const std::string& option, const std::string& path, const Json& doc);
// Writes text atomically, with the error naming the option.
void write_text_atomic(const std::string& option, const std::string& path, const std::string& text);

// ---- metrics against the density ------------------------------------------------------------
struct SampleReport {
  Json metrics;          // swd, mmd, energy, grid_kl (generated vs density draw A)
  Json reference_floor;  // the same, density draw B vs draw A
  Json grid_box;         // {"lo": ..., "hi": ..., "bins": 64}
};
// Compares generated points (D, n) with n fresh draws of `density` (draw A) and reports the
// floor of a second draw (draw B). swd: 128 projections (the same projections for both
// comparisons); mmd: RBF with the median bandwidth; energy distance; grid_kl (2D only):
// KL(density || generated) of 64 x 64 histograms over a square box from the 0.5% / 99.5%
// quantiles of draw A, padded by 10% of its width on each side.
SampleReport evaluate_samples(const Points& generated, const Density& density, Rng& rng);

// ---- progress -------------------------------------------------------------------------------
// A progress bar with rate and ETA. On a terminal (isatty(stderr)) it redraws one line at
// most 10 times a second; otherwise it prints a plain line at the start, at each 10% of the
// work (at most one a second), at least every 10 s, and at the end. Disabled entirely when `enabled` is false.
class Progress {
 public:
  Progress(std::string label, std::int64_t total, bool enabled, std::int64_t start = 0);
  // `done` units of `total` finished; `status` is appended (e.g. "loss 0.123").
  void update(std::int64_t done, const std::string& status = "");
  // Final line (always printed when enabled).
  void finish(const std::string& status = "");

 private:
  using Clock = std::chrono::steady_clock;
  std::string line(std::int64_t done, const std::string& status) const;
  std::string label_;
  std::int64_t total_, start_, done_ = 0, next_mark_ = 0;
  bool enabled_, tty_;
  Clock::time_point t0_, last_;
};

// ---- Ctrl-C ---------------------------------------------------------------------------------
// While alive, SIGINT only sets a flag that long loops poll (they save their state and stop);
// a second Ctrl-C gets the default action (SA_RESETHAND). The previous handler is restored.
class SigintGuard {
 public:
  SigintGuard();
  ~SigintGuard();
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;
  static bool interrupted();

 private:
  struct Saved;
  std::unique_ptr<Saved> saved_;
};

// A number for messages, as %.10g ("0.5", "-1", "1e-05").
std::string format_number(double v);
// "1:02:03" / "2:03" for a duration in seconds.
std::string format_duration(double seconds);

}  // namespace wgf::cli
