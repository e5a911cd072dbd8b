#include "item_locator.hpp"

#include <cstdarg>
#include <string>

#include <imgui_internal.h>

namespace wgf::web {
namespace {
// The frame being drawn: rectangles by ImGui ID (ItemAdd) and labels by ID (ItemInfo; for
// some widgets, tabs among them, ImGui reports the label before adding the item).
struct Added {
  ImRect rect;
  bool visible;
};
std::map<ImGuiID, Added> g_added;
std::map<ImGuiID, std::string> g_labels;
std::map<std::string, ItemRect> g_items;  // the last complete frame
}  // namespace

void track_items(bool on) { ImGui::GetCurrentContext()->TestEngineHookItems = on; }

void begin_item_frame() {
  if (!ImGui::GetCurrentContext()->TestEngineHookItems) return;
  g_items.clear();
  for (const auto& [id, label] : g_labels) {
    auto a = g_added.find(id);
    if (a == g_added.end()) continue;
    const ItemRect r{a->second.rect.Min.x, a->second.rect.Min.y, a->second.rect.Max.x, a->second.rect.Max.y,
                     a->second.visible};
    auto [it, inserted] = g_items.try_emplace(label, r);
    if (!inserted && !it->second.visible && r.visible) it->second = r;  // a label drawn twice: the visible one
  }
  g_added.clear();
  g_labels.clear();
}

const std::map<std::string, ItemRect>& items() { return g_items; }

}  // namespace wgf::web

// ---- ImGui's test-engine hooks (imgui_internal.h, IMGUI_ENABLE_TEST_ENGINE) -----------------
void ImGuiTestEngineHook_ItemAdd(ImGuiContext* ctx, const ImRect& bb, ImGuiID id) {
  const ImGuiWindow* w = ctx->CurrentWindow;
  wgf::web::g_added[id] = {bb, w && !w->SkipItems && w->ClipRect.Overlaps(bb) && bb.GetWidth() > 0 && bb.GetHeight() > 0};
}

void ImGuiTestEngineHook_ItemInfo(ImGuiContext*, ImGuiID id, const char* label, ImGuiItemStatusFlags) {
  if (label && *label) wgf::web::g_labels.emplace(id, label);
}

void ImGuiTestEngineHook_Log(ImGuiContext*, const char*, ...) {}

const char* ImGuiTestEngine_FindItemDebugLabel(ImGuiContext*, ImGuiID) { return nullptr; }
