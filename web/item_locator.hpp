// Where the last frame drew each labelled ImGui widget, so the browser tests can click and
// drag the real controls ("train live", the time slider "k", the panel tabs) instead of
// poking the state. Built on ImGui's own test-engine hooks (IMGUI_ENABLE_TEST_ENGINE, set
// for the web build's ImGui): ImGui reports every widget's label and rectangle while
// tracking is on; it is off unless a test asks (wgf_web_track_items).
#pragma once
#include <map>
#include <string>

#include <imgui.h>

namespace wgf::web {

struct ItemRect {
  float x0, y0, x1, y1;  // ImGui display coordinates (CSS pixels of the canvas)
  bool visible;          // inside its window's clip rectangle
};

// Turns reporting on or off for the current ImGui context.
void track_items(bool on);
// Call before each frame: the items of the frame just drawn become items().
void begin_item_frame();
// label (ImGui's full label, e.g. "k", "train live", "Next >", "##lesson") -> its rectangle,
// as drawn by the last frame. A label drawn twice keeps the first visible one.
const std::map<std::string, ItemRect>& items();

}  // namespace wgf::web
