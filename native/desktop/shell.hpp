// The desktop shell: an SDL2 window with an OpenGL3 context, ImGui's SDL2 and OpenGL3
// backends, and the loop that calls the shared App::frame() (native/frontend/app.hpp).
#pragma once
#include <string>
#include <vector>

namespace wgf::desktop {

struct ShellOptions {
  std::string assets_dir, lesson, state_file, panel, font;
  int step = 0;                    // tour step of the lesson (1-based; 0: the lesson's start)
  std::string screenshot, layout;  // written after the last of `frames` frames
  std::string export_panel;        // the panel's figure as PNG, through the front end's export request
  int frames = 0;                  // 0: run until the window is closed
  int width = 1600, height = 1000;
  int train_steps = 0;             // DSM steps before the first frame (screenshots of a trained field)
  bool sweep = false;              // start the diagnostics sweep vs k at launch
  std::vector<std::string> actions;  // named actions pressed at launch (App::trigger)
  float scale = 0;                 // UI scale; 0: from the display's DPI
};

// Returns the process exit code: 0, 1 on an error while running, 2 when no window can be opened.
int run_shell(const ShellOptions& o);

}  // namespace wgf::desktop
