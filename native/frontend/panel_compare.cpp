// Panel 7 — Compare: run JSON files from the CLI, the desktop lab or the web lab, their
// curves overlaid and their metrics side by side with the differences to the first run.
#include <algorithm>
#include <cmath>
#include <set>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "app.hpp"
#include "run_file.hpp"
#include "ui_util.hpp"

namespace wgf::ui {
namespace {

class ComparePanel final : public Panel {
 public:
  PanelId id() const override { return PanelId::Compare; }
  const char* title() const override { return "7 Compare"; }
  void draw(App& app) override;

 private:
  void add(App& app, RunFile r);
  void files(App& app);
  void curves(App& app, ImVec2 size);
  void table();

  std::string folder_, path_, curve_ = "loss_history";
  bool log_y_ = true;
  std::vector<std::string> listing_;
  std::vector<RunFile> runs_;
};

void ComparePanel::add(App& app, RunFile r) {
  for (RunFile& x : runs_)
    if (x.name == r.name) {
      x = std::move(r);
      return;
    }
  runs_.push_back(std::move(r));
  app.set_readout("compare.runs", static_cast<double>(runs_.size()));
}

void ComparePanel::files(App& app) {
  if (folder_.empty()) folder_ = app.options().out_dir;
  const float w = 16 * ImGui::GetFontSize();
  ImGui::SetNextItemWidth(w);
  ImGui::InputText("folder", &folder_);
  ImGui::SameLine();
  if (ImGui::Button("Scan")) {
    listing_.clear();
    for (const std::string& f : list_json_files(folder_)) listing_.push_back(f);
    for (const std::string& f : list_json_files(folder_ + "/lesson")) listing_.push_back(f);
    if (listing_.empty()) app.notify("no *.json in " + folder_, true);
  }
  ImGui::SameLine();
  if (app.button("Add this session", "compare.add_session")) {
    try {
      add(app, parse_run(app.run_json(), "this session"));
    } catch (const std::exception& e) {
      app.notify(e.what(), true);
    }
  }
  ImGui::SameLine();
  if (ImGui::Button("Clear")) runs_.clear();
  ImGui::SetNextItemWidth(w);
  ImGui::InputText("file", &path_);
  ImGui::SameLine();
  if (ImGui::Button("Add file")) listing_.insert(listing_.begin(), path_);
  for (size_t i = 0; i < listing_.size(); ++i) {
    ImGui::PushID(static_cast<int>(i));
    if (ImGui::SmallButton("add")) {
      try {
        add(app, read_run(listing_[i]));
      } catch (const std::exception& e) {
        app.notify(e.what(), true);
      }
    }
    ImGui::SameLine();
    ImGui::TextUnformatted(listing_[i].c_str());
    ImGui::PopID();
  }
}

void ComparePanel::curves(App& app, ImVec2 size) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const RunFile& r : runs_)
    for (const auto& c : r.curves)
      if (seen.insert(c.first).second) names.push_back(c.first);
  if (names.empty()) {
    ImGui::TextDisabled("no curves yet: add runs (train2d runs carry loss_history, lab runs also the sweep vs k)");
    return;
  }
  if (!seen.count(curve_)) curve_ = names.front();
  ImGui::SetNextItemWidth(14 * ImGui::GetFontSize());
  combo("curve", curve_, names);
  ImGui::SameLine();
  ImGui::Checkbox("log y", &log_y_);
  std::vector<double> xs, ys;
  for (const RunFile& r : runs_) {
    auto it = r.curves.find(curve_);
    if (it == r.curves.end()) continue;
    xs.insert(xs.end(), it->second.x.begin(), it->second.x.end());
    ys.insert(ys.end(), it->second.y.begin(), it->second.y.end());
  }
  plot::AxesStyle st;
  st.log_y = log_y_;
  st.title = curve_.c_str();
  st.x_label = curve_ == "loss_history" ? "step" : "k";
  plot::Axes a("curves", size, plot::data_range(xs), plot::data_range(ys, log_y_), st);
  for (size_t i = 0; i < runs_.size(); ++i) {
    auto it = runs_[i].curves.find(curve_);
    if (it == runs_[i].curves.end()) continue;
    plot::line(a, it->second.x, it->second.y, plot::series_colour(static_cast<int>(i)), 1.8f);
    a.legend(runs_[i].name, plot::series_colour(static_cast<int>(i)));
  }
  app.note_layout("plot:compare.curves", a.inner());
}

void ComparePanel::table() {
  std::vector<std::string> keys;
  std::set<std::string> seen;
  for (const RunFile& r : runs_)
    for (const auto& m : r.metrics)
      if (seen.insert(m.first).second) keys.push_back(m.first);
  if (keys.empty()) return;
  const int cols = 1 + static_cast<int>(runs_.size()) + std::max(0, static_cast<int>(runs_.size()) - 1);
  if (!ImGui::BeginTable("metrics", std::min(cols, 32),
                         ImGuiTableFlags_Borders | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp,
                         ImVec2(0, ImGui::GetContentRegionAvail().y)))
    return;
  ImGui::TableSetupScrollFreeze(1, 1);
  ImGui::TableSetupColumn("metric");
  for (const RunFile& r : runs_) ImGui::TableSetupColumn(r.name.c_str());
  for (size_t i = 1; i < runs_.size(); ++i) ImGui::TableSetupColumn(("d " + runs_[i].name).c_str());
  ImGui::TableHeadersRow();
  for (const std::string& k : keys) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(k.c_str());
    std::vector<double> v;
    for (const RunFile& r : runs_) {
      auto it = r.metrics.find(k);
      v.push_back(it == r.metrics.end() ? NAN : it->second);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(fmt(v.back(), "%.5g").c_str());
    }
    // Differences to the first run: absolute, and relative where that means something.
    for (size_t i = 1; i < v.size() && ImGui::TableGetColumnIndex() < 31; ++i) {
      ImGui::TableNextColumn();
      const double d = v[i] - v[0];
      if (std::isfinite(d) && v[0] != 0)
        ImGui::Text("%+.4g (%+.1f%%)", d, 100 * d / std::abs(v[0]));
      else
        ImGui::TextUnformatted(fmt(d, "%+.4g").c_str());
    }
  }
  ImGui::EndTable();
}

void ComparePanel::draw(App& app) {
  explain(
      "Load run JSON files - written by `wgflab train2d` / `sample2d`, by this lab (Files: Save run JSON, or "
      "'Add this session') or by the web lab - and overlay their curves; the table lists every metric of each run "
      "and its difference to the first. The same lesson and seed run natively and in the browser should agree.");
  for (RunFile& r : app.take_compare_runs()) add(app, std::move(r));
  ImGui::BeginGroup();
  files(app);
  ImGui::EndGroup();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  curves(app, ImVec2(avail.x, std::max(160.0f, avail.y * 0.55f)));
  table();
}

}  // namespace

std::unique_ptr<Panel> make_compare_panel() { return std::make_unique<ComparePanel>(); }

}  // namespace wgf::ui
