#include "lesson.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace wgf::ui {
namespace fs = std::filesystem;

namespace {

std::string need_string(const Json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_string()) throw std::invalid_argument(where + "." + key + ": expected a string");
  return j[key].get<std::string>();
}

}  // namespace

Lesson parse_lesson(const Json& j, const std::string& id, const std::string& where) {
  if (!j.is_object()) throw std::invalid_argument(where + ": expected a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "title" && it.key() != "summary" && it.key() != "state" && it.key() != "tour")
      throw std::invalid_argument(where + "." + it.key() + ": unknown key (known: title, summary, state, tour)");
  Lesson l;
  l.id = id;
  l.title = need_string(j, "title", where);
  l.summary = j.contains("summary") ? need_string(j, "summary", where) : "";
  if (j.contains("state")) l.state = j["state"];
  AppState probe;
  apply_json(probe, l.state, where + ".state");
  if (!j.contains("tour") || !j["tour"].is_array() || j["tour"].empty())
    throw std::invalid_argument(where + ".tour: expected a non-empty array of steps");
  for (size_t i = 0; i < j["tour"].size(); ++i) {
    const Json& s = j["tour"][i];
    const std::string w = where + ".tour[" + std::to_string(i) + "]";
    if (!s.is_object()) throw std::invalid_argument(w + ": expected an object");
    for (auto it = s.begin(); it != s.end(); ++it)
      if (it.key() != "title" && it.key() != "text" && it.key() != "panel" && it.key() != "state")
        throw std::invalid_argument(w + "." + it.key() + ": unknown key (known: title, text, panel, state)");
    TourStep step;
    step.title = need_string(s, "title", w);
    step.text = need_string(s, "text", w);
    if (s.contains("panel")) {
      try {
        step.panel = parse_panel(need_string(s, "panel", w));
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(w + ".panel: " + e.what());
      }
      step.has_panel = true;
    }
    if (s.contains("state")) step.state = s["state"];
    apply_json(probe, step.state, w + ".state");
    l.tour.push_back(std::move(step));
  }
  return l;
}

Lesson read_lesson(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open the lesson file");
  std::stringstream ss;
  ss << in.rdbuf();
  Json j;
  try {
    j = Json::parse(ss.str());
  } catch (const Json::parse_error& e) {
    throw std::runtime_error(path + ": not valid JSON: " + e.what());
  }
  try {
    Lesson l = parse_lesson(j, fs::path(path).stem().string(), "lesson");
    l.path = path;
    return l;
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

std::vector<Lesson> read_lessons(const std::string& dir, std::vector<std::string>* errors) {
  std::vector<Lesson> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (errors) errors->push_back(dir + ": no lessons folder here");
    return out;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    try {
      out.push_back(read_lesson(f.string()));
    } catch (const std::exception& e) {
      if (errors) errors->push_back(e.what());
    }
  }
  return out;
}

AppState lesson_state(const Lesson& l) {
  AppState s;
  apply_json(s, l.state, "lesson " + l.id + ".state");
  s.lesson = l.id;
  enter_step(s, l, 0);
  return s;
}

void enter_step(AppState& s, const Lesson& l, int i) {
  if (l.tour.empty()) return;
  i = std::clamp(i, 0, static_cast<int>(l.tour.size()) - 1);
  const TourStep& step = l.tour[static_cast<size_t>(i)];
  apply_json(s, step.state, "lesson " + l.id + ".tour[" + std::to_string(i) + "].state");
  if (step.has_panel) s.panel = step.panel;
  s.tour_step = i;
}

}  // namespace wgf::ui
