// The shared harness of the CLI end-to-end tests: run the real `wgflab` (WGFLAB_EXE, defined
// per test target) in a fresh temporary directory and read back what it wrote.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

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

// Starts `wgflab ARGS` in the sandbox (stderr captured), polls ready() every 20 ms, then sends
// SIGINT (Ctrl-C) and waits for the exit. A run that is not ready or does not stop within
// `timeout` is killed and fails the test. Returns the exit code (-1: ended by a signal).
template <class Ready>
Result interrupt_when(const Sandbox& sb, const std::vector<std::string>& args, Ready ready,
                      std::chrono::seconds timeout = std::chrono::seconds(120)) {
  const std::string err_path = (sb.io / "stderr").string();
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::chdir(sb.dir.c_str()) != 0) ::_exit(99);
    if (!std::freopen(err_path.c_str(), "w", stderr)) ::_exit(99);
    std::vector<std::string> all = {WGFLAB_EXE};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(WGFLAB_EXE, argv.data());
    ::_exit(98);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ready() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(::kill(pid, SIGINT) == 0);
  int status = 0;
  pid_t done = 0;
  while ((done = ::waitpid(pid, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (done == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL("wgflab " << args.front() << " did not stop after SIGINT");
  }
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = read_file(err_path);
  return r;
}

inline json read_json(const fs::path& p) {
  const std::string text = read_file(p);
  INFO("parsing " << p);
  REQUIRE_FALSE(text.empty());
  return json::parse(text);  // fails on NaN/Inf: JSON must hold finite numbers only
}

}  // namespace cli_test
