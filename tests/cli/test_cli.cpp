// End-to-end tests of the wgflab binary: each case runs the real executable (WGFLAB_EXE) in a
// fresh temporary directory and checks its files, exit codes and messages against analytic
// truth or against the engine called in-process.
//
// Sections: [harness] [densities] [field] [train2d] [resume and Ctrl-C] [sample2d] [errors] [help]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "wgf/density.hpp"
#include "wgf/mlp.hpp"

#include "cli_harness.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace cli_test;

namespace {

// ---- [harness] (cli_harness.hpp) ------------------------------------------------------------
// Parses a numeric CSV with a header; returns the header and the rows.
std::pair<std::vector<std::string>, std::vector<std::vector<double>>> read_csv(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::vector<std::string> header;
  std::vector<std::vector<double>> rows;
  if (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) header.push_back(cell);
  }
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string cell;
    std::vector<double> row;
    while (std::getline(ss, cell, ',')) row.push_back(std::stod(cell));
    rows.push_back(row);
  }
  return {header, rows};
}

size_t count_lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

const char* kTrainSmall = "train2d --density gmm8 --batch 64 --width 32 --seed 1 --weighting eps --quiet";

}  // namespace

// ---- [densities] ----------------------------------------------------------------------------
TEST_CASE("densities --json lists all 8 densities with their definitions", "[cli]") {
  Sandbox sb;
  const Result r = wgflab(sb, "densities --json");
  REQUIRE(r.code == 0);
  const json doc = json::parse(r.out);
  CHECK(doc["wgflab_version"] == WGFLAB_VERSION);
  const json& list = doc["densities"];
  REQUIRE(list.size() == 8);
  std::vector<std::string> names;
  for (const json& d : list) names.push_back(d["name"]);
  CHECK(names == wgf::density_names());

  for (const json& d : list) {
    if (d["name"] == "gmm8") {
      REQUIRE(d["kind"] == "gaussian_mixture");
      REQUIRE(d["components"].size() == 8);
      double total = 0.0;
      for (const json& c : d["components"]) {
        total += c["weight"].get<double>();
        CHECK(std::hypot(c["mean"][0].get<double>(), c["mean"][1].get<double>()) == Approx(2.0).epsilon(1e-12));
        CHECK(c["cov"][0][0].get<double>() == Approx(0.04).epsilon(1e-12));
        CHECK(c["cov"][0][1].get<double>() == 0.0);
      }
      CHECK(total == Approx(1.0).epsilon(1e-12));
    }
    if (d["name"] == "gaussian") {
      REQUIRE(d["components"].size() == 1);
      CHECK(d["components"][0]["mean"] == json::array({0.8, -0.4}));
      CHECK(d["components"][0]["cov"] == json::array({json::array({0.5, 0.3}), json::array({0.3, 0.4})}));
    }
    if (d["name"] == "funnel") {
      CHECK(d["kind"] == "funnel");
      CHECK(d["v_std"].get<double>() == 3.0);
      CHECK(d["quadrature_nodes"].get<int>() == wgf::Funnel().nodes());
    }
  }

  const Result plain = wgflab(sb, "densities");
  REQUIRE(plain.code == 0);
  CHECK(count_lines(plain.out) == 8);
  CHECK(plain.out.find("gmm8") != std::string::npos);
}

// ---- [field] --------------------------------------------------------------------------------
TEST_CASE("field --field exact matches the closed-form Gaussian score", "[cli]") {
  Sandbox sb;
  // Points on a grid around the mean, including far ones.
  std::string csv = "x,y\n";
  std::vector<std::array<double, 2>> pts;
  for (int i = -3; i <= 3; ++i)
    for (int j = -3; j <= 3; ++j) pts.push_back({0.8 + 0.7 * i, -0.4 + 0.9 * j});
  pts.push_back({25.0, -13.0});
  char buf[96];
  for (const auto& p : pts) {
    std::snprintf(buf, sizeof buf, "%.17g,%.17g\n", p[0], p[1]);
    csv += buf;
  }
  write_file(sb / "pts.csv", csv);

  for (double t : {0.0, 0.05, 0.7, 2.5}) {
    CAPTURE(t);
    const Result r = wgflab(sb, "field --density gaussian --field exact --t " + std::to_string(t) +
                                    " --points pts.csv --out s.csv --json run.json");
    REQUIRE(r.code == 0);
    const auto [header, rows] = read_csv(sb / "s.csv");
    CHECK(header == std::vector<std::string>{"x", "y", "s1", "s2"});
    REQUIRE(rows.size() == pts.size());
    // Noisy law under the cosine (OU) schedule: N(e^{-t} mu, e^{-2t} Sigma + (1 - e^{-2t}) I).
    const double m = std::exp(-t), v = 1.0 - std::exp(-2 * t);
    const double c11 = m * m * 0.5 + v, c12 = m * m * 0.3, c22 = m * m * 0.4 + v;
    const double det = c11 * c22 - c12 * c12;
    for (size_t i = 0; i < pts.size(); ++i) {
      const double dx = rows[i][0] - m * 0.8, dy = rows[i][1] + m * 0.4;
      const double s1 = -(c22 * dx - c12 * dy) / det, s2 = -(-c12 * dx + c11 * dy) / det;
      CHECK(rows[i][0] == pts[i][0]);
      CHECK(rows[i][1] == pts[i][1]);
      CHECK(std::abs(rows[i][2] - s1) <= 1e-9 * std::max(1.0, std::abs(s1)));
      CHECK(std::abs(rows[i][3] - s2) <= 1e-9 * std::max(1.0, std::abs(s2)));
    }
    const json run = read_json(sb / "run.json");
    CHECK(run["command"] == "field");
    CHECK(run["config"]["schedule"] == "cosine");
    CHECK(run["metrics"]["points"] == pts.size());
    CHECK(run["metrics"]["sigma"].get<double>() == Approx(std::sqrt(v)).margin(1e-12));
  }
}

// ---- [train2d] ------------------------------------------------------------------------------
TEST_CASE("train2d writes a model and a run JSON whose loss decreases", "[cli]") {
  Sandbox sb;
  const Result r = wgflab(sb, std::string(kTrainSmall) + " --steps 300 --save model.bin --out run.json");
  REQUIRE(r.code == 0);
  const json run = read_json(sb / "run.json");
  CHECK(run["wgflab_version"] == WGFLAB_VERSION);
  CHECK(run["command"] == "train2d");
  CHECK(run["seed"] == 1);
  const json& cfg = run["config"];
  CHECK(cfg["steps"] == 300);
  CHECK(cfg["batch"] == 64);
  CHECK(cfg["width"] == 32);
  CHECK(cfg["depth"] == wgf::MlpConfig{}.depth);  // defaults are recorded too
  CHECK(cfg["lr"].get<double>() == 1e-3);
  CHECK(cfg["lr_schedule"] == "constant");
  CHECK(cfg["jac_reg"].get<double>() == 0.0);
  CHECK(cfg["activation"] == "silu");
  CHECK(cfg["time_features"] == 16);
  CHECK(cfg["schedule"] == "cosine");

  const std::vector<double> h = run["loss_history"].get<std::vector<double>>();
  REQUIRE(h.size() == 300);
  CHECK(run["loss_history_stride"] == 1);
  const json& m = run["metrics"];
  double last100 = 0.0;
  for (size_t i = 200; i < 300; ++i) last100 += h[i] / 100;
  CHECK(m["final_loss"].get<double>() == Approx(last100).epsilon(1e-12));
  CHECK(m["final_loss"].get<double>() < h.front());
  CHECK(m["final_loss"].get<double>() < m["initial_loss"].get<double>());
  CHECK(m["steps"] == 300);
  CHECK(m["steps_per_second"].get<double>() > 0);
  for (const char* k : {"swd", "mmd", "energy", "grid_kl"}) {
    CAPTURE(k);
    REQUIRE(m[k].is_number());
    REQUIRE(run["reference_floor"][k].is_number());
  }
  CHECK(run["evaluation"]["n"] == 2000);

  // The model loads in-process, and `field --field mlp:` evaluates it exactly as MlpField does.
  auto mlp = std::make_shared<wgf::Mlp>(wgf::Mlp::load((sb / "model.bin").string()));
  CHECK(mlp->config().width == 32);
  write_file(sb / "pts.csv", "x,y\n0.5,-1.25\n2,0\n-1.5,3\n");
  const Result f = wgflab(sb, "field --field mlp:model.bin --t 0.3 --points pts.csv --out s.csv");
  REQUIRE(f.code == 0);
  wgf::Points x(2, 3);
  x << 0.5, 2, -1.5, -1.25, 0, 3;
  const wgf::Points s = wgf::MlpField(mlp).eval(x, 0.3);
  const auto rows = read_csv(sb / "s.csv").second;
  REQUIRE(rows.size() == 3);
  for (int j = 0; j < 3; ++j) {
    CHECK(rows[j][2] == s(0, j));
    CHECK(rows[j][3] == s(1, j));
  }
}

TEST_CASE("train2d subsamples a long loss history to at most 2,000 points", "[cli]") {
  Sandbox sb;
  const Result r = wgflab(sb, std::string(kTrainSmall) + " --steps 4500 --eval-n 0 --save m.bin --out run.json");
  REQUIRE(r.code == 0);
  const json run = read_json(sb / "run.json");
  CHECK(run["loss_history_stride"] == 3);
  CHECK(run["loss_history"].size() == 1500);
  CHECK(run["metrics"]["steps"] == 4500);
  CHECK_FALSE(run["metrics"].contains("swd"));  // --eval-n 0 skips the evaluation
}

// ---- [resume and Ctrl-C] --------------------------------------------------------------------
TEST_CASE("train2d --resume from step 150 is bit-identical to an uninterrupted 300-step run", "[cli]") {
  Sandbox sb;
  const std::string base = std::string(kTrainSmall) + " --eval-n 0";
  REQUIRE(wgflab(sb, base + " --steps 300 --save full.bin --out full.json").code == 0);
  REQUIRE(wgflab(sb, base + " --steps 150 --save half.bin --out half.json --checkpoint c.ckpt").code == 0);
  REQUIRE(fs::exists(sb / "c.ckpt"));
  REQUIRE(wgflab(sb, base + " --steps 300 --save resumed.bin --out resumed.json --checkpoint c.ckpt --resume").code == 0);

  CHECK(read_file(sb / "resumed.bin") == read_file(sb / "full.bin"));
  const json full = read_json(sb / "full.json"), resumed = read_json(sb / "resumed.json");
  CHECK(resumed["loss_history"] == full["loss_history"]);
  CHECK(resumed["metrics"]["resumed_from_step"] == 150);
  CHECK(resumed["metrics"]["steps_this_run"] == 150);
  CHECK(resumed["metrics"]["final_loss"] == full["metrics"]["final_loss"]);

  // The cosine learning-rate schedule decays to lr/100 at --steps.
  REQUIRE(wgflab(sb, base + " --lr-schedule cosine --steps 300 --save cos.bin --out cos.json").code == 0);
  CHECK(read_json(sb / "cos.json")["metrics"]["final_lr"].get<double>() == Approx(1e-5));
  CHECK(read_file(sb / "cos.bin") != read_file(sb / "full.bin"));

  // A periodic checkpoint ends at the last step.
  REQUIRE(wgflab(sb, base + " --steps 300 --save p.bin --out p.json --checkpoint p.ckpt --checkpoint-every 100").code == 0);
  REQUIRE(wgflab(sb, base + " --steps 300 --save p2.bin --out p2.json --checkpoint p.ckpt --resume").code == 0);
  CHECK(read_json(sb / "p2.json")["metrics"]["resumed_from_step"] == 300);
}

TEST_CASE("train2d saves its checkpoint on SIGINT, exits 130, and resumes from it", "[cli]") {
  Sandbox sb;
  // Ctrl-C shortly after the first progress line (printed once the handler is installed).
  const Result cut = interrupt_when(
      sb,
      {"train2d", "--density", "gmm8", "--steps", "50000000", "--batch", "64", "--width", "32", "--seed", "3", "--save",
       "m.bin", "--out", "run.json", "--checkpoint", "c.ckpt"},
      [&] {
        if (read_file(sb.io / "stderr").find("train2d") == std::string::npos) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        return true;
      },
      std::chrono::seconds(20));
  CHECK(cut.code == 130);
  const std::string& err = cut.err;
  INFO(err);
  const size_t at = err.find("interrupted at step ");
  REQUIRE(at != std::string::npos);
  CHECK(err.find("checkpoint saved to c.ckpt") != std::string::npos);
  CHECK(fs::exists(sb / "c.ckpt"));
  CHECK_FALSE(fs::exists(sb / "m.bin"));  // an interrupted run writes no model and no run JSON
  CHECK_FALSE(fs::exists(sb / "run.json"));

  const long step = std::stol(err.substr(at + 20));
  REQUIRE(step > 0);
  const Result r = wgflab(sb, "train2d --density gmm8 --batch 64 --width 32 --seed 3 --save m.bin --out run.json "
                              "--checkpoint c.ckpt --resume --eval-n 0 --quiet --steps " + std::to_string(step + 50));
  REQUIRE(r.code == 0);
  const json run = read_json(sb / "run.json");
  CHECK(run["metrics"]["resumed_from_step"] == step);
  CHECK(run["metrics"]["steps"] == step + 50);
  // Interrupted + resumed == uninterrupted, bit for bit.
  REQUIRE(wgflab(sb, "train2d --density gmm8 --batch 64 --width 32 --seed 3 --save u.bin --out u.json --eval-n 0 "
                     "--quiet --steps " + std::to_string(step + 50)).code == 0);
  CHECK(read_file(sb / "u.bin") == read_file(sb / "m.bin"));
}

// ---- [sample2d] -----------------------------------------------------------------------------
TEST_CASE("sample2d with the exact field and ode-heun scores near the Monte Carlo floor", "[cli]") {
  Sandbox sb;
  const Result r = wgflab(sb, "sample2d --density gmm8 --field exact --sampler ode-heun --steps 100 --n 2000 --seed 4 "
                              "--out run.json --samples x.csv --quiet");
  REQUIRE(r.code == 0);
  const json run = read_json(sb / "run.json");
  CHECK(run["command"] == "sample2d");
  CHECK(run["config"]["schedule"] == "cosine");
  CHECK(run["config"]["grid"] == "k");
  const json &m = run["metrics"], &floor = run["reference_floor"];
  CHECK(m["swd"].get<double>() < 3 * floor["swd"].get<double>());
  CHECK(m["grid_kl"].get<double>() < 1.5 * floor["grid_kl"].get<double>());
  CHECK(floor["swd"].get<double>() > 0);
  const auto [header, rows] = read_csv(sb / "x.csv");
  CHECK(header == std::vector<std::string>{"x", "y"});
  CHECK(rows.size() == 2000);

  // The metrics are not vacuous: three Euler steps are visibly off in grid_kl.
  REQUIRE(wgflab(sb, "sample2d --density gmm8 --sampler ode-euler --steps 3 --n 2000 --seed 4 --out bad.json --quiet").code == 0);
  const json bad = read_json(sb / "bad.json");
  CHECK(bad["metrics"]["grid_kl"].get<double>() > 2 * bad["reference_floor"]["grid_kl"].get<double>());

  // --config replays a run: the same config and seed give the same numbers.
  REQUIRE(wgflab(sb, "sample2d --config run.json --out replay.json --quiet").code == 0);
  const json replay = read_json(sb / "replay.json");
  CHECK(replay["config"] == run["config"]);
  for (const char* k : {"swd", "mmd", "energy", "grid_kl"}) CHECK(replay["metrics"][k] == m[k]);
}

TEST_CASE("sample2d accepts every sampler name and the mlp field", "[cli]") {
  Sandbox sb;
  for (const char* s : {"ode-euler", "ode-heun", "ode-rk4", "sde", "ddpm"}) {
    CAPTURE(s);
    const Result r = wgflab(sb, std::string("sample2d --density gaussian --sampler ") + s +
                                    " --steps 20 --n 200 --seed 2 --out run.json --quiet");
    REQUIRE(r.code == 0);
    const json run = read_json(sb / "run.json");
    CHECK(run["config"]["sampler"] == s);
    CHECK(run["metrics"]["swd"].is_number());
  }
  REQUIRE(wgflab(sb, std::string(kTrainSmall) + " --steps 50 --jac-reg 0.01 --eval-n 0 --save m.bin --out t.json").code == 0);
  CHECK(read_json(sb / "t.json")["metrics"]["final_penalty"].get<double>() >= 0.0);
  const Result r = wgflab(sb, "sample2d --density gmm8 --field mlp:m.bin --n 200 --steps 20 --out run.json --quiet");
  REQUIRE(r.code == 0);
  CHECK(read_json(sb / "run.json")["config"]["field"] == "mlp:m.bin");
}

// ---- [errors] -------------------------------------------------------------------------------
TEST_CASE("bad input: exit code 2, one line naming the argument, outputs untouched", "[cli]") {
  Sandbox sb;
  // Inputs.
  write_file(sb / "pts.csv", "x,y\n0.1,0.2\n");
  write_file(sb / "badnum.csv", "x,y\n0.1,abc\n");
  write_file(sb / "badcols.csv", "x,y\n0.1,0.2,0.3\n");
  write_file(sb / "noheader.csv", "0.1,0.2\n");
  write_file(sb / "empty.csv", "");
  write_file(sb / "bad.json", "{\"steps\": 10,");
  write_file(sb / "notobject.json", "[1, 2]");
  REQUIRE(wgflab(sb, std::string(kTrainSmall) + " --steps 10 --eval-n 0 --save good.bin --out good.json --checkpoint good.ckpt").code == 0);
  const std::string good = read_file(sb / "good.bin");
  std::string v99 = good;  // a model file claiming format version 99
  v99[8] = 99;
  write_file(sb / "v99.bin", v99);
  write_file(sb / "notmodel.bin", "definitely not a model file");
  write_file(sb / "truncated.bin", good.substr(0, 40));
  std::string ck = read_file(sb / "good.ckpt");
  ck[8] = 7;  // training checkpoint version 7
  write_file(sb / "v7.ckpt", ck);
  // Pre-existing outputs with known content.
  const std::string precious = "precious, do not touch\n";
  for (const char* f : {"out.json", "out.csv", "model.bin", "samples.csv"}) write_file(sb / f, precious);

  // Each case is a complete command line: the subcommand's valid base options with some
  // replaced ("=" value), added, or dropped (value "-").
  using Opts = std::vector<std::pair<std::string, std::string>>;
  const auto cmd = [](const std::string& sub, Opts base, const Opts& changes) {
    for (const auto& [k, v] : changes) {
      auto it = std::find_if(base.begin(), base.end(), [&](const auto& o) { return o.first == k; });
      if (it != base.end()) {
        it->second = v;
      } else {
        base.emplace_back(k, v);
      }
    }
    std::string line = sub;
    for (const auto& [k, v] : base)
      if (v != "-") line += " " + k + (v.empty() ? "" : " " + v);
    return line;
  };
  const Opts field = {{"--density", "gaussian"}, {"--t", "0.5"}, {"--points", "pts.csv"}, {"--out", "out.csv"},
                      {"--json", "out.json"}};
  const Opts train = {{"--density", "gmm8"}, {"--batch", "64"},      {"--width", "32"},       {"--seed", "1"},
                      {"--weighting", "eps"}, {"--save", "model.bin"}, {"--out", "out.json"}};
  const Opts sample = {{"--density", "gmm8"}, {"--out", "out.json"}, {"--samples", "samples.csv"}};
  const auto F = [&](const Opts& c) { return cmd("field", field, c); };
  const auto T = [&](const Opts& c) { return cmd("train2d", train, c); };
  const auto S = [&](const Opts& c) { return cmd("sample2d", sample, c); };
  const std::vector<std::pair<std::string, std::string>> cases = {
      // unknown names
      {T({{"--density", "nope"}}), "--density"},
      {S({{"--density", "nope"}}), "--density"},
      {F({{"--density", "nope"}}), "--density"},
      {F({{"--field", "magic"}}), "--field"},
      {S({{"--field", "mlp:"}}), "--field"},
      {S({{"--sampler", "leapfrog"}}), "--sampler"},
      {S({{"--grid", "x"}}), "--grid"},
      {S({{"--schedule", "quadratic"}}), "--schedule"},
      {T({{"--param", "velocity"}}), "--param"},
      {T({{"--weighting", "snr"}}), "--weighting"},
      {T({{"--activation", "gelu"}}), "--activation"},
      {T({{"--lr-schedule", "step"}}), "--lr-schedule"},
      {T({{"--schedule", "quadratic"}}), "--schedule"},
      // zero or negative counts, bad numbers
      {T({{"--steps", "0"}}), "--steps"},
      {T({{"--steps", "-5"}}), "--steps"},
      {T({{"--batch", "0"}}), "--batch"},
      {T({{"--width", "-1"}}), "--width"},
      {T({{"--depth", "0"}}), "--depth"},
      {T({{"--time-features", "-2"}}), "--time-features"},
      {T({{"--lr", "-0.1"}}), "--lr"},
      {T({{"--jac-reg", "-1"}}), "--jac-reg"},
      {T({{"--batch", "abc"}}), "--batch"},
      {T({{"--eval-n", "-1"}}), "--eval-n"},
      {S({{"--n", "0"}}), "--n"},
      {S({{"--n", "-3"}}), "--n"},
      {S({{"--steps", "0"}}), "--steps"},
      {S({{"--steps", "5000"}}), "--steps"},
      {F({{"--t", "-0.5"}}), "--t"},
      {F({{"--t", "nan"}}), "--t"},
      // checkpoints: unreadable, wrong version, wrong kind, truncated, mismatched
      {S({{"--field", "mlp:missing.bin"}}), "missing.bin"},
      {S({{"--field", "mlp:v99.bin"}}), "version 99"},
      {S({{"--field", "mlp:notmodel.bin"}}), "notmodel.bin"},
      {S({{"--field", "mlp:truncated.bin"}}), "truncated"},
      {F({{"--field", "mlp:v99.bin"}}), "v99.bin"},
      {S({{"--field", "mlp:good.bin"}, {"--schedule", "ve"}}), "--schedule"},
      {T({{"--resume", ""}}), "--resume"},
      {T({{"--checkpoint-every", "5"}}), "--checkpoint-every"},
      {T({{"--checkpoint", "missing.ckpt"}, {"--resume", ""}}), "missing.ckpt"},
      {T({{"--checkpoint", "v7.ckpt"}, {"--resume", ""}}), "version 7"},
      {T({{"--width", "16"}, {"--checkpoint", "good.ckpt"}, {"--resume", ""}}), "--checkpoint"},
      {T({{"--steps", "5"}, {"--checkpoint", "good.ckpt"}, {"--resume", ""}}), "--steps"},
      // malformed CSV / JSON
      {F({{"--points", "badnum.csv"}}), "badnum.csv:2"},
      {F({{"--points", "badcols.csv"}}), "badcols.csv:2"},
      {F({{"--points", "noheader.csv"}}), "noheader.csv:1"},
      {F({{"--points", "empty.csv"}}), "empty.csv"},
      {F({{"--points", "missing.csv"}}), "missing.csv"},
      {T({{"--config", "bad.json"}}), "bad.json"},
      {T({{"--config", "notobject.json"}}), "notobject.json"},
      {T({{"--config", "missing.json"}}), "missing.json"},
      {S({{"--config", "good.json"}}), "good.json"},  // a train2d run is not a sample2d config
      // missing required options, unknown options, outputs that cannot be written
      {T({{"--out", "-"}}), "--out"},
      {T({{"--save", "-"}}), "--save"},
      {S({{"--density", "-"}}), "--density"},
      {F({{"--t", "-"}}), "--t"},
      {F({{"--points", "-"}}), "--points"},
      {F({{"--bogus", "3"}}), "--bogus"},
      {S({{"--samples", "nodir/x.csv"}}), "--samples"},
      {T({{"--save", "out.json"}}), "--save"},
      {"", "subcommand"},
  };
  const std::set<std::string> before = sb.listing();
  for (const auto& [args, expect] : cases) {
    CAPTURE(args);
    const Result r = wgflab(sb, args);
    CAPTURE(r.err);
    CHECK(r.code == 2);
    CHECK(count_lines(r.err) == 1);
    CHECK(r.err.rfind("wgflab: error: ", 0) == 0);
    CHECK(r.err.find(expect) != std::string::npos);
    CHECK(r.out.empty());
    for (const char* f : {"out.json", "out.csv", "model.bin", "samples.csv"}) CHECK(read_file(sb / f) == precious);
    CHECK(sb.listing() == before);  // nothing created (no temp files left behind either)
  }
}

// ---- [help] ---------------------------------------------------------------------------------
TEST_CASE("--help of every subcommand exits 0 and mentions every option", "[cli]") {
  Sandbox sb;
  const std::map<std::string, std::vector<std::string>> options = {
      {"densities", {"--json"}},
      {"field", {"--density", "--field", "--schedule", "--t", "--points", "--out", "--json"}},
      {"train2d",
       {"--density", "--steps", "--batch", "--width", "--depth", "--param", "--weighting", "--activation",
        "--time-features", "--schedule", "--lr", "--lr-schedule", "--jac-reg", "--seed", "--eval-n", "--save", "--out", "--checkpoint",
        "--checkpoint-every", "--resume", "--quiet", "--config"}},
      {"sample2d",
       {"--density", "--field", "--schedule", "--sampler", "--steps", "--grid", "--n", "--seed", "--out", "--samples",
        "--quiet", "--config"}},
  };
  for (const auto& [sub, opts] : options) {
    CAPTURE(sub);
    const Result r = wgflab(sb, sub + " --help");
    CHECK(r.code == 0);
    for (const std::string& o : opts) {
      CAPTURE(o);
      CHECK(r.out.find(o + " ") != std::string::npos);
    }
  }
  const Result top = wgflab(sb, "--help");
  CHECK(top.code == 0);
  for (const char* sub : {"densities", "field", "train2d", "sample2d", "bench"}) CHECK(top.out.find(sub) != std::string::npos);
  const Result version = wgflab(sb, "--version");
  CHECK(version.code == 0);
  CHECK(version.out.find(WGFLAB_VERSION) != std::string::npos);
  CHECK(sb.listing().empty());
}
