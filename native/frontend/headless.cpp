#include "headless.hpp"

#include "app.hpp"

namespace wgf::ui {

HeadlessImGui::HeadlessImGui(ImVec2 display, float scale) : ctx_(ImGui::CreateContext()) {
  ImGui::SetCurrentContext(ctx_);
  setup_style(scale);
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = display;
  io.DeltaTime = 1.0f / 60.0f;
  unsigned char* pixels = nullptr;
  int w = 0, h = 0;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // builds the atlas; nothing uploads it
}

HeadlessImGui::~HeadlessImGui() { ImGui::DestroyContext(ctx_); }

void HeadlessImGui::mouse(ImVec2 pos, bool left_down) {
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = pos;
  io.MouseDown[0] = left_down;
}

}  // namespace wgf::ui
