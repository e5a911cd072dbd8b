#include "output_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common.hpp"

namespace wgf::cli {

void check_output_dir(const std::string& option, const std::string& dir) {
  if (dir.empty()) throw UsageError(option + ": empty directory name");
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw UsageError(option + " " + dir + ": exists and is not a directory");
    if (::access(dir.c_str(), W_OK) != 0) throw UsageError(option + " " + dir + ": directory is not writable");
    return;
  }
  std::string parent = dir;
  while (parent.size() > 1 && parent.back() == '/') parent.pop_back();
  const size_t slash = parent.find_last_of('/');
  parent = slash == std::string::npos ? "." : (slash == 0 ? "/" : parent.substr(0, slash));
  if (::stat(parent.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw UsageError(option + " " + dir + ": parent directory " + parent + " does not exist");
  if (::access(parent.c_str(), W_OK) != 0)
    throw UsageError(option + " " + dir + ": parent directory " + parent + " is not writable");
}

void make_output_dir(const std::string& option, const std::string& dir) {
  if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST)
    throw std::runtime_error(option + " " + dir + ": cannot create the directory (" + std::strerror(errno) + ")");
}

std::string file_safe(const std::string& label) {
  std::string out;
  for (char c : label)
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+') ? c : '_';
  return out;
}

}  // namespace wgf::cli
