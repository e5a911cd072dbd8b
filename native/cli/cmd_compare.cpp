// wgflab compare A.json B.json: the differences between two run JSONs (any wgflab run: the
// CLI's, the desktop lab's or the web lab's), key by key, against tolerances; exits with code 3
// when a value differs beyond its tolerance (0 when all agree, 2 on bad input).
//
// Keys are paths into the documents: objects are joined with '.', arrays of numbers are one
// key compared element-wise ("loss_history"), other arrays are indexed ("x[0].y"). Numbers
// agree when |a - b| <= atol + rtol * max(|a|, |b|); null (a non-finite number) only equals
// null; strings and booleans must be equal; a key present in one document only is a
// difference. --tol GLOB=RTOL[,ATOL] sets the tolerance of the keys matching GLOB ('*' matches
// any run of characters; the last matching --tol wins); --ignore GLOB skips keys. Timings
// (*seconds*, *per_second*) and outputs.* (file names) are skipped unless --no-default-ignores.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "common.hpp"

namespace wgf::cli {
namespace {

struct Tolerance {
  std::string glob;
  double rtol = 0, atol = 0;
};

struct CompareOptions {
  std::string a, b;
  double rtol = 1e-9, atol = 1e-12;
  std::vector<std::string> tols, ignores;
  bool no_default_ignores = false;
  bool all = false;
};

const std::vector<std::string> kDefaultIgnores = {"outputs.*", "*seconds*", "*per_second*"};

// '*' matches any run of characters (including '.').
bool glob_match(const char* g, const char* s) {
  if (*g == '\0') return *s == '\0';
  if (*g == '*') return glob_match(g + 1, s) || (*s != '\0' && glob_match(g, s + 1));
  return *g == *s && glob_match(g + 1, s + 1);
}

Json read_run_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  Json j = Json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) throw UsageError(path + ": not valid JSON");
  if (!j.is_object() || !j.contains("schema_version"))
    throw UsageError(path + ": not a wgflab run JSON (no schema_version)");
  return j;
}

bool numeric_array(const Json& j) {
  if (!j.is_array() || j.empty()) return false;
  return std::all_of(j.begin(), j.end(), [](const Json& v) { return v.is_number() || v.is_null(); });
}

// Leaves of a document: (path, value); numeric arrays stay whole.
void flatten(const Json& j, const std::string& path, std::vector<std::pair<std::string, const Json*>>& out) {
  if (j.is_object() && !j.empty()) {
    for (auto it = j.begin(); it != j.end(); ++it) flatten(*it, path.empty() ? it.key() : path + "." + it.key(), out);
  } else if (j.is_array() && !j.empty() && !numeric_array(j)) {
    for (size_t i = 0; i < j.size(); ++i) flatten(j[i], path + "[" + std::to_string(i) + "]", out);
  } else {
    out.emplace_back(path, &j);
  }
}

Tolerance parse_tol(const std::string& text) {
  const size_t eq = text.rfind('=');
  Tolerance t;
  if (eq == std::string::npos || eq == 0) throw UsageError("--tol '" + text + "': expected GLOB=RTOL or GLOB=RTOL,ATOL");
  t.glob = text.substr(0, eq);
  const std::string nums = text.substr(eq + 1);
  const size_t comma = nums.find(',');
  auto num = [&](const std::string& s) {
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end || !(v >= 0) || !std::isfinite(v))
      throw UsageError("--tol '" + text + "': '" + s + "' is not a finite number >= 0");
    return v;
  };
  t.rtol = num(nums.substr(0, comma));
  if (comma != std::string::npos) t.atol = num(nums.substr(comma + 1));
  return t;
}

std::string show(const Json& v) {
  if (v.is_number()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v.get<double>());
    return buf;
  }
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  return s.size() > 24 ? s.substr(0, 21) + "..." : s;
}

struct Verdict {
  bool ok = true, differs = false;
  std::string a, b, detail;
};

// Two numbers (or nulls) under (rtol, atol); diff and rel return |a - b| and its relative size.
bool numbers_agree(const Json& x, const Json& y, double rtol, double atol, double& diff, double& rel) {
  diff = rel = 0;
  if (x.is_null() || y.is_null()) return x.is_null() && y.is_null();
  const double a = x.get<double>(), b = y.get<double>();
  diff = std::abs(a - b);
  const double scale = std::max(std::abs(a), std::abs(b));
  rel = scale > 0 ? diff / scale : 0;
  return diff <= atol + rtol * scale;
}

Verdict compare_values(const Json& x, const Json& y, double rtol, double atol) {
  Verdict v;
  char buf[160];
  if (numeric_array(x) && numeric_array(y)) {
    v.a = std::to_string(x.size()) + " values";
    v.b = std::to_string(y.size()) + " values";
    if (x.size() != y.size()) {
      v.ok = false, v.differs = true, v.detail = "lengths differ";
      return v;
    }
    double max_diff = 0, max_rel = 0;
    size_t at = 0, bad = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      double d = 0, r = 0;
      if (!numbers_agree(x[i], y[i], rtol, atol, d, r) && bad++ == 0 && max_diff == 0) at = i;
      if (d > max_diff) max_diff = d, at = i;
      max_rel = std::max(max_rel, r);
    }
    v.differs = max_diff > 0 || bad > 0;
    v.ok = bad == 0;
    std::snprintf(buf, sizeof buf, "max |diff| %.3g at [%zu], max rel %.3g%s", max_diff, at, max_rel,
                  bad ? (", " + std::to_string(bad) + " beyond tolerance").c_str() : "");
    v.detail = buf;
    return v;
  }
  v.a = show(x), v.b = show(y);
  if ((x.is_number() || x.is_null()) && (y.is_number() || y.is_null()) && !(x.is_null() && y.is_null())) {
    double d = 0, r = 0;
    v.ok = numbers_agree(x, y, rtol, atol, d, r);
    v.differs = d > 0 || !v.ok;
    std::snprintf(buf, sizeof buf, "|diff| %.3g, rel %.3g", d, r);
    v.detail = buf;
    return v;
  }
  v.ok = x == y;
  v.differs = !v.ok;
  if (!v.ok) v.detail = x.type() != y.type() ? "types differ" : "not equal";
  return v;
}

void run_compare(const CompareOptions& o) {
  if (!(o.rtol >= 0) || !(o.atol >= 0) || !std::isfinite(o.rtol) || !std::isfinite(o.atol))
    throw UsageError("--rtol and --atol must be finite numbers >= 0");
  std::vector<Tolerance> tols;
  for (const std::string& t : o.tols) tols.push_back(parse_tol(t));
  std::vector<std::string> ignores = o.ignores;
  if (!o.no_default_ignores) ignores.insert(ignores.end(), kDefaultIgnores.begin(), kDefaultIgnores.end());
  const Json A = read_run_file(o.a), B = read_run_file(o.b);

  std::vector<std::pair<std::string, const Json*>> fa, fb;
  flatten(A, "", fa);
  flatten(B, "", fb);
  std::vector<std::string> keys;
  for (const auto& entry : fa) keys.push_back(entry.first);
  for (const auto& entry : fb) {
    const std::string& key = entry.first;  // (C++17 lambdas cannot capture structured bindings)
    if (std::none_of(fa.begin(), fa.end(), [&](const auto& p) { return p.first == key; })) keys.push_back(key);
  }
  auto find = [](const std::vector<std::pair<std::string, const Json*>>& f, const std::string& k) -> const Json* {
    for (const auto& [key, v] : f)
      if (key == k) return v;
    return nullptr;
  };

  size_t compared = 0, differing = 0, failing = 0, skipped = 0;
  std::printf("%-34s %-22s %-22s %s\n", "key", "A", "B", "difference (tolerance)");
  for (const std::string& k : keys) {
    if (std::any_of(ignores.begin(), ignores.end(), [&](const std::string& g) { return glob_match(g.c_str(), k.c_str()); })) {
      ++skipped;
      continue;
    }
    double rtol = o.rtol, atol = o.atol;
    for (const Tolerance& t : tols)
      if (glob_match(t.glob.c_str(), k.c_str())) rtol = t.rtol, atol = t.atol;
    const Json* x = find(fa, k);
    const Json* y = find(fb, k);
    Verdict v;
    if (!x || !y) {
      v.ok = false, v.differs = true;
      v.a = x ? show(*x) : "(missing)";
      v.b = y ? show(*y) : "(missing)";
      v.detail = "present in one run only";
    } else {
      v = compare_values(*x, *y, rtol, atol);
    }
    ++compared;
    differing += v.differs;
    failing += !v.ok;
    if (v.differs || o.all) {
      char tol[64];
      std::snprintf(tol, sizeof tol, "rtol %.3g, atol %.3g", rtol, atol);
      std::printf("%-34s %-22s %-22s %s (%s)%s\n", k.c_str(), v.a.c_str(), v.b.c_str(), v.detail.c_str(), tol,
                  v.ok ? "" : "  BEYOND TOLERANCE");
    }
  }
  std::printf("compare: %zu keys compared, %zu differ, %zu beyond tolerance, %zu skipped (timings, outputs, --ignore)\n",
              compared, differing, failing, skipped);
  std::fflush(stdout);
  // run_app's "print this one line and exit with this code" exception (common.hpp).
  if (failing > 0)
    throw Interrupted("compare: " + std::to_string(failing) + " of " + std::to_string(compared) + " keys of " + o.a +
                          " and " + o.b + " differ beyond tolerance",
                      3);
}

}  // namespace

void add_compare(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("compare", "Compare two run JSONs key by key against tolerances (exit code 3 "
                                                "when a value differs beyond its tolerance)");
  auto o = std::make_shared<CompareOptions>();
  sub->option_defaults()->always_capture_default();
  sub->add_option("A", o->a, "First run JSON")->required();
  sub->add_option("B", o->b, "Second run JSON")->required();
  sub->add_option("--rtol", o->rtol, "Relative tolerance of every number");
  sub->add_option("--atol", o->atol, "Absolute tolerance of every number");
  sub->add_option("--tol", o->tols, "GLOB=RTOL[,ATOL]: the tolerance of the keys matching GLOB (repeatable; the last "
                                    "match wins), e.g. --tol 'metrics.*=1e-3' --tol 'loss_history=1e-4,1e-6'");
  sub->add_option("--ignore", o->ignores, "GLOB: keys not to compare (repeatable)");
  sub->add_flag("--no-default-ignores", o->no_default_ignores, "Also compare timings (*seconds*, *per_second*) and "
                                                               "outputs.* (file names)");
  sub->add_flag("--all", o->all, "List every key compared, not only those that differ");
  sub->footer(
      "Keys: object members joined by '.', arrays of numbers compared element-wise under one key (loss_history), "
      "other arrays indexed (x[0]). Numbers agree when |a - b| <= atol + rtol * max(|a|, |b|); null (a non-finite "
      "number) equals only null; strings and booleans must match; a key in one run only is a difference.\n"
      "Exit codes: 0 all within tolerance, 3 some value beyond it, 2 bad input.\n"
      "Example: wgflab compare native/train.json web/train.json --tol 'loss_history=1e-4' --tol 'metrics.*=1e-3'");
  sub->callback([o] { run_compare(*o); });
}

}  // namespace wgf::cli
