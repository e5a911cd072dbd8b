#include "run_file.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace wgf::ui {
namespace fs = std::filesystem;

namespace {

// A JSON array of numbers (null, JSON's NaN, kept as a gap); false when it is not one.
bool numbers(const Json& a, std::vector<double>& out) {
  if (!a.is_array() || a.empty()) return false;
  out.clear();
  for (const Json& v : a) {
    if (v.is_number()) out.push_back(v.get<double>());
    else if (v.is_null()) out.push_back(NAN);
    else return false;
  }
  return true;
}

}  // namespace

RunFile parse_run(const Json& j, const std::string& name) {
  if (!j.is_object() || !j.contains("schema_version") || !j.contains("command"))
    throw std::invalid_argument(name + ": not a wgflab run JSON (no schema_version / command)");
  if (!j["schema_version"].is_number_integer() || j["schema_version"].get<int>() != 1)
    throw std::invalid_argument(name + ": run JSON schema_version " + j["schema_version"].dump() + ", expected 1");
  RunFile r;
  r.name = name;
  r.command = j["command"].is_string() ? j["command"].get<std::string>() : "?";
  std::vector<double> v;
  if (j.contains("loss_history") && numbers(j["loss_history"], v)) {
    double stride = 1;
    if (j.contains("loss_history_stride") && j["loss_history_stride"].is_number())
      stride = std::max(1.0, j["loss_history_stride"].get<double>());
    Curve c;
    for (size_t i = 0; i < v.size(); ++i) c.x.push_back(stride == 1 ? i + 1.0 : (i + 0.5) * stride), c.y.push_back(v[i]);
    r.curves["loss_history"] = std::move(c);
  }
  if (j.contains("series") && j["series"].is_object()) {
    const Json& s = j["series"];
    std::vector<double> xs;
    const bool has_k = s.contains("k") && numbers(s["k"], xs);
    for (auto it = s.begin(); it != s.end(); ++it) {
      if (it.key() == "k" || !numbers(it.value(), v)) continue;
      Curve c;
      c.y = v;
      for (size_t i = 0; i < v.size(); ++i) c.x.push_back(has_k && i < xs.size() ? xs[i] : static_cast<double>(i));
      r.curves[it.key()] = std::move(c);
    }
  }
  // A diagnostics document (diagnose2d, diagnose): its rows become curves over k, the loop
  // statistics named as the lab's series (eq7_ratio_KIND: mean |Eq. 7 ratio| of a path kind).
  if (!j.contains("series") && j.contains("rows") && j["rows"].is_array()) {
    std::map<std::string, Curve> rows;
    for (const Json& row : j["rows"]) {
      if (!row.is_object() || !row.contains("k") || !row["k"].is_number()) continue;
      const double k = row["k"].get<double>();
      auto add = [&](const std::string& key, const Json& value) {
        rows[key].x.push_back(k);
        rows[key].y.push_back(value.is_number() ? value.get<double>() : NAN);
      };
      for (auto it = row.begin(); it != row.end(); ++it)
        if (it.key() != "k" && (it.value().is_number() || it.value().is_null())) add(it.key(), it.value());
      for (const auto& [group, prefix] : {std::pair{"loop_ratio", "eq7_ratio_"}, std::pair{"loop_integral", "loop_integral_"}})
        if (row.contains(group) && row[group].is_object())
          for (auto it = row[group].begin(); it != row[group].end(); ++it)
            if (it.value().is_object() && it.value().contains("abs_mean")) add(prefix + it.key(), it.value()["abs_mean"]);
      if (row.contains("jacobian") && row["jacobian"].is_object() && row["jacobian"].contains("fd_rel_diff"))
        add("jacobian_fd_rel_diff", row["jacobian"]["fd_rel_diff"]);
    }
    for (auto& [key, c] : rows)  // a column of nulls (curl_rms beyond 2D) is no curve
      if (std::any_of(c.y.begin(), c.y.end(), [](double y) { return std::isfinite(y); })) r.curves[key] = std::move(c);
  }
  for (const char* group : {"metrics", "reference_floor"}) {
    if (!j.contains(group) || !j[group].is_object()) continue;
    const std::string prefix = std::string(group) == "metrics" ? "" : std::string(group) + ".";
    for (auto it = j[group].begin(); it != j[group].end(); ++it)
      if (it.value().is_number()) r.metrics[prefix + it.key()] = it.value().get<double>();
  }
  return r;
}

RunFile read_run(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return parse_run(Json::parse(ss.str()), fs::path(path).filename().string());
  } catch (const Json::parse_error& e) {
    throw std::runtime_error(path + ": not valid JSON: " + e.what());
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

std::vector<std::string> list_json_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file(ec) && e.path().extension() == ".json") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace wgf::ui
