// wgflab web shell: WGF Lab in the browser. An SDL2 canvas with a WebGL 2 context, ImGui's
// SDL2 + OpenGL3 (ES 3) backends, and the browser's main loop around the very App::frame()
// the desktop shell calls (native/frontend/app.hpp). What only the web needs lives here and
// in lab.js: the URL hash (url_state.hpp), downloads of the run JSON and the figure PNG,
// uploads into Compare, the page's lesson menu, first-frame and error reporting.
//
// The canvas follows the page: its CSS size comes from the stylesheet (the stage under the
// toolbar) and SDL (SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI) sizes the drawing
// buffer to CSS size x devicePixelRatio on every resize; ImGui draws in CSS pixels with
// DisplayFramebufferScale = devicePixelRatio.
//
// Sections: [shell state] [PNG] [URL hash] [the frame] [JS API] [main]
#include <SDL.h>
#include <emscripten.h>
#include <emscripten/html5.h>
#include <imgui.h>
#include <imgui_impl_opengl3.h>
#include <imgui_impl_sdl.h>

#include <GLES3/gl3.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "app.hpp"
#include "item_locator.hpp"
#include "run_file.hpp"
#include "url_state.hpp"

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

// ---- page hooks (lab.js defines Module.wgf*) -------------------------------------------------
// clang-format off
EM_JS(void, js_download, (const char* name, const char* mime, const void* data, int len), {
  Module.wgfDownload(UTF8ToString(name), UTF8ToString(mime), HEAPU8.slice(data, data + len));
});
EM_JS(void, js_first_frame, (), { Module.wgfFirstFrame(); });
EM_JS(void, js_fatal, (const char* what), { Module.wgfFatal(UTF8ToString(what)); });
EM_JS(void, js_hash_error, (const char* what), { Module.wgfHashError(UTF8ToString(what)); });
EM_JS(char*, js_location_hash, (), { return allocateUTF8(window.location.hash || ""); });
// clang-format on

namespace wgf::web {
namespace {

// ---- [shell state] ---------------------------------------------------------------------------
struct Shell {
  SDL_Window* window = nullptr;
  std::unique_ptr<ui::App> app;
  std::int64_t replay_to = 0;   // train until this many steps (a link's `steps`), then...
  bool resume_running = false;  // ...continue training if the link said so
  bool first_frame = true;
  bool failed = false;
  std::string reply;            // the last string handed to JS (valid until the next call)
};

Shell& shell() {
  static Shell s;
  return s;
}

const char* reply(std::string s) {
  shell().reply = std::move(s);
  return shell().reply.c_str();
}

// ---- [PNG] -----------------------------------------------------------------------------------
// The pixels of `r` (ImGui display coordinates) from the frame just rendered, as PNG bytes.
std::vector<unsigned char> read_png(const ui::plot::Rect& r) {
  const ImGuiIO& io = ImGui::GetIO();
  const float sx = io.DisplayFramebufferScale.x, sy = io.DisplayFramebufferScale.y;
  const int fw = static_cast<int>(io.DisplaySize.x * sx), fh = static_cast<int>(io.DisplaySize.y * sy);
  const int x0 = std::max(0, static_cast<int>(r.min.x * sx)), y0 = std::max(0, static_cast<int>(r.min.y * sy));
  const int x1 = std::min(fw, static_cast<int>(r.max.x * sx)), y1 = std::min(fh, static_cast<int>(r.max.y * sy));
  const int w = x1 - x0, h = y1 - y0;
  if (w <= 0 || h <= 0) throw std::runtime_error("figure export: the region is empty");
  // WebGL guarantees RGBA / UNSIGNED_BYTE reads; GL's rows run bottom-up.
  std::vector<unsigned char> rgba(static_cast<size_t>(w) * static_cast<size_t>(h) * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(x0, fh - (y0 + h), w, h, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data());
  std::vector<unsigned char> rgb(static_cast<size_t>(w) * static_cast<size_t>(h) * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        rgb[(static_cast<size_t>(y) * w + x) * 3 + c] = rgba[(static_cast<size_t>(h - 1 - y) * w + x) * 4 + c];
  std::vector<unsigned char> png;
  auto sink = [](void* ctx, void* data, int n) {
    auto* out = static_cast<std::vector<unsigned char>*>(ctx);
    out->insert(out->end(), static_cast<unsigned char*>(data), static_cast<unsigned char*>(data) + n);
  };
  if (!stbi_write_png_to_func(sink, &png, w, h, 3, rgb.data(), w * 3))
    throw std::runtime_error("figure export: PNG encoding failed");
  return png;
}

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The lab's Files section saves its state and run JSON into its out folder (/out, in the
// module's memory file system): each file written there is handed to the user as a download.
void deliver_written_files(const std::string& dir) {
  namespace fs = std::filesystem;
  static std::map<std::string, fs::file_time_type> seen;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string path = it->path().string();
    const fs::file_time_type t = it->last_write_time(ec);
    auto [pos, fresh] = seen.try_emplace(path, t);
    if (!fresh && pos->second == t) continue;
    pos->second = t;
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const bool json = path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0;
    js_download(base_name(path).c_str(), json ? "application/json" : "application/octet-stream", bytes.data(),
                static_cast<int>(bytes.size()));
  }
}

// ---- [URL hash] ------------------------------------------------------------------------------
const ui::Lesson* find_lesson(const ui::App& app, const std::string& id) {
  for (const ui::Lesson& l : app.lessons())
    if (l.id == id) return &l;
  return nullptr;
}

// The hash of the current state. Training is replayed from the seed with the link's settings,
// so a link reproduces the network exactly when those settings did not change while training.
std::string current_hash(ui::App& app) {
  const ui::Lesson* l = app.lesson();
  const ui::Json base = ui::to_json(l ? ui::lesson_state(*l) : ui::AppState{});
  ui::Json cur = ui::to_json(app.state());
  // While a link's steps are replayed, show what the link asked for.
  const Shell& s = shell();
  const auto steps = static_cast<std::int64_t>(app.lab().losses().size());
  if (s.replay_to > 0) cur["train"]["running"] = s.resume_running;
  return encode_hash(app.state().lesson, base, cur, std::max(steps, s.replay_to));
}

// Applies a hash (lesson, settings, steps): all checked before anything changes; throws
// std::invalid_argument with a message for the page.
void apply_hash(ui::App& app, const std::string& hash) {
  const UrlState u = decode_hash(hash);
  std::string id = u.lesson;
  if (id.empty() && !app.lessons().empty()) id = app.lessons().front().id;
  const ui::Lesson* l = id.empty() ? nullptr : find_lesson(app, id);
  if (!id.empty() && !l) throw std::invalid_argument("URL: unknown lesson '" + id + "'");
  ui::AppState start = l ? ui::lesson_state(*l) : ui::AppState{};
  const ui::AppState s = apply_url_state(start, u);
  // A fresh network from the state's seed (load_state without a model), then the replay.
  ui::AppState now = s;
  now.train.running = false;
  app.load_state(ui::Json{{"wgflab_lab_state", 1}, {"state", ui::to_json(now)}});
  Shell& sh = shell();
  sh.replay_to = u.steps;
  sh.resume_running = s.train.running;
  if (u.steps == 0) app.state().train.running = s.train.running;
}

// Falls back to the default lesson and says why, on the page and in the status line.
void hash_failed(ui::App& app, const std::string& why) {
  shell().replay_to = 0;
  if (!app.lessons().empty()) app.load_lesson(app.lessons().front().id);
  app.notify(why + " - opened the default lesson instead", true);
  js_hash_error(why.c_str());
}

// Replays a link's training steps a few milliseconds per frame (the page stays responsive).
void replay_steps(ui::App& app) {
  Shell& s = shell();
  if (s.replay_to <= 0) return;
  const auto t0 = ui::Clock::now();
  while (static_cast<std::int64_t>(app.lab().losses().size()) < s.replay_to && ui::ms_since(t0) < 12.0) {
    app.lab().train(0.0);
    if (!app.lab().train_error().empty()) break;
  }
  if (static_cast<std::int64_t>(app.lab().losses().size()) >= s.replay_to || !app.lab().train_error().empty()) {
    s.replay_to = 0;
    app.state().train.running = s.resume_running;
  }
}

// ---- [the frame] -----------------------------------------------------------------------------
void frame(void*) {
  Shell& s = shell();
  if (s.failed) return;
  try {
    SDL_Event e;
    while (SDL_PollEvent(&e)) ImGui_ImplSDL2_ProcessEvent(&e);
    replay_steps(*s.app);
    begin_item_frame();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplSDL2_NewFrame();
    s.app->frame();
    const ImGuiIO& io = ImGui::GetIO();
    glViewport(0, 0, static_cast<int>(io.DisplaySize.x * io.DisplayFramebufferScale.x),
               static_cast<int>(io.DisplaySize.y * io.DisplayFramebufferScale.y));
    glClearColor(0.08f, 0.08f, 0.10f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    for (const ui::ExportRequest& r : s.app->take_export_requests()) {
      try {
        const std::vector<unsigned char> png = read_png(r.rect);
        js_download(base_name(r.path).c_str(), "image/png", png.data(), static_cast<int>(png.size()));
      } catch (const std::exception& ex) {
        s.app->notify(ex.what(), true);
      }
    }
    deliver_written_files(s.app->options().out_dir);
    if (s.first_frame) {
      s.first_frame = false;
      js_first_frame();
    }
  } catch (const std::exception& ex) {
    s.failed = true;
    emscripten_cancel_main_loop();
    js_fatal((std::string("the lab stopped: ") + ex.what()).c_str());
  }
}

}  // namespace
}  // namespace wgf::web

// ---- [JS API] (lab.js calls these through ccall) ---------------------------------------------
using wgf::web::shell;

extern "C" {

// The hash for the current state (no leading '#').
EMSCRIPTEN_KEEPALIVE const char* wgf_web_hash() { return wgf::web::reply(wgf::web::current_hash(*shell().app)); }

// Applies a hash; returns "" or the error (the page then shows the default lesson).
EMSCRIPTEN_KEEPALIVE const char* wgf_web_apply_hash(const char* hash) {
  try {
    wgf::web::apply_hash(*shell().app, hash);
    return wgf::web::reply("");
  } catch (const std::exception& e) {
    wgf::web::hash_failed(*shell().app, e.what());
    return wgf::web::reply(e.what());
  }
}

// The run document of this session (the CLI's run JSON schema, command "lab").
EMSCRIPTEN_KEEPALIVE const char* wgf_web_run_json() { return wgf::web::reply(shell().app->run_json().dump(1) + "\n"); }

// [{"id", "title"}] of the lessons, and the current one.
EMSCRIPTEN_KEEPALIVE const char* wgf_web_lessons() {
  wgf::ui::Json j{{"current", shell().app->state().lesson}, {"lessons", wgf::ui::Json::array()}};
  for (const wgf::ui::Lesson& l : shell().app->lessons()) j["lessons"].push_back({{"id", l.id}, {"title", l.title}});
  return wgf::web::reply(j.dump());
}

EMSCRIPTEN_KEEPALIVE const char* wgf_web_load_lesson(const char* id) {
  try {
    shell().replay_to = 0;
    shell().app->load_lesson(id);
    return wgf::web::reply("");
  } catch (const std::exception& e) {
    shell().app->notify(e.what(), true);
    return wgf::web::reply(e.what());
  }
}

// Asks for a PNG of the current panel; it is downloaded after the next frame is rendered.
EMSCRIPTEN_KEEPALIVE void wgf_web_request_png(const char* name) {
  const auto& layout = shell().app->layout();
  auto it = layout.find("panel");
  if (it != layout.end()) shell().app->request_export(name, it->second);
}

// An uploaded file: a run JSON goes to the Compare panel, a lab state file (Files: Save state)
// replaces the lab's state, network included. Returns "" or the error.
EMSCRIPTEN_KEEPALIVE const char* wgf_web_upload(const char* name, const char* text) {
  try {
    const wgf::ui::Json j = wgf::ui::Json::parse(text);
    if (j.is_object() && j.contains("wgflab_lab_state")) {
      shell().replay_to = 0;
      shell().app->load_state(j);
      shell().app->notify(std::string("lab state loaded from ") + name);
      return wgf::web::reply("");
    }
    shell().app->add_compare_run(wgf::ui::parse_run(j, name));
    shell().app->state().panel = wgf::ui::PanelId::Compare;
    shell().app->notify(std::string("added ") + name + " to Compare");
    return wgf::web::reply("");
  } catch (const std::exception& e) {
    const std::string what = std::string(name) + ": " + e.what();
    shell().app->notify(what, true);
    return wgf::web::reply(what);
  }
}

// What the tests (and curious users) read: readouts, steps, frames, state, message, the
// drawn regions (App::layout) and, while tracked, the widgets' rectangles.
EMSCRIPTEN_KEEPALIVE const char* wgf_web_status() {
  wgf::ui::App& app = *shell().app;
  wgf::ui::Json readouts = wgf::ui::Json::object();
  for (const auto& [k, v] : app.readouts()) readouts[k] = std::isfinite(v) ? wgf::ui::Json(v) : wgf::ui::Json(nullptr);
  wgf::ui::Json items = wgf::ui::Json::object();
  for (const auto& [label, r] : wgf::web::items())
    items[label] = {{"x0", r.x0}, {"y0", r.y0}, {"x1", r.x1}, {"y1", r.y1}, {"visible", r.visible}};
  wgf::ui::Json layout = wgf::ui::Json::object();
  for (const auto& [name, r] : app.layout()) layout[name] = {r.min.x, r.min.y, r.max.x, r.max.y};
  const ImGuiIO& io = ImGui::GetIO();
  wgf::ui::Json j{{"frames", app.frames()},
                  {"steps", app.lab().losses().size()},
                  {"replaying", shell().replay_to > 0},
                  {"lesson", app.state().lesson},
                  {"message", app.last_message()},
                  {"display", {io.DisplaySize.x, io.DisplaySize.y, io.DisplayFramebufferScale.x}},
                  {"readouts", readouts},
                  {"state", wgf::ui::to_json(app.state())},
                  {"layout", layout},
                  {"items", items}};
  return wgf::web::reply(j.dump());
}

// Reports widget rectangles in wgf_web_status().items from the next frame on (tests).
EMSCRIPTEN_KEEPALIVE void wgf_web_track_items(int on) { wgf::web::track_items(on != 0); }

}  // extern "C"

// ---- [main] ----------------------------------------------------------------------------------
int main() {
  using namespace wgf;
  web::Shell& s = web::shell();
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) {
    js_fatal((std::string("SDL could not start: ") + SDL_GetError()).c_str());
    return 1;
  }
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_ES);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);  // WebGL 2
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
  SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 0);
  s.window = SDL_CreateWindow("WGF Lab", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, 1280, 800,
                              SDL_WINDOW_OPENGL | SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
  SDL_GLContext gl = s.window ? SDL_GL_CreateContext(s.window) : nullptr;
  if (!gl) {
    js_fatal((std::string("no WebGL 2 context: ") + SDL_GetError()).c_str());
    return 1;
  }
  SDL_GL_MakeCurrent(s.window, gl);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ui::setup_style(1.0f);
  ImGui_ImplSDL2_InitForOpenGL(s.window, gl);
  ImGui_ImplOpenGL3_Init("#version 300 es");

  try {
    ui::AppOptions o;
    o.assets_dir = "/assets";  // preloaded into the module's file system (web/CMakeLists.txt)
    o.out_dir = "/out";
    s.app = std::make_unique<ui::App>(o);
    char* hash = js_location_hash();
    const std::string h = hash ? hash : "";
    std::free(hash);
    if (h.size() > 1) {
      try {
        web::apply_hash(*s.app, h);
      } catch (const std::exception& e) {
        web::hash_failed(*s.app, e.what());
      }
    }
  } catch (const std::exception& e) {
    js_fatal((std::string("the lab could not start: ") + e.what()).c_str());
    return 1;
  }
  emscripten_set_main_loop_arg(web::frame, nullptr, 0, true);
  return 0;
}
