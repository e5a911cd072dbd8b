// wgflab-lab: the WGF Lab desktop app. Opens on the default lesson; see --help.
#include <CLI/CLI.hpp>

#include "shell.hpp"

int main(int argc, char** argv) {
  wgf::desktop::ShellOptions o;
  o.assets_dir = WGF_ASSETS_DIR;
  CLI::App cli{"WGF Lab " WGFLAB_VERSION " - the desktop lab (SDL2 + OpenGL3). Needs a display; without one it exits "
               "with code 2 and says how to reach the lab otherwise."};
  cli.add_option("--lesson", o.lesson, "lesson id to start on (a file stem in ASSETS/lessons); default: the first");
  cli.add_option("--assets", o.assets_dir, "folder holding lessons/")->capture_default_str();
  cli.add_option("--step", o.step, "start on this step of the lesson's tour (1-based)");
  cli.add_option("--state", o.state_file, "load a saved lab state (Files: Save) at start");
  cli.add_option("--panel", o.panel, "panel to show: forward|velocity|training|sampling|violations|null_kernel|compare");
  cli.add_option("--train-steps", o.train_steps, "train the network this many DSM steps before the first frame");
  cli.add_flag("--sweep", o.sweep, "start the diagnostics sweep vs k (panels 5 and 6) at launch");
  cli.add_option("--action", o.actions, "press a named action at launch (e.g. sweep, null_kernel.transport, "
                                       "sampling.restart, compare.add_session, training.reset)");
  cli.add_option("--frames", o.frames, "render this many frames, then write --screenshot/--layout and exit (0: run)");
  cli.add_option("--screenshot", o.screenshot, "PNG of the whole window after the last frame (with --frames)");
  cli.add_option("--export", o.export_panel, "PNG of the panel area after the last frame, through the front end's export");
  cli.add_option("--layout", o.layout, "JSON of the drawn regions (framebuffer pixels) after the last frame");
  cli.add_option("--width", o.width, "window width")->capture_default_str();
  cli.add_option("--height", o.height, "window height")->capture_default_str();
  cli.add_option("--scale", o.scale, "UI scale (default: from the display's DPI)");
  cli.add_option("--font", o.font, "TTF font file (default: DejaVu Sans when installed)");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  if (o.frames < 0 || o.train_steps < 0 || o.width < 200 || o.height < 150) {
    std::fprintf(stderr, "wgflab-lab: error: --frames and --train-steps must be >= 0, the window at least 200x150\n");
    return 2;
  }
  return wgf::desktop::run_shell(o);
}
