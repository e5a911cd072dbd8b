// End-to-end tests of `wgflab diagnose2d` and `wgflab report`: each case runs the real binary
// (WGFLAB_EXE) in a fresh temporary directory and checks the run JSON against analytic truth
// (known loop integrals, curls and Stein values of the test fields), the CSV series, the PNGs
// (read back with the report library's load_png) and the error convention.
//
// Sections: [harness] [single time] [k sweep] [transport] [report] [errors]
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_harness.hpp"
#include "raster.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace cli_test;

namespace {

constexpr double kPi = 3.14159265358979323846;

// ---- [harness] (cli_harness.hpp) ------------------------------------------------------------
// Runs diagnose2d quietly, requires success, returns the run JSON.
json diagnose(const Sandbox& sb, const std::string& args, const std::string& out = "diag.json") {
  const Result r = wgflab(sb, "diagnose2d --quiet " + args + " --out " + out);
  INFO("diagnose2d " << args << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  return read_json(sb / out);
}

// Small paths keep a sweep fast: the diagnostics do not depend on these sizes qualitatively.
const char* kSmallPaths = "--bridge-steps 100 --rotation-steps 100 --projection-noisings 4 --projection-points 25";

const std::vector<std::string> kRowKeys = {
    "t",           "k",          "sigma",        "loop_integral",      "loop_ratio", "jac_asym_abs_mean",
    "jac_asym_abs_max", "jac_asym_rel", "curl_rms", "error_l2", "stein_mean", "stein_sem",
    "stein_rms",   "stein_cancellation", "div_e_rms", "s_dot_e_rms"};

}  // namespace

// ---- [single time] --------------------------------------------------------------------------
TEST_CASE("diagnose2d: the exact score's circle integral vanishes (midpoint rule), e = 0", "[cli]") {
  // N = 1000 segments (the default). paths.hpp: each midpoint segment errs by
  // phi'''[dy, dy, dy] / 24 with |dy| = 2 pi R / N, so the sum is at most
  // M3 (2 pi R)^3 / (24 N^2) = 1.0e-5 M3 for R = 1 — O(1/N^2). On a uniformly parametrised
  // circle the leading term vanishes besides: sum ~ (h^2/24) int phi'''(y)[y', y', y'] du, and
  // two integrations by parts around the closed circle turn that integral into a multiple of
  // the loop integral of grad phi itself, which is 0. What is left is O(N^-4) plus rounding
  // (N terms of size |s| |dy| ~ 1e-2, eps 1e-16), far below 1e-6 (measured: ~1e-16).
  Sandbox sb;
  const json d = diagnose(sb, "--density gmm8 --field exact --t 0.5 --loops circle:0,0,1 --samples 64 --seed 3");
  CHECK(d["command"] == "diagnose2d");
  CHECK(d["schema_version"] == 1);
  CHECK(d["mode"] == "single_t");
  REQUIRE(d["rows"].size() == 1);
  const json& row = d["rows"][0];
  for (const std::string& k : kRowKeys) CHECK(row.contains(k));
  CHECK(row["t"].get<double>() == 0.5);
  const json& c = row["loop_integral"]["circle:0,0,1"];
  CHECK(std::abs(c["mean"].get<double>()) < 1e-6);
  CHECK(c["std"].is_null());  // one fixed path: no sampling, no std
  CHECK(c["paths"] == 1);
  CHECK(std::abs(row["loop_ratio"]["circle:0,0,1"]["mean"].get<double>()) < 1e-6);
  CHECK(row["curl_rms"].get<double>() < 1e-6);  // the exact score's JVP is a central difference
  CHECK(row["error_l2"].get<double>() == 0.0);
  CHECK(row["stein_rms"].get<double>() == 0.0);
  // Maps for the report: every array on the grid.
  const json& m = d["maps"];
  const size_t n = m["grid"]["nx"].get<size_t>() * m["grid"]["ny"].get<size_t>();
  CHECK(n == 64 * 64);
  for (const char* k : {"log_density", "curl", "stein"}) CHECK(m[k].size() == n);
  for (const char* k : {"field", "velocity", "error"}) CHECK(m[k]["u"].size() == n);
  CHECK(m["grid"]["x_max"].get<double>() > m["grid"]["x_min"].get<double>());
  // The note on Stein's identity.
  bool noted = false;
  for (const json& s : d["notes"]) noted = noted || s.get<std::string>().find("Stein's identity") != std::string::npos;
  CHECK(noted);
}

TEST_CASE("diagnose2d: linear:0,-1,1,0 gives the closed form (A21 - A12) pi R^2 = 2 pi", "[cli]") {
  // s = A x is linear, so the midpoint rule is exact on every chord: the sum is the integral
  // around the inscribed N-gon, (A21 - A12) * (N/2) R^2 sin(2 pi / N), which falls short of
  // 2 pi R^2 by 2 pi R^2 (2 pi / N)^2 / 6 = 2.6e-10 at N = 400,000 (rounding: ~1e-12).
  Sandbox sb;
  const json d = diagnose(sb, "--density gmm8 --field linear:0,-1,1,0 --t 0.5 --loops circle:0,0,1,circle:0.7,-0.3,0.5 "
                              "--circle-points 400000 --samples 32");
  const json& row = d["rows"][0];
  CHECK(row["loop_integral"]["circle:0,0,1"]["mean"].get<double>() == Approx(2 * kPi).margin(1e-9));
  CHECK(row["loop_integral"]["circle:0.7,-0.3,0.5"]["mean"].get<double>() == Approx(2 * kPi * 0.25).margin(1e-9));
  // Eq. 7 around the unit circle: 2 * 2 pi / (sum |y_mid| |dy| = 2 pi) = 2.
  CHECK(row["loop_ratio"]["circle:0,0,1"]["mean"].get<double>() == Approx(2.0).margin(1e-6));
  // The Jacobian is A everywhere: |A12 - A21| = 2, curl A21 - A12 = 2, and A + A^T = 0 makes
  // the relative asymmetry infinite (null in JSON).
  CHECK(row["jac_asym_abs_mean"].get<double>() == Approx(2.0).margin(1e-12));
  CHECK(row["curl_rms"].get<double>() == Approx(2.0).margin(1e-12));
  CHECK(row["jac_asym_rel"].is_null());
}

TEST_CASE("diagnose2d: exact+rot is rotational yet Stein-null, exact+const the reverse", "[cli]") {
  Sandbox sb;
  // The rotated score s + A R s on the Gaussian density (mean mu, covariance Sigma): at time
  // t, p_t = N(m mu, C), C = m^2 Sigma + sigma^2 I, s_true = -C^{-1}(x - m mu) and div s_true =
  // -tr C^{-1}, so the CCW integral of A R s_true around a circle is A times the outward flux
  // of s_true: -A tr(C^{-1}) pi R^2 (exact on the N-gon up to (2 pi / N)^2 / 6 relative).
  const double t = 0.5, A = 0.5, m2 = std::exp(-2 * t), s2 = 1 - m2;
  const double c11 = m2 * 0.5 + s2, c12 = m2 * 0.3, c22 = m2 * 0.4 + s2;
  const double tr_inv = (c11 + c22) / (c11 * c22 - c12 * c12);
  const json g = diagnose(sb, "--density gaussian --field exact+rot:0.5 --t 0.5 --loops circle:0.8,-0.4,1 "
                              "--circle-points 100000 --samples 256");
  CHECK(g["rows"][0]["loop_integral"]["circle:0.8,-0.4,1"]["mean"].get<double>() ==
        Approx(-A * tr_inv * kPi).epsilon(1e-8));
  // On a Gaussian s_true is linear, J_true = -C^{-1}: the curl of A R s_true is -A tr C^{-1}.
  CHECK(g["rows"][0]["curl_rms"].get<double>() == Approx(A * tr_inv).epsilon(1e-6));

  // gmm8: the rotation still has a clear curl and loop integrals, while S = div e + s_true . e
  // vanishes: s_true . R s_true = 0 and div(R s_true) = curl(s_true) = 0 separately, so what
  // is left is the finite-difference noise of the exact score's JVP (~1e-11).
  const json rot = diagnose(sb, "--density gmm8 --field exact+rot:0.5 --t 0.5 --loops circle:0,0,1,rotation "
                                "--rotation-steps 200 --samples 1000 --seed 1");
  const json& r = rot["rows"][0];
  INFO("rot: " << r.dump());
  CHECK(r["curl_rms"].get<double>() > 0.3);
  CHECK(r["jac_asym_rel"].get<double>() > 0.1);
  CHECK(std::abs(r["loop_integral"]["circle:0,0,1"]["mean"].get<double>()) > 0.1);
  CHECK(r["loop_integral"]["rotation"]["abs_mean"].get<double>() > 0.1);
  CHECK(r["error_l2"].get<double>() > 0.1);
  CHECK(r["stein_rms"].get<double>() < 1e-8);
  // Here div e and s.e vanish on their own (div(J s) = -curl s = 0, s . J s = 0); the ratio's
  // denominator is floored at 1e-6 RMS(|s||e|) (engine diagnostics.hpp), so rounding-level S
  // gives a ratio of ~1e-4 at most, against ~1 for an error that does not cancel.
  CHECK(r["stein_cancellation"].get<double>() < 1e-2);

  // exact+const: conservative (no curl) but S = -s_true . c is not zero pointwise, while its
  // mean is zero by Stein's identity (within 4 standard errors).
  const json cst = diagnose(sb, "--density gmm8 --field exact+const:0.5,0 --t 0.5 --loops circle:0,0,1 --samples 1000 "
                                "--seed 1");
  const json& c = cst["rows"][0];
  INFO("const: " << c.dump());
  CHECK(c["curl_rms"].get<double>() < 1e-6);
  CHECK(std::abs(c["loop_integral"]["circle:0,0,1"]["mean"].get<double>()) < 1e-6);
  CHECK(c["error_l2"].get<double>() == Approx(0.25).epsilon(1e-12));  // |c|^2
  CHECK(c["stein_rms"].get<double>() > 0.1);
  CHECK(c["stein_rms"].get<double>() > 20 * c["stein_sem"].get<double>());
  CHECK(std::abs(c["stein_mean"].get<double>()) < 4 * c["stein_sem"].get<double>());
  CHECK(c["stein_cancellation"].get<double>() == Approx(1.0));  // div e = 0: nothing to cancel
}

// ---- [k sweep] ------------------------------------------------------------------------------
TEST_CASE("diagnose2d --k-sweep 5: five rows, k increasing, every key, CSV series, reproducible", "[cli]") {
  Sandbox sb;
  const std::string args = std::string("--density gmm8 --field exact+rot:0.5 --k-sweep 5 --samples 16 --seed 7 ") +
                           "--loops brownian,rotation,projection,circle:0,0,1 " + kSmallPaths;
  const json d = diagnose(sb, args + " --csv series");
  CHECK(d["mode"] == "k_sweep");
  CHECK(d["config"]["k_sweep"] == 5);
  CHECK(d["config"]["t"].is_null());
  CHECK_FALSE(d.contains("maps"));
  const std::vector<std::string> kinds = {"brownian", "rotation", "projection", "circle:0,0,1"};
  CHECK(d["loops"] == json(kinds));
  const json& rows = d["rows"];
  REQUIRE(rows.size() == 5);
  CHECK(rows[0]["k"] == 1);
  CHECK(rows[4]["k"] == 1000);
  for (size_t i = 0; i < rows.size(); ++i) {
    CAPTURE(i);
    for (const std::string& k : kRowKeys) CHECK(rows[i].contains(k));
    for (const char* series : {"loop_integral", "loop_ratio"})
      for (const std::string& kind : kinds)
        for (const char* stat : {"mean", "std", "abs_mean", "paths"}) CHECK(rows[i][series][kind].contains(stat));
    CHECK(rows[i]["loop_integral"]["rotation"]["paths"] == 16);
    CHECK(rows[i]["loop_integral"]["rotation"]["std"].is_number());
    CHECK(rows[i]["loop_integral"]["circle:0,0,1"]["std"].is_null());
    CHECK(rows[i]["curl_rms"].get<double>() > 0.1);
    if (i > 0) {
      CHECK(rows[i]["k"].get<int>() > rows[i - 1]["k"].get<int>());
      CHECK(rows[i]["t"].get<double>() > rows[i - 1]["t"].get<double>());
    }
  }
  // One CSV per series, one row per k.
  std::set<std::string> want = {"jacobian.csv", "stein.csv"};
  for (const char* kind : {"brownian", "rotation", "projection", "circle_0_0_1"})
    for (const char* series : {"loop_integral_", "loop_ratio_"}) want.insert(series + std::string(kind) + ".csv");
  std::set<std::string> got;
  for (const auto& e : fs::directory_iterator(sb / "series")) got.insert(e.path().filename().string());
  CHECK(got == want);
  const std::string stein = read_file(sb / "series" / "stein.csv");
  CHECK(stein.rfind("k,t,error_l2,stein_mean,stein_sem,stein_rms,stein_cancellation", 0) == 0);
  CHECK(std::count(stein.begin(), stein.end(), '\n') == 6);
  // The same seed reproduces every number; --config replays the run.
  const json again = diagnose(sb, "--config diag.json", "replay.json");
  CHECK(again["rows"] == rows);
}

// ---- [transport] ----------------------------------------------------------------------------
TEST_CASE("diagnose2d --transport: the rotated score transports like the exact one, the shifted one does not",
          "[cli]") {
  Sandbox sb;
  // The t grid: on the k grid the first step (t = 6.5 -> 9.9) turns the rotational part by
  // A * 3.5 rad at once, which Heun cannot follow (an artefact of the solver, not of the field).
  const std::string base =
      "--density gmm8 --t 0.5 --loops circle:0,0,1 --samples 32 --transport --transport-n 1000 --transport-grid t ";
  const json rot = diagnose(sb, base + "--field exact+rot:0.5 --helmholtz --grid 48", "rot.json");
  const json cst = diagnose(sb, base + "--field exact+const:0.5,0", "const.json");
  for (const json* d : {&rot, &cst}) {
    const json& tr = (*d)["transport"];
    for (const char* variant : {"field", "exact"})
      for (const char* sampler : {"ode-heun", "sde"})
        for (const char* metric : {"swd", "mmd", "energy", "grid_kl"}) CHECK(tr[variant][sampler].contains(metric));
    CHECK(tr["reference_floor"]["swd"].get<double>() > 0);
  }
  CHECK(rot["transport"]["gradient_part"]["ode-heun"]["swd"].is_number());
  const auto swd = [](const json& d, const char* variant) {
    return d["transport"][variant]["ode-heun"]["swd"].get<double>();
  };
  // Paired runs (same start and noise, same density draws): the exact field's own
  // discretisation error is the yardstick.
  const double yard = std::max(swd(rot, "exact"), rot["transport"]["reference_floor"]["swd"].get<double>());
  INFO("exact " << swd(rot, "exact") << " rot " << swd(rot, "field") << " const " << swd(cst, "field"));
  CHECK(swd(rot, "field") < 2 * yard);
  CHECK(swd(cst, "field") > 5 * yard);
}

// ---- [report] -------------------------------------------------------------------------------
namespace {
// Distinct colours of a canvas (a cap is enough to tell "a figure" from "a blank").
size_t colours(const wgf::report::Canvas& c) {
  std::set<unsigned> seen;
  const auto& px = c.rgb();
  for (size_t i = 0; i + 2 < px.size() && seen.size() < 1000; i += 3)
    seen.insert(static_cast<unsigned>(px[i]) << 16 | static_cast<unsigned>(px[i + 1]) << 8 | px[i + 2]);
  return seen.size();
}

// The "(W x H px)" index.md gives for `file`.
std::pair<int, int> listed_size(const std::string& index, const std::string& file) {
  std::smatch m;
  const std::regex re("\\*\\*" + std::regex_replace(file, std::regex("[.+]"), "\\$&") + "\\*\\* \\((\\d+) x (\\d+) px\\)");
  if (!std::regex_search(index, m, re)) return {0, 0};
  return {std::stoi(m[1]), std::stoi(m[2])};
}
}  // namespace

TEST_CASE("report: sweeps give four PNG figures, single-time runs one map figure each, and an index", "[cli]") {
  Sandbox sb;
  const std::string sweep = std::string("--k-sweep 5 --samples 16 --loops brownian,rotation,circle:0,0,1 ") + kSmallPaths;
  diagnose(sb, "--density gmm8 --field exact " + sweep, "exact.json");
  diagnose(sb, "--density gmm8 --field exact+rot:0.5 " + sweep, "rot.json");
  const Result r = wgflab(sb, "report exact.json rot.json --out rep --panel-width 400 --panel-height 300 --quiet");
  INFO(r.err);
  REQUIRE(r.code == 0);
  const std::string index = read_file(sb / "rep" / "index.md");
  struct Fig {
    const char* file;
    int cols, rows;
  };
  for (const Fig& f : {Fig{"loop_integral.png", 3, 1}, Fig{"loop_ratio.png", 3, 1}, Fig{"jacobian_asymmetry.png", 3, 1},
                       Fig{"stein.png", 2, 2}}) {
    CAPTURE(f.file);
    const wgf::report::Canvas c = wgf::report::load_png((sb / "rep" / f.file).string());
    CHECK(c.width() == f.cols * 400);
    CHECK(c.height() > f.rows * 300);  // panels under a title line
    CHECK(c.height() < f.rows * 300 + 100);
    CHECK(listed_size(index, f.file) == std::make_pair(c.width(), c.height()));
    CHECK(colours(c) > 50);
  }
  CHECK(index.find("exact+rot:0.5") != std::string::npos);
  CHECK(index.find("Stein's identity") != std::string::npos);

  diagnose(sb, "--density gmm8 --field exact+rot:0.5 --t 0.3 --samples 16 --grid 32 --loops circle:0,0,1", "t_rot.json");
  diagnose(sb, "--density gmm8 --field exact --t 0.3 --samples 16 --grid 32 --loops circle:0,0,1", "t_exact.json");
  REQUIRE(wgflab(sb, "report t_rot.json t_exact.json --out maps --quiet").code == 0);
  for (const char* file : {"maps_1_exact+rot_0.5.png", "maps_2_exact.png"}) {
    CAPTURE(file);
    const wgf::report::Canvas c = wgf::report::load_png((sb / "maps" / file).string());
    CHECK(c.width() == 3 * 560);
    CHECK(c.height() > 2 * 400);
    CHECK(colours(c) > 100);
  }
  const std::string mindex = read_file(sb / "maps" / "index.md");
  CHECK(mindex.find("Values at the single time") != std::string::npos);
}

// ---- [errors] -------------------------------------------------------------------------------
TEST_CASE("diagnose2d and report: bad input exits 2 with one line and leaves outputs untouched", "[cli]") {
  Sandbox sb;
  const std::string precious = "precious, do not touch\n";
  write_file(sb / "out.json", precious);
  write_file(sb / "garbage.json", "{\"command\": \"diagnose2d\", ");
  write_file(sb / "notes.txt", "not json at all");
  REQUIRE(wgflab(sb, "sample2d --density gmm8 --n 50 --steps 5 --out sample.json --quiet").code == 0);
  diagnose(sb, "--density gmm8 --field exact --k-sweep 2 --samples 4 --loops circle:0,0,1", "sweep.json");
  diagnose(sb, "--density gmm8 --field exact --t 0.2 --samples 4 --grid 8 --loops circle:0,0,1", "single.json");
  const std::set<std::string> before = sb.listing();

  const std::string base = "diagnose2d --density gmm8 --t 0.5 --loops circle:0,0,1 --samples 8 --out out.json";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {base + " --field magic", "--field"},
      {base + " --field exact+rot:", "--field"},
      {base + " --field linear:1,2,3", "--field"},
      {base + " --field mlp:missing.bin", "missing.bin"},
      {"diagnose2d --density gmm8 --t -0.5 --out out.json", "--t"},
      {"diagnose2d --density gmm8 --t nan --out out.json", "--t"},
      {"diagnose2d --density gmm8 --t 100 --out out.json", "--t"},
      {"diagnose2d --density gmm8 --out out.json", "--t"},
      {"diagnose2d --density gmm8 --t 0.5 --k-sweep 3 --out out.json", "--k-sweep"},
      {"diagnose2d --density gmm8 --k-sweep 0 --out out.json", "--k-sweep"},
      {"diagnose2d --density gmm8 --k-sweep 5000 --out out.json", "--k-sweep"},
      {base + " --loops circle:0,0", "--loops"},
      {base + " --loops circle:0,0,-1", "--loops"},
      {base + " --loops circle:a,0,1", "--loops"},
      {base + " --loops spiral", "--loops"},
      {base + " --loops polygon", "--loops"},
      {base + " --loops brownian,brownian", "--loops"},
      {base + " --loops brownian,,rotation", "--loops"},
      {base + " --samples 0", "--samples"},
      {base + " --samples -4", "--samples"},
      {base + " --jacobian 3", "--jacobian"},
      {base + " --circle-points 2", "--circle-points"},
      {base + " --grid 2", "--grid"},
      {base + " --helmholtz", "--helmholtz"},
      {base + " --transport --transport-grid x", "--transport-grid"},
      {base + " --density nope", "--density"},
      {base + " --schedule quadratic", "--schedule"},
      {base + " --csv notes.txt", "--csv"},
      {base + " --csv missing/dir", "--csv"},
      {"report missing.json --out rep", "missing.json"},
      {"report garbage.json --out rep", "garbage.json"},
      {"report notes.txt --out rep", "notes.txt"},
      {"report sample.json --out rep", "sample2d"},
      {"report sweep.json single.json --out rep", "separately"},
      {"report sweep.json --out notes.txt", "--out"},
      {"report sweep.json --out missing/rep", "--out"},
      {"report --out rep", "inputs"},
  };
  for (const auto& [line, needle] : cases) {
    CAPTURE(line);
    const Result r = wgflab(sb, line);
    CHECK(r.code == 2);
    CHECK(r.err.rfind("wgflab: error: ", 0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.find(needle) != std::string::npos);
    CHECK(read_file(sb / "out.json") == precious);
    CHECK(sb.listing() == before);
  }
}
