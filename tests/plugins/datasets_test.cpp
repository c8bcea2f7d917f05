// The dataset plugins idx, cifar10 and synthetic, loaded as real shared
// libraries through the framework's loader.

#include <unistd.h>
#include <zlib.h>

#include <array>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "plugins/in_tree_plugin.hpp"
#include "plugins/plugin_library.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/log.hpp"

using namespace selfsup;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

using Bytes = std::vector<uint8_t>;

const char* const kParamsPath = "dataset.params";

// A scratch folder removed with everything in it when the test ends.
class TempDir {
public:
    TempDir() {
        path_ = fs::temp_directory_path() / ("selfsup-datasets-test-" + std::to_string(::getpid()) +
                                             "-" + std::to_string(counter_++));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    const fs::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    static inline int counter_ = 0;
    fs::path path_;
};

// Collects what plugins log while it lives; restores the default sink after.
class LogCapture {
public:
    LogCapture() {
        set_log_sink([this](LogLevel level, const std::string& source, const std::string& text) {
            if (level == LogLevel::kInfo) lines_.push_back(source + ": " + text);
        });
    }
    ~LogCapture() { set_log_sink({}); }
    const std::vector<std::string>& lines() const { return lines_; }

private:
    std::vector<std::string> lines_;
};

void write_file(const std::string& path, const Bytes& bytes) {
    std::ofstream stream(path, std::ios::binary);
    stream.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

void write_gzip(const std::string& path, const Bytes& bytes) {
    gzFile file = gzopen(path.c_str(), "wb");
    REQUIRE(file != nullptr);
    REQUIRE(gzwrite(file, bytes.data(), unsigned(bytes.size())) == int(bytes.size()));
    REQUIRE(gzclose(file) == Z_OK);
}

void put_u32(Bytes& out, uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(uint8_t(value >> shift));
}

// The pixel bytes of a test IDX file: distinct per image and position, with
// 0 and 255 among them.
uint8_t idx_pixel(int64_t image, int64_t position) {
    return uint8_t((image * 37 + position * 11) % 256);
}

Bytes idx_images(int64_t count, int64_t rows, int64_t cols) {
    Bytes out;
    put_u32(out, 0x00000803);
    put_u32(out, uint32_t(count));
    put_u32(out, uint32_t(rows));
    put_u32(out, uint32_t(cols));
    for (int64_t i = 0; i < count; ++i) {
        for (int64_t p = 0; p < rows * cols; ++p) out.push_back(idx_pixel(i, p));
    }
    return out;
}

Bytes idx_labels(const Bytes& labels) {
    Bytes out;
    put_u32(out, 0x00000801);
    put_u32(out, uint32_t(labels.size()));
    out.insert(out.end(), labels.begin(), labels.end());
    return out;
}

const Bytes kTrainLabels = {3, 0, 9, 1, 1, 7};
const Bytes kTestLabels = {2, 8, 0, 5};

// The four files of a 6-image train and 4-image test set of 3x4 images, with
// the default names, plain (without .gz) or gzipped.
void write_idx_folder(const TempDir& dir, bool gzipped, const Bytes& train_labels = kTrainLabels) {
    const auto write = [&](const std::string& stem, const Bytes& bytes) {
        if (gzipped) {
            write_gzip(dir.file(stem + ".gz"), bytes);
        } else {
            write_file(dir.file(stem), bytes);
        }
    };
    write("train-images-idx3-ubyte", idx_images(6, 3, 4));
    write("train-labels-idx1-ubyte", idx_labels(train_labels));
    write("t10k-images-idx3-ubyte", idx_images(4, 3, 4));
    write("t10k-labels-idx1-ubyte", idx_labels(kTestLabels));
}

const LoadedPlugin& load(const std::string& name) { return testing::in_tree_plugin(name); }

std::shared_ptr<Dataset> make(const std::string& plugin, const std::string& params) {
    return make_dataset(load(plugin), boost::json::parse(params), kParamsPath);
}

std::string folder_params(const TempDir& dir, const std::string& extra = "") {
    boost::json::object params;
    params["folder"] = dir.path().string();
    std::string text = boost::json::serialize(params);
    if (!extra.empty()) text.insert(text.size() - 1, ", " + extra);
    return text;
}

std::vector<int32_t> as_labels(const Bytes& bytes) {
    return {bytes.begin(), bytes.end()};
}

// A CIFAR-10 record's pixel byte: the channel sets the tens, so a swapped
// plane shows at once.
uint8_t cifar_pixel(int file, int64_t record, int channel, int64_t position) {
    return uint8_t(channel * 80 + (file * 5 + record + position) % 64);
}

uint8_t cifar_label(int file, int64_t record) {
    return uint8_t((file * 3 + record) % 10);
}

// One batch file of `records` records; file 0 is test_batch.bin, 1..5 the
// training batches.
Bytes cifar_batch(int file, int64_t records) {
    Bytes out;
    for (int64_t r = 0; r < records; ++r) {
        out.push_back(cifar_label(file, r));
        for (int channel = 0; channel < 3; ++channel) {
            for (int64_t p = 0; p < 1024; ++p) out.push_back(cifar_pixel(file, r, channel, p));
        }
    }
    return out;
}

std::string cifar_file_name(int file) {
    return file == 0 ? "test_batch.bin" : "data_batch_" + std::to_string(file) + ".bin";
}

void write_cifar_folder(const TempDir& dir, int64_t records_per_file = 5) {
    for (int file = 0; file <= 5; ++file) {
        write_file(dir.file(cifar_file_name(file)), cifar_batch(file, records_per_file));
    }
}

std::vector<float> image_values(const Dataset& dataset, Split split, int64_t index) {
    const std::array<int64_t, 1> indices = {index};
    return dataset.images(split, indices).to_vector();
}

std::vector<int64_t> range(int64_t count) {
    std::vector<int64_t> indices(size_t(count), 0);
    std::iota(indices.begin(), indices.end(), 0);
    return indices;
}

}  // namespace

// ---------------------------------------------------------------- idx

TEST_CASE("idx reads plain IDX files as images in [0, 1] with their labels", "[datasets]") {
    TempDir dir;
    write_idx_folder(dir, false);
    LogCapture log;
    const auto dataset = make("idx", folder_params(dir));

    const DatasetInfo& info = dataset->info();
    CHECK(info.sample_shape == Shape{1, 3, 4});
    CHECK(info.train_size == 6);
    CHECK(info.test_size == 4);
    CHECK(info.num_classes == 10);
    CHECK(info.class_names.front() == "T-shirt/top");
    CHECK(info.class_names.back() == "Ankle boot");
    CHECK(info.min_value == 0.0f);
    CHECK(info.max_value == 1.0f);
    CHECK(dataset->labels(Split::kTrain) == as_labels(kTrainLabels));
    CHECK(dataset->labels(Split::kTest) == as_labels(kTestLabels));

    const std::array<int64_t, 2> indices = {5, 0};
    const Tensor batch = dataset->images(Split::kTrain, indices);
    REQUIRE(batch.shape() == Shape{2, 1, 3, 4});
    const std::vector<float> values = batch.to_vector();
    for (int64_t p = 0; p < 12; ++p) {
        CHECK(values[size_t(p)] == float(idx_pixel(5, p)) / 255.0f);
        CHECK(values[size_t(12 + p)] == float(idx_pixel(0, p)) / 255.0f);
    }
    CHECK(image_values(*dataset, Split::kTest, 3)[7] == float(idx_pixel(3, 7)) / 255.0f);

    REQUIRE(log.lines().size() == 1);
    CHECK_THAT(log.lines()[0], Contains("loaded 6 of 6 train and 4 of 4 test images"));
}

TEST_CASE("idx reads gzipped files and the same names without .gz alike", "[datasets]") {
    TempDir zipped;
    write_idx_folder(zipped, true);
    TempDir plain;
    write_idx_folder(plain, false);
    LogCapture quiet;
    const auto from_gzip = make("idx", folder_params(zipped));
    const auto from_plain = make("idx", folder_params(plain));

    CHECK(from_gzip->info().train_size == 6);
    CHECK(from_gzip->labels(Split::kTrain) == from_plain->labels(Split::kTrain));
    for (int64_t i = 0; i < 6; ++i) {
        CHECK(image_values(*from_gzip, Split::kTrain, i) ==
              image_values(*from_plain, Split::kTrain, i));
    }
}

TEST_CASE("idx keeps only the first N images of each split under its limits", "[datasets]") {
    TempDir dir;
    write_idx_folder(dir, true);
    LogCapture quiet;
    const auto dataset = make("idx", folder_params(dir, R"("train_limit": 2, "test_limit": 3)"));

    CHECK(dataset->info().train_size == 2);
    CHECK(dataset->info().test_size == 3);
    CHECK(dataset->labels(Split::kTrain) == std::vector<int32_t>{3, 0});
    CHECK(dataset->labels(Split::kTest) == std::vector<int32_t>{2, 8, 0});
    CHECK(image_values(*dataset, Split::kTrain, 1)[4] == float(idx_pixel(1, 4)) / 255.0f);
    CHECK_THROWS_AS(image_values(*dataset, Split::kTrain, 2), DataError);

    const auto generous = make("idx", folder_params(dir, R"("train_limit": 1000)"));
    CHECK(generous->info().train_size == 6);
}

TEST_CASE("idx names its classes as digits or counts them from the labels", "[datasets]") {
    TempDir dir;
    write_idx_folder(dir, false, {3, 0, 12, 1, 1, 7});
    LogCapture quiet;

    const auto counted = make("idx", folder_params(dir, R"("classes": "from-labels")"));
    CHECK(counted->info().num_classes == 13);
    CHECK(counted->info().class_names.empty());

    TempDir digits_dir;
    write_idx_folder(digits_dir, false);
    const auto digits = make("idx", folder_params(digits_dir, R"("classes": "digits")"));
    CHECK(digits->info().num_classes == 10);
    CHECK(digits->info().class_names ==
          std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
}

TEST_CASE("idx refuses image and label files whose counts disagree", "[datasets]") {
    TempDir dir;
    write_idx_folder(dir, false, {3, 0, 9, 1, 1});
    const std::string params = folder_params(dir);
    CHECK_THROWS_AS(make("idx", params), DataError);
    CHECK_THROWS_WITH(make("idx", params), Contains("train-images-idx3-ubyte' holds 6 images") &&
                                               Contains("train-labels-idx1-ubyte' holds 5 labels"));
}

TEST_CASE("idx refuses a label outside its classes, naming the file and the index", "[datasets]") {
    TempDir dir;
    write_idx_folder(dir, false, {3, 0, 9, 10, 1, 7});
    const std::string params = folder_params(dir);
    CHECK_THROWS_AS(make("idx", params), DataError);
    CHECK_THROWS_WITH(make("idx", params), Contains("train-labels-idx1-ubyte") &&
                                               Contains("label 10 at index 3") &&
                                               Contains("from-labels"));
}

TEST_CASE("idx refuses a missing file with the hint to install it or set the folder",
          "[datasets]") {
    TempDir dir;
    write_idx_folder(dir, true);
    fs::remove(dir.file("t10k-labels-idx1-ubyte.gz"));
    const std::string params = folder_params(dir);
    CHECK_THROWS_AS(make("idx", params), DataError);
    CHECK_THROWS_WITH(make("idx", params), Contains("t10k-labels-idx1-ubyte.gz' not found") &&
                                               Contains("apt-get install dataset-fashion-mnist") &&
                                               Contains("dataset.params.folder"));

    const std::string nowhere = R"({"folder": "/nonexistent/selfsup-data"})";
    CHECK_THROWS_WITH(make("idx", nowhere), Contains("'/nonexistent/selfsup-data' does not exist"));
}

TEST_CASE("idx refuses an image index out of range, naming the index, split and size",
          "[datasets]") {
    TempDir dir;
    write_idx_folder(dir, false);
    LogCapture quiet;
    const auto dataset = make("idx", folder_params(dir));
    const std::array<int64_t, 2> indices = {0, 4};
    CHECK_THROWS_AS(dataset->images(Split::kTest, indices), DataError);
    CHECK_THROWS_WITH(dataset->images(Split::kTest, indices),
                      Contains("index 4") && Contains("test split") && Contains("holds 4 images"));
    const std::array<int64_t, 1> negative = {-1};
    CHECK_THROWS_WITH(dataset->images(Split::kTrain, negative),
                      Contains("index -1") && Contains("train split"));
    // The dataset stays usable.
    CHECK(image_values(*dataset, Split::kTest, 3).size() == 12);
}

TEST_CASE("idx serves images to several threads at once", "[datasets]") {
    TempDir dir;
    write_idx_folder(dir, false);
    LogCapture quiet;
    const auto dataset = make("idx", folder_params(dir));
    const std::vector<int64_t> all = range(6);
    const std::vector<float> expected = dataset->images(Split::kTrain, all).to_vector();
    std::array<bool, 4> same{};
    std::vector<std::thread> threads;
    for (size_t t = 0; t < same.size(); ++t) {
        threads.emplace_back([&, t] {
            bool ok = true;
            for (int round = 0; round < 200; ++round) {
                ok = ok && dataset->images(Split::kTrain, all).to_vector() == expected;
            }
            same[t] = ok;
        });
    }
    for (std::thread& thread : threads) thread.join();
    CHECK(same == std::array<bool, 4>{true, true, true, true});
}

TEST_CASE("idx reads the real Fashion-MNIST when it is installed", "[datasets]") {
    const fs::path folder = "/usr/share/datasets/fashion-mnist";
    const fs::path train_images = folder / "train-images-idx3-ubyte.gz";
    if (!fs::exists(train_images)) {
        WARN("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist); skipped");
        return;
    }
    LogCapture quiet;
    const auto dataset = make("idx", "{}");
    const DatasetInfo& info = dataset->info();
    CHECK(info.train_size == 60000);
    CHECK(info.test_size == 10000);
    CHECK(info.sample_shape == Shape{1, 28, 28});

    std::map<int32_t, int> per_class;
    for (const int32_t label : dataset->labels(Split::kTrain)) ++per_class[label];
    REQUIRE(per_class.size() == 10);
    for (const auto& [label, count] : per_class) CHECK(count == 6000);

    // The first image's pixels, straight from the file past its 16-byte header.
    Bytes raw(16 + 784);
    gzFile file = gzopen(train_images.c_str(), "rb");
    REQUIRE(file != nullptr);
    REQUIRE(gzread(file, raw.data(), unsigned(raw.size())) == int(raw.size()));
    gzclose(file);
    const std::vector<float> first = image_values(*dataset, Split::kTrain, 0);
    REQUIRE(first.size() == 784);
    for (size_t p = 0; p < 784; ++p) CHECK(first[p] == float(raw[16 + p]) / 255.0f);
}

// ---------------------------------------------------------------- cifar10

TEST_CASE("cifar10 reads the binary batches with the red plane first", "[datasets]") {
    TempDir dir;
    write_cifar_folder(dir);
    LogCapture log;
    const auto dataset = make("cifar10", folder_params(dir));

    const DatasetInfo& info = dataset->info();
    CHECK(info.sample_shape == Shape{3, 32, 32});
    CHECK(info.train_size == 25);
    CHECK(info.test_size == 5);
    CHECK(info.num_classes == 10);
    CHECK(info.class_names.front() == "airplane");
    CHECK(info.class_names.back() == "truck");

    // Train index 7 is record 2 of data_batch_2.bin.
    const std::vector<float> values = image_values(*dataset, Split::kTrain, 7);
    REQUIRE(values.size() == 3 * 1024);
    for (int channel = 0; channel < 3; ++channel) {
        for (int64_t p : {0, 1, 33, 1023}) {
            CHECK(values[size_t(channel * 1024 + p)] ==
                  float(cifar_pixel(2, 2, channel, p)) / 255.0f);
        }
    }
    const std::vector<int32_t> train_labels = dataset->labels(Split::kTrain);
    REQUIRE(train_labels.size() == 25);
    CHECK(train_labels[7] == cifar_label(2, 2));
    CHECK(train_labels[24] == cifar_label(5, 4));
    CHECK(dataset->labels(Split::kTest)[3] == cifar_label(0, 3));
    CHECK(image_values(*dataset, Split::kTest, 4)[2048] == float(cifar_pixel(0, 4, 2, 0)) / 255.0f);

    REQUIRE(log.lines().size() == 1);
    CHECK_THAT(log.lines()[0], Contains("loaded 25 train and 5 test images"));
}

TEST_CASE("cifar10 takes class names from batches.meta.txt when present", "[datasets]") {
    TempDir dir;
    write_cifar_folder(dir, 1);
    write_file(dir.file("batches.meta.txt"),
               Bytes{'a',  '\n', 'b',  '\n', 'c',  '\n', 'd',  '\n', 'e',  '\n', 'f',
                     '\n', 'g',  '\n', 'h',  '\n', 'i',  '\n', 'j',  '\n', '\n'});
    LogCapture quiet;
    const auto dataset = make("cifar10", folder_params(dir));
    CHECK(dataset->info().class_names ==
          std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"});
}

TEST_CASE("cifar10 keeps only the first N records of each split under its limits", "[datasets]") {
    TempDir dir;
    write_cifar_folder(dir);
    LogCapture quiet;
    const auto dataset =
        make("cifar10", folder_params(dir, R"("train_limit": 7, "test_limit": 2)"));
    CHECK(dataset->info().train_size == 7);
    CHECK(dataset->info().test_size == 2);
    CHECK(dataset->labels(Split::kTrain)[6] == cifar_label(2, 1));
    CHECK(image_values(*dataset, Split::kTrain, 6)[1024] ==
          float(cifar_pixel(2, 1, 1, 0)) / 255.0f);
}

TEST_CASE("cifar10 refuses a file whose size is not a whole number of records", "[datasets]") {
    TempDir dir;
    write_cifar_folder(dir, 2);
    Bytes broken = cifar_batch(3, 2);
    broken.resize(broken.size() + 5, 0);
    write_file(dir.file("data_batch_3.bin"), broken);
    const std::string params = folder_params(dir);
    CHECK_THROWS_AS(make("cifar10", params), DataError);
    CHECK_THROWS_WITH(make("cifar10", params), Contains("data_batch_3.bin") &&
                                                   Contains("size 6151 bytes") &&
                                                   Contains("record size 3073"));
}

TEST_CASE("cifar10 refuses a label above 9, naming the file and the record", "[datasets]") {
    TempDir dir;
    write_cifar_folder(dir, 5);
    Bytes broken = cifar_batch(0, 5);
    broken[3 * 3073] = 10;
    write_file(dir.file("test_batch.bin"), broken);
    const std::string params = folder_params(dir);
    CHECK_THROWS_AS(make("cifar10", params), DataError);
    CHECK_THROWS_WITH(make("cifar10", params),
                      Contains("test_batch.bin") && Contains("record 3") && Contains("label 10"));
}

TEST_CASE("cifar10 refuses a missing folder or batch file, naming it", "[datasets]") {
    CHECK_THROWS_AS(make("cifar10", R"({"folder": "/nonexistent/cifar"})"), DataError);
    CHECK_THROWS_WITH(
        make("cifar10", R"({"folder": "/nonexistent/cifar"})"),
        Contains("'/nonexistent/cifar' does not exist") && Contains("dataset.params.folder"));

    TempDir dir;
    write_cifar_folder(dir, 1);
    fs::remove(dir.file("data_batch_4.bin"));
    CHECK_THROWS_AS(make("cifar10", folder_params(dir)), DataError);
    CHECK_THROWS_WITH(make("cifar10", folder_params(dir)), Contains("data_batch_4.bin' not found"));
}

// ---------------------------------------------------------------- synthetic

TEST_CASE("synthetic images depend only on the seed, the split and the index", "[datasets]") {
    LogCapture quiet;
    const auto first = make("synthetic", R"({"seed": 3, "train_size": 40, "test_size": 20})");
    const auto again = make("synthetic", R"({"seed": 3, "train_size": 40, "test_size": 20})");
    const auto other = make("synthetic", R"({"seed": 4, "train_size": 40, "test_size": 20})");

    const std::vector<int64_t> all = range(20);
    const std::vector<float> train = first->images(Split::kTrain, all).to_vector();
    CHECK(train == again->images(Split::kTrain, all).to_vector());
    CHECK(first->images(Split::kTest, all).to_vector() ==
          again->images(Split::kTest, all).to_vector());
    CHECK(train != other->images(Split::kTrain, all).to_vector());
    CHECK(train != first->images(Split::kTest, all).to_vector());

    // An image does not depend on the batch it is asked for in.
    const std::array<int64_t, 3> batch = {17, 5, 17};
    const std::vector<float> mixed = first->images(Split::kTrain, batch).to_vector();
    const std::vector<float> alone = image_values(*first, Split::kTrain, 5);
    CHECK(std::vector<float>(mixed.begin() + 784, mixed.begin() + 2 * 784) == alone);
    CHECK(std::vector<float>(mixed.begin(), mixed.begin() + 784) ==
          std::vector<float>(mixed.begin() + 2 * 784, mixed.end()));
}

TEST_CASE("synthetic splits are class-balanced and pixels lie in [0, 1]", "[datasets]") {
    LogCapture quiet;
    const auto dataset =
        make("synthetic", R"({"classes": 4, "train_size": 102, "test_size": 8, "image_size": 12,
                              "noise": 0.3})");
    const DatasetInfo& info = dataset->info();
    CHECK(info.sample_shape == Shape{1, 12, 12});
    CHECK(info.num_classes == 4);
    CHECK(info.class_names ==
          std::vector<std::string>{"filled square", "hollow square", "disc", "ring"});

    std::map<int32_t, int> per_class;
    for (const int32_t label : dataset->labels(Split::kTrain)) ++per_class[label];
    CHECK(per_class == std::map<int32_t, int>{{0, 26}, {1, 26}, {2, 25}, {3, 25}});
    CHECK(dataset->labels(Split::kTest) == std::vector<int32_t>{0, 1, 2, 3, 0, 1, 2, 3});

    const std::vector<float> values = dataset->images(Split::kTrain, range(102)).to_vector();
    const auto [low, high] = std::minmax_element(values.begin(), values.end());
    CHECK(*low == 0.0f);
    CHECK(*high <= 1.0f);
    CHECK(*high > 0.9f);
}

TEST_CASE("synthetic classes are learnable by a nearest-class-mean classifier", "[datasets]") {
    LogCapture quiet;
    const auto dataset = make("synthetic", "{}");
    const DatasetInfo& info = dataset->info();
    REQUIRE(info.train_size == 2000);
    REQUIRE(info.test_size == 500);
    const int64_t pixels = info.sample_shape.numel();

    // 1. Class means of the training images.
    const std::vector<float> train = dataset->images(Split::kTrain, range(2000)).to_vector();
    const std::vector<int32_t> train_labels = dataset->labels(Split::kTrain);
    std::vector<double> means(size_t(10 * pixels), 0.0);
    std::vector<int> counts(10, 0);
    for (size_t i = 0; i < train_labels.size(); ++i) {
        const auto label = size_t(train_labels[i]);
        ++counts[label];
        for (int64_t p = 0; p < pixels; ++p) {
            means[label * size_t(pixels) + size_t(p)] += train[i * size_t(pixels) + size_t(p)];
        }
    }
    for (size_t c = 0; c < 10; ++c) {
        for (int64_t p = 0; p < pixels; ++p) means[c * size_t(pixels) + size_t(p)] /= counts[c];
    }

    // 2. Each test image goes to the nearest mean.
    const std::vector<float> test = dataset->images(Split::kTest, range(500)).to_vector();
    const std::vector<int32_t> test_labels = dataset->labels(Split::kTest);
    int correct = 0;
    for (size_t i = 0; i < test_labels.size(); ++i) {
        size_t best = 0;
        double best_distance = 1e300;
        for (size_t c = 0; c < 10; ++c) {
            double distance = 0.0;
            for (int64_t p = 0; p < pixels; ++p) {
                const double diff =
                    test[i * size_t(pixels) + size_t(p)] - means[c * size_t(pixels) + size_t(p)];
                distance += diff * diff;
            }
            if (distance < best_distance) {
                best_distance = distance;
                best = c;
            }
        }
        correct += best == size_t(test_labels[i]) ? 1 : 0;
    }
    const double accuracy = correct / 500.0;
    INFO("nearest-class-mean accuracy " << accuracy);
    CHECK(accuracy > 0.6);
}

TEST_CASE("synthetic refuses an image index past its split's size", "[datasets]") {
    LogCapture quiet;
    const auto dataset = make("synthetic", R"({"train_size": 10, "test_size": 5})");
    const std::array<int64_t, 1> past = {5};
    CHECK_THROWS_AS(dataset->images(Split::kTest, past), DataError);
    CHECK_THROWS_WITH(dataset->images(Split::kTest, past),
                      Contains("index 5") && Contains("test split") && Contains("holds 5 images"));
}

// ---------------------------------------------------------------- parameters

TEST_CASE("dataset plugins refuse unknown and ill-typed parameters, naming the JSON path",
          "[datasets]") {
    const auto refuse = [](const std::string& plugin, const std::string& params,
                           const std::string& words) {
        INFO(plugin << " " << params);
        CHECK_THROWS_AS(make(plugin, params), ManifestError);
        CHECK_THROWS_WITH(make(plugin, params), Contains(words));
    };
    refuse("synthetic", R"({"clases": 3})", "dataset.params");
    refuse("synthetic", R"({"clases": 3})", "clases");
    refuse("synthetic", R"({"classes": "ten"})", "dataset.params.classes");
    refuse("synthetic", R"({"classes": 11})", "dataset.params.classes");
    refuse("synthetic", R"({"image_size": 4})", "dataset.params.image_size");
    refuse("idx", R"({"classes": "emnist"})", "dataset.params.classes");
    refuse("idx", R"({"train_limit": 0})", "dataset.params.train_limit");
    refuse("idx", R"({"folder": 7})", "dataset.params.folder");
    refuse("cifar10", "{}", "dataset.params");
    refuse("cifar10", "{}", "folder");
    refuse("cifar10", R"({"folder": "/tmp", "test_limit": 1.5})", "dataset.params.test_limit");
}
