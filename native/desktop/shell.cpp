#include "shell.hpp"

#include <SDL.h>
#include <SDL_opengl.h>
#include <imgui.h>
#include <imgui_impl_opengl3.h>
#include <imgui_impl_sdl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "app.hpp"
#include "png_export.hpp"

namespace wgf::desktop {
namespace {

int no_display(const char* what) {
  const std::string sdl = SDL_GetError();
  std::fprintf(stderr,
               "wgflab-lab: cannot open a window: %s%s.\n"
               "  The desktop lab needs a display: run it in a desktop session (DISPLAY or WAYLAND_DISPLAY set),\n"
               "  over `ssh -X`, or on a virtual display:  xvfb-run -a -s '-screen 0 1600x1000x24' %s\n"
               "  Without a display the command-line tool runs the same lessons: build/default/native/cli/wgflab --help\n",
               what, sdl.empty() ? "" : (" (SDL: " + sdl + ")").c_str(), "build/default/native/desktop/wgflab-lab");
  return 2;
}

// The UI scale: the display's DPI over 96 (Windows/X11), or the framebuffer/window ratio on
// displays that scale the framebuffer instead (macOS, Wayland with HiDPI).
float display_scale(SDL_Window* w) {
  float ddpi = 0;
  float s = SDL_GetDisplayDPI(SDL_GetWindowDisplayIndex(w), &ddpi, nullptr, nullptr) == 0 ? ddpi / 96.0f : 1.0f;
  int ww, wh, dw, dh;
  SDL_GetWindowSize(w, &ww, &wh);
  SDL_GL_GetDrawableSize(w, &dw, &dh);
  if (ww > 0 && dw > ww) s = 1.0f;  // the framebuffer is scaled for us: ImGui draws in window units
  return std::clamp(s, 1.0f, 3.0f);
}

// The default UI font: DejaVu Sans when the system has it, ImGui's built-in font otherwise.
std::string default_font() {
  for (const char* f : {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf"}) {
    std::error_code ec;
    if (std::filesystem::exists(f, ec)) return f;
  }
  return "";
}

void write_layout(const std::string& path, const ui::App& app, float sx, float sy, int w, int h) {
  ui::Json j{{"width", w}, {"height", h}, {"regions", ui::Json::object()}};
  for (const auto& [name, r] : app.layout())
    j["regions"][name] = {static_cast<int>(r.min.x * sx), static_cast<int>(r.min.y * sy), static_cast<int>(r.max.x * sx),
                          static_cast<int>(r.max.y * sy)};
  std::ofstream out(path);
  if (!out) throw std::runtime_error(path + ": cannot write the layout file");
  out << j.dump(1) << "\n";
}

}  // namespace

int run_shell(const ShellOptions& o) {
#if defined(__linux__)
  // With no display SDL may still succeed on a surfaceless driver and render to nowhere; say
  // so instead. SDL_VIDEODRIVER=offscreen (set on purpose) still renders, e.g. for screenshots.
  auto unset = [](const char* v) { return !std::getenv(v) || !*std::getenv(v); };
  if (unset("DISPLAY") && unset("WAYLAND_DISPLAY") && unset("SDL_VIDEODRIVER"))
    return no_display("neither DISPLAY (X11) nor WAYLAND_DISPLAY is set");
#endif
  SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) return no_display("no video device");
  // OpenGL 3.0 + GLSL 130, ImGui's desktop baseline.
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_FLAGS, 0);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
  SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 0);
  const auto flags = static_cast<SDL_WindowFlags>(SDL_WINDOW_OPENGL | SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
  SDL_Window* window = SDL_CreateWindow("WGF Lab", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, o.width, o.height, flags);
  if (!window) {
    const int rc = no_display("no window");
    SDL_Quit();
    return rc;
  }
  SDL_GLContext gl = SDL_GL_CreateContext(window);
  if (!gl) {
    const int rc = no_display("no OpenGL 3 context");
    SDL_DestroyWindow(window);
    SDL_Quit();
    return rc;
  }
  SDL_GL_MakeCurrent(window, gl);
  SDL_GL_SetSwapInterval(o.frames > 0 ? 0 : 1);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ui::setup_style(o.scale > 0 ? o.scale : display_scale(window), o.font.empty() ? default_font() : o.font);
  ImGui_ImplSDL2_InitForOpenGL(window, gl);
  ImGui_ImplOpenGL3_Init("#version 130");

  int rc = 0;
  try {
    ui::AppOptions ao;
    ao.assets_dir = o.assets_dir;
    ao.lesson = o.lesson;
    ui::App app(ao);
    if (!o.state_file.empty()) app.load_state_file(o.state_file);
    if (o.step > 0) app.go_to_step(o.step - 1);
    if (!o.panel.empty()) app.state().panel = ui::parse_panel(o.panel);
    for (int i = 0; i < o.train_steps; ++i) app.lab().train(0);
    if (o.sweep) {
      app.lab().sync(app.state());
      app.sweep().start(app.lab(), app.state());
    }
    for (const std::string& a : o.actions) app.trigger(a);
    app.lab().clock().reset();  // pre-training is not frame time
    bool running = true;
    for (int frame = 1; running; ++frame) {
      // The front end's own "Export PNG" path (ExportRequest), asked for on the last frame.
      if (o.frames > 0 && frame == o.frames && !o.export_panel.empty() && app.layout().count("panel"))
        app.request_export(o.export_panel, app.layout().at("panel"));
      SDL_Event e;
      while (SDL_PollEvent(&e)) {
        ImGui_ImplSDL2_ProcessEvent(&e);
        if (e.type == SDL_QUIT) running = false;
        if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_CLOSE &&
            e.window.windowID == SDL_GetWindowID(window))
          running = false;
      }
      ImGui_ImplOpenGL3_NewFrame();
      ImGui_ImplSDL2_NewFrame();
      app.frame();
      const ImGuiIO& io = ImGui::GetIO();
      const int fw = static_cast<int>(io.DisplaySize.x * io.DisplayFramebufferScale.x);
      const int fh = static_cast<int>(io.DisplaySize.y * io.DisplayFramebufferScale.y);
      glViewport(0, 0, fw, fh);
      glClearColor(0.08f, 0.08f, 0.10f, 1.0f);
      glClear(GL_COLOR_BUFFER_BIT);
      ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
      const float sx = io.DisplayFramebufferScale.x, sy = io.DisplayFramebufferScale.y;
      for (const ui::ExportRequest& r : app.take_export_requests()) {
        try {
          const int x0 = std::max(0, static_cast<int>(r.rect.min.x * sx)), y0 = std::max(0, static_cast<int>(r.rect.min.y * sy));
          const int x1 = std::min(fw, static_cast<int>(r.rect.max.x * sx)), y1 = std::min(fh, static_cast<int>(r.rect.max.y * sy));
          write_framebuffer_png(r.path, x0, y0, x1 - x0, y1 - y0, fh);
        } catch (const std::exception& ex) {
          app.notify(ex.what(), true);
        }
      }
      if (o.frames > 0 && frame >= o.frames) {
        if (!o.screenshot.empty()) {
          write_framebuffer_png(o.screenshot, 0, 0, fw, fh, fh);
          std::printf("wgflab-lab: screenshot %s (%dx%d, after %d frames)\n", o.screenshot.c_str(), fw, fh, frame);
        }
        if (!o.layout.empty()) write_layout(o.layout, app, sx, sy, fw, fh);
        std::printf("wgflab-lab: frame %.1f ms, engine %.2f ms/frame (mean), %.2f ms (max)\n", app.frame_ms(),
                    app.lab().clock().mean_ms(), app.lab().clock().max_ms());
        running = false;
      }
      SDL_GL_SwapWindow(window);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wgflab-lab: error: %s\n", e.what());
    rc = 1;
  }
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplSDL2_Shutdown();
  ImGui::DestroyContext();
  SDL_GL_DeleteContext(gl);
  SDL_DestroyWindow(window);
  SDL_Quit();
  return rc;
}

}  // namespace wgf::desktop
