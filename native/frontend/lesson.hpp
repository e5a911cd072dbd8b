// Lesson presets (assets/lessons/*.json), for a workshop: a density, a field and settings
// (a partial AppState), and a guided tour whose steps the side pane shows one at a time.
//
//   {
//     "title":   "The WGF tour",
//     "summary": "one paragraph",
//     "state":   { ...partial AppState (app_state.hpp)... },
//     "tour": [ { "title": "...", "text": "...", "panel": "forward",
//                 "state": { ...optional partial AppState applied on entering the step... } } ]
//   }
// A lesson's id is its file stem ("01-tour"); lessons sort by id and the first is the default.
#pragma once
#include <string>
#include <vector>

#include "app_state.hpp"

namespace wgf::ui {

struct TourStep {
  std::string title, text;
  bool has_panel = false;
  PanelId panel = PanelId::Forward;
  Json state = Json::object();
};

struct Lesson {
  std::string id, title, summary, path;
  Json state = Json::object();
  std::vector<TourStep> tour;
};

// Parses and checks a lesson document (its states are applied to a default AppState, so a
// typo in a key fails here, naming it). Throws std::invalid_argument prefixed by `where`.
Lesson parse_lesson(const Json& j, const std::string& id, const std::string& where);
// Reads FILE; throws std::runtime_error naming the file.
Lesson read_lesson(const std::string& path);
// Every *.json in dir, sorted by id; files that fail are reported in `errors` ("FILE: why").
std::vector<Lesson> read_lessons(const std::string& dir, std::vector<std::string>* errors = nullptr);

// The state a lesson starts from: defaults, then lesson.state, then step 0.
AppState lesson_state(const Lesson& l);
// Enters tour step i (clamped): its panel and partial state.
void enter_step(AppState& s, const Lesson& l, int i);

}  // namespace wgf::ui
