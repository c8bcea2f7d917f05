// cifar10: the CIFAR-10 binary version. Each of data_batch_1.bin ..
// data_batch_5.bin (train) and test_batch.bin (test) is a run of records of
// one label byte and 3072 pixel bytes: the 32x32 red plane, then green, then
// blue, each row-major. That is already [C, H, W] order, so records are
// copied as they are.
//
// Sizes come from the files' real sizes, never from anything inside them, and
// a limit reads only the records it keeps.

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "byte_images.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/log.hpp"
#include "selfsup/plugin/entry_point.hpp"

namespace selfsup::datasets {

namespace {

namespace fs = std::filesystem;

constexpr const char* kPluginName = "cifar10";
constexpr int64_t kSide = 32;
constexpr int64_t kPixelBytes = 3 * kSide * kSide;
constexpr int64_t kRecordBytes = 1 + kPixelBytes;
constexpr int kNumClasses = 10;
// Records read per fread, so the read buffer stays small whatever the file.
constexpr int64_t kRecordsPerRead = 256;

const std::string kSchema = std::string(R"json({
    "folder": {"type": "string",
               "description": "folder of data_batch_1.bin .. data_batch_5.bin and test_batch.bin"},
)json") + kLimitSchema + "\n}";

const std::vector<std::string> kStandardNames = {
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};

// One batch file, checked against the record size.
struct BatchFile {
    fs::path path;
    int64_t records = 0;
};

BatchFile inspect(const fs::path& path) {
    std::error_code error;
    if (!fs::is_regular_file(path, error)) {
        throw DataError(detail::concat("CIFAR-10 file '", path.string(),
                                       "' not found; the folder must hold the binary version's "
                                       "data_batch_1.bin .. data_batch_5.bin and test_batch.bin"));
    }
    const auto size = static_cast<int64_t>(fs::file_size(path, error));
    if (error) {
        throw DataError(detail::concat("CIFAR-10 file '", path.string(),
                                       "': cannot read its size: ", error.message()));
    }
    if (size == 0 || size % kRecordBytes != 0) {
        throw DataError(detail::concat("CIFAR-10 file '", path.string(), "': size ", size,
                                       " bytes is not a positive multiple of the record size ",
                                       kRecordBytes, " (1 label byte + ", kPixelBytes,
                                       " pixel bytes); is it the binary version, whole?"));
    }
    return {path, size / kRecordBytes};
}

// Appends the first `count` records of `file` to `dst`.
void read_records(const BatchFile& file, int64_t count, ByteImages& dst) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> stream(
        std::fopen(file.path.string().c_str(), "rb"), &std::fclose);
    if (!stream) {
        throw DataError(
            detail::concat("CIFAR-10 file '", file.path.string(), "': cannot be opened"));
    }
    std::vector<uint8_t> buffer(
        static_cast<size_t>(std::min(count, kRecordsPerRead) * kRecordBytes));
    for (int64_t first = 0; first < count; first += kRecordsPerRead) {
        const int64_t records = std::min(count - first, kRecordsPerRead);
        const auto bytes = static_cast<size_t>(records * kRecordBytes);
        if (std::fread(buffer.data(), 1, bytes, stream.get()) != bytes) {
            throw DataError(detail::concat("CIFAR-10 file '", file.path.string(),
                                           "': read failed or the file shrank near record ",
                                           first));
        }
        for (int64_t r = 0; r < records; ++r) {
            const uint8_t* record = buffer.data() + r * kRecordBytes;
            if (record[0] >= kNumClasses) {
                throw DataError(detail::concat("CIFAR-10 file '", file.path.string(), "': record ",
                                               first + r, " (counting from 0) has label ",
                                               int{record[0]}, ", but labels are 0 to ",
                                               kNumClasses - 1));
            }
            dst.labels.push_back(record[0]);
            dst.pixels.insert(dst.pixels.end(), record + 1, record + kRecordBytes);
        }
    }
}

// Reads the first `limit` records (all when absent) across `files` in order.
ByteImages read_split(const std::vector<BatchFile>& files, std::optional<int64_t> limit) {
    int64_t total = 0;
    for (const BatchFile& file : files) total += file.records;
    const int64_t keep = limit ? std::min(*limit, total) : total;

    ByteImages split;
    split.sample_shape = Shape{3, kSide, kSide};
    split.labels.reserve(static_cast<size_t>(keep));
    split.pixels.reserve(static_cast<size_t>(keep * kPixelBytes));
    int64_t remaining = keep;
    for (const BatchFile& file : files) {
        if (remaining == 0) break;
        const int64_t count = std::min(remaining, file.records);
        read_records(file, count, split);
        remaining -= count;
    }
    return split;
}

// Names from batches.meta.txt (one per line, blank lines ignored) when the
// folder has it, else the standard ten.
std::vector<std::string> class_names(const fs::path& folder) {
    const fs::path path = folder / "batches.meta.txt";
    std::ifstream stream(path);
    if (!stream) return kStandardNames;
    std::vector<std::string> names;
    std::string line;
    while (std::getline(stream, line)) {
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos) continue;
        const auto last = line.find_last_not_of(" \t\r");
        names.push_back(line.substr(first, last - first + 1));
    }
    if (names.size() != kNumClasses) {
        throw DataError(detail::concat("CIFAR-10 file '", path.string(), "' names ", names.size(),
                                       " classes, expected ", kNumClasses, " (one per line)"));
    }
    return names;
}

class Cifar10Dataset final : public ByteImageDataset {
public:
    explicit Cifar10Dataset(const Params& params) : ByteImageDataset(kPluginName) {
        const fs::path folder = params.get_string("folder");
        std::error_code ignored;
        if (!fs::is_directory(folder, ignored)) {
            throw DataError(detail::concat(
                "CIFAR-10 folder '", folder.string(), "' does not exist; set ",
                params.path_of("folder"),
                " to the folder of the binary version (data_batch_1.bin .. test_batch.bin)"));
        }

        // 1. Check every file's size before reading any, so a bad one fails fast.
        std::vector<BatchFile> train_files;
        for (int batch = 1; batch <= 5; ++batch) {
            train_files.push_back(
                inspect(folder / ("data_batch_" + std::to_string(batch) + ".bin")));
        }
        const std::vector<BatchFile> test_files = {inspect(folder / "test_batch.bin")};

        // 2. Read the records each split keeps.
        train_ = read_split(train_files, optional_limit(params, "train_limit"));
        test_ = read_split(test_files, optional_limit(params, "test_limit"));

        info_.sample_shape = Shape{3, kSide, kSide};
        info_.num_classes = kNumClasses;
        info_.class_names = class_names(folder);
        info_.train_size = train_.count();
        info_.test_size = test_.count();
        info_.min_value = 0.0f;
        info_.max_value = 1.0f;
        log_message(LogLevel::kInfo, kPluginName,
                    detail::concat("loaded ", info_.train_size, " train and ", info_.test_size,
                                   " test images of ", info_.sample_shape.str(), ", ",
                                   info_.num_classes, " classes, from ", folder.string()));
    }
};

}  // namespace

}  // namespace selfsup::datasets

SELFSUP_PLUGIN(selfsup::describe_dataset<selfsup::datasets::Cifar10Dataset>(
    "cifar10", "1.0.0", "The CIFAR-10 binary version: 32x32 colour images in 10 classes.",
    selfsup::datasets::kSchema))
