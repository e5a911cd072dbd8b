// ImGui with no backend: a context whose font atlas is built in memory and whose display size
// and clock the caller sets. Tests and benchmarks run the real App::frame() inside it; the
// draw data is produced and simply not rendered.
#pragma once
#include <imgui.h>

namespace wgf::ui {

class HeadlessImGui {
 public:
  explicit HeadlessImGui(ImVec2 display = ImVec2(1280, 800), float scale = 1.0f);
  ~HeadlessImGui();
  HeadlessImGui(const HeadlessImGui&) = delete;
  HeadlessImGui& operator=(const HeadlessImGui&) = delete;

  ImGuiIO& io() { return ImGui::GetIO(); }
  // Mouse input for the next frame (ImGui 1.86 reads io.MousePos / io.MouseDown).
  void mouse(ImVec2 pos, bool left_down);

 private:
  ImGuiContext* ctx_;
};

}  // namespace wgf::ui
