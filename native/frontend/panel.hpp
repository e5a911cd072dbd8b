// A lesson panel: one tab of the lab, one idea of the paper, one file panel_<name>.cpp.
// A panel owns its caches (field maps, particles); everything a user can set lives in
// AppState so a lesson, a saved state or a URL can set it.
#pragma once
#include <memory>

#include "app_state.hpp"

namespace wgf::ui {

class App;

class Panel {
 public:
  virtual ~Panel() = default;
  virtual PanelId id() const = 0;
  virtual const char* title() const = 0;
  // Draws the tab's contents (only while the tab is shown) and runs its engine work.
  virtual void draw(App& app) = 0;
};

std::unique_ptr<Panel> make_forward_panel();
std::unique_ptr<Panel> make_velocity_panel();
std::unique_ptr<Panel> make_training_panel();
std::unique_ptr<Panel> make_sampling_panel();
std::unique_ptr<Panel> make_violations_panel();
std::unique_ptr<Panel> make_null_kernel_panel();
std::unique_ptr<Panel> make_compare_panel();
std::unique_ptr<Panel> make_images_panel();  // built with LibTorch only (panel_images.cpp)

}  // namespace wgf::ui
