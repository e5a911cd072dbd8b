// A headless lab for tests: ImGui with no backend around a real App, advanced frame by frame.
#pragma once
#include <cmath>
#include <string>

#include "app.hpp"
#include "headless.hpp"

namespace wgf::test {

struct HeadlessLab {
  ui::HeadlessImGui imgui{ImVec2(1600, 1000)};
  ui::App app;
  explicit HeadlessLab(const std::string& lesson = "") : app(options(lesson)) {}

  static ui::AppOptions options(const std::string& lesson) {
    ui::AppOptions o;
    o.assets_dir = WGF_ASSETS_DIR;
    o.lesson = lesson;
    o.out_dir = "";
    return o;
  }
  // n frames of 1/60 s each.
  void frames(int n) {
    for (int i = 0; i < n; ++i) {
      imgui.io().DeltaTime = 1.0f / 60.0f;
      app.frame();
    }
  }
  // Shows a panel (two frames: the tab bar selects it on the next frame).
  void show(ui::PanelId p) {
    app.state().panel = p;
    frames(2);
  }
  // The centre of a drawn region (ImGui display coordinates).
  ImVec2 centre(const std::string& region) const {
    const ui::plot::Rect& r = app.layout().at(region);
    return ImVec2((r.min.x + r.max.x) / 2, (r.min.y + r.max.y) / 2);
  }
  // A click at p: mouse moves there, presses, releases (one frame each).
  void click(ImVec2 p) {
    imgui.mouse(p, false);
    frames(1);
    imgui.mouse(p, true);
    frames(1);
    imgui.mouse(p, false);
    frames(1);
  }
  double readout(const std::string& k) const { return app.readout(k); }
};

}  // namespace wgf::test
