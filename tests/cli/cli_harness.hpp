// The shared harness of the CLI end-to-end tests: run the real `wgflab` (WGFLAB_EXE, defined
// per test target) in a fresh temporary directory and read back what it wrote.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

namespace cli_test {

namespace fs = std::filesystem;
using nlohmann::json;

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

// A fresh directory per test: `dir` is the working directory of the runs, `io` holds the
// captured stdout/stderr (so a run's own files can be listed exactly).
struct Sandbox {
  fs::path root, dir, io;
  Sandbox() {
    std::string tmpl = (fs::temp_directory_path() / "wgflab_test_XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    root = tmpl;
    dir = root / "work";
    io = root / "io";
    fs::create_directories(dir);
    fs::create_directories(io);
  }
  ~Sandbox() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  fs::path operator/(const std::string& name) const { return dir / name; }

  std::set<std::string> listing() const {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
    return names;
  }
};

struct Result {
  int code = -1;
  std::string out, err;
};

// Runs `wgflab ARGS` in the sandbox (ARGS contain no shell metacharacters).
inline Result wgflab(const Sandbox& sb, const std::string& args) {
  const std::string cmd = "cd '" + sb.dir.string() + "' && '" WGFLAB_EXE "' " + args + " >'" + (sb.io / "stdout").string() +
                          "' 2>'" + (sb.io / "stderr").string() + "'";
  const int status = std::system(cmd.c_str());
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(sb.io / "stdout");
  r.err = read_file(sb.io / "stderr");
  return r;
}

inline json read_json(const fs::path& p) {
  const std::string text = read_file(p);
  INFO("parsing " << p);
  REQUIRE_FALSE(text.empty());
  return json::parse(text);  // fails on NaN/Inf: JSON must hold finite numbers only
}

}  // namespace cli_test
