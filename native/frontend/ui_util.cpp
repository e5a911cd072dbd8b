#include "ui_util.hpp"

#include <cmath>
#include <cstdio>

namespace wgf::ui {

void section(const char* title) {
  ImGui::Spacing();
  ImGui::TextColored(ImVec4(1.0f, 0.78f, 0.35f, 1.0f), "%s", title);
  ImGui::Separator();
}

void explain(const char* text) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.78f, 0.80f, 0.86f, 1.0f));
  ImGui::TextWrapped("%s", text);
  ImGui::PopStyleColor();
}

bool combo(const char* label, std::string& value, const std::vector<std::string>& options) {
  bool changed = false;
  if (ImGui::BeginCombo(label, value.c_str())) {
    for (const std::string& o : options) {
      const bool sel = o == value;
      if (ImGui::Selectable(o.c_str(), sel) && !sel) {
        value = o;
        changed = true;
      }
      if (sel) ImGui::SetItemDefaultFocus();
    }
    ImGui::EndCombo();
  }
  return changed;
}

bool slider_log(const char* label, double& v, double lo, double hi, const char* f) {
  return ImGui::SliderScalar(label, ImGuiDataType_Double, &v, &lo, &hi, f, ImGuiSliderFlags_Logarithmic);
}

bool slider_double(const char* label, double& v, double lo, double hi, const char* f) {
  return ImGui::SliderScalar(label, ImGuiDataType_Double, &v, &lo, &hi, f);
}

std::string fmt(double v, const char* f) {
  if (!std::isfinite(v)) return "-";
  char b[48];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

Grid2D view_grid(const AppState& s, int n) {
  Grid2D g;
  g.x_min = g.y_min = -s.view;
  g.x_max = g.y_max = s.view;
  g.nx = g.ny = n;
  return g;
}

bool Refresher::due(const std::string& key, std::uint64_t version, double min_interval_s) const {
  if (key != key_) return true;
  if (version == version_) return false;
  return std::chrono::duration<double>(Clock::now() - when_).count() >= min_interval_s;
}

void Refresher::done(const std::string& key, std::uint64_t version) {
  key_ = key;
  version_ = version;
  when_ = Clock::now();
}

}  // namespace wgf::ui
