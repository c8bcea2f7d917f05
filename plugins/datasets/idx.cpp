// idx: MNIST-format IDX files (MNIST, Fashion-MNIST and anything written the
// same way), gzipped or plain, read with the SDK's IDX reader.
//
// Pixels stay in memory as bytes (47 MB for Fashion-MNIST rather than 188 MB
// as floats); images() converts only the requested batch.

#include "selfsup/idx.hpp"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "byte_images.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/log.hpp"
#include "selfsup/plugin/entry_point.hpp"

namespace selfsup::datasets {

namespace {

namespace fs = std::filesystem;

constexpr const char* kPluginName = "idx";

// `classes` chooses the class names and count: fashion-mnist and digits (MNIST)
// both have 10 classes; from-labels counts largest label + 1 and names none.
const std::string kSchema = std::string(R"json({
    "folder": {"type": "string", "default": "/usr/share/datasets/fashion-mnist",
               "description": "folder holding the four IDX files"},
    "train_images": {"type": "string", "default": "train-images-idx3-ubyte.gz",
                     "description": "training images in folder (name.gz also finds name unzipped)"},
    "train_labels": {"type": "string", "default": "train-labels-idx1-ubyte.gz",
                     "description": "training labels in folder"},
    "test_images": {"type": "string", "default": "t10k-images-idx3-ubyte.gz",
                    "description": "test images in folder"},
    "test_labels": {"type": "string", "default": "t10k-labels-idx1-ubyte.gz",
                    "description": "test labels in folder"},
    "classes": {"type": "string", "default": "fashion-mnist",
                "enum": ["fashion-mnist", "digits", "from-labels"],
                "description": "fashion-mnist, digits (10 named) or from-labels (max label + 1)"},
)json") + kLimitSchema + "\n}";

const std::vector<std::string> kFashionNames = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                                "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                                "Bag",         "Ankle boot"};

bool ends_with(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The file a name parameter points to: `folder`/name, or the same name without
// ".gz" when only the unzipped file is there.
fs::path locate(const Params& params, const std::string& key) {
    const fs::path folder = params.get_string("folder");
    const std::string name = params.get_string(key);
    const fs::path path = folder / name;
    std::error_code ignored;
    if (fs::exists(path, ignored)) return path;
    if (ends_with(name, ".gz")) {
        const fs::path unzipped = folder / name.substr(0, name.size() - 3);
        if (fs::exists(unzipped, ignored)) return unzipped;
    }
    const std::string where =
        fs::is_directory(folder, ignored)
            ? ""
            : detail::concat(" (the folder '", folder.string(), "' does not exist)");
    throw DataError(detail::concat(
        "IDX file '", path.string(), "' not found",
        ends_with(name, ".gz") ? ", nor without .gz" : "", where,
        "; install Fashion-MNIST with `apt-get install dataset-fashion-mnist`, or set ",
        params.path_of("folder"), " (and ", params.path_of(key), ") to where the files are"));
}

// Reads one split's images and labels, which must agree in count.
ByteImages read_split(const fs::path& images_path, const fs::path& labels_path) {
    idx::Images images = idx::read_images(images_path.string());
    const std::vector<uint8_t> labels = idx::read_labels(labels_path.string());
    if (images.count != static_cast<int64_t>(labels.size())) {
        throw DataError(detail::concat("IDX files disagree: '", images_path.string(), "' holds ",
                                       images.count, " images but '", labels_path.string(),
                                       "' holds ", labels.size(), " labels"));
    }
    if (images.count == 0 || images.rows == 0 || images.cols == 0) {
        throw DataError(detail::concat("IDX file '", images_path.string(), "' holds no pixels (",
                                       images.count, " images of ", images.rows, "x", images.cols,
                                       ")"));
    }
    ByteImages split;
    split.sample_shape = Shape{1, images.rows, images.cols};
    split.pixels = std::move(images.pixels);
    split.labels.assign(labels.begin(), labels.end());
    return split;
}

int max_label(const ByteImages& split) {
    return *std::max_element(split.labels.begin(), split.labels.end());
}

// Refuses the first label >= num_classes, naming the file and its index.
void check_labels(const ByteImages& split, const fs::path& labels_path, int num_classes,
                  const Params& params) {
    const auto bad = std::find_if(split.labels.begin(), split.labels.end(),
                                  [num_classes](int32_t label) { return label >= num_classes; });
    if (bad == split.labels.end()) return;
    throw DataError(detail::concat(
        "IDX labels file '", labels_path.string(), "': label ", *bad, " at index ",
        bad - split.labels.begin(), " is out of range for the ", num_classes, " classes (0 to ",
        num_classes - 1, ") of ", params.path_of("classes"), " = \"", params.get_string("classes"),
        "\"; use \"from-labels\" to count classes from the labels"));
}

class IdxDataset final : public ByteImageDataset {
public:
    explicit IdxDataset(const Params& params) : ByteImageDataset(kPluginName) {
        // 1. Find all four files before reading any, so a wrong folder fails fast.
        const fs::path train_images = locate(params, "train_images");
        const fs::path train_labels = locate(params, "train_labels");
        const fs::path test_images = locate(params, "test_images");
        const fs::path test_labels = locate(params, "test_labels");

        // 2. Read both splits; they must describe images of one size.
        train_ = read_split(train_images, train_labels);
        test_ = read_split(test_images, test_labels);
        if (train_.sample_shape != test_.sample_shape) {
            throw DataError(detail::concat("IDX files disagree: '", train_images.string(),
                                           "' holds images of ", train_.sample_shape.str(),
                                           " but '", test_images.string(), "' holds ",
                                           test_.sample_shape.str()));
        }

        // 3. Classes, checked against every label in the files (not only those
        // a limit keeps), so a slice never hides a broken file.
        const std::string classes = params.get_string("classes");
        if (classes == "from-labels") {
            info_.num_classes = std::max(max_label(train_), max_label(test_)) + 1;
        } else {
            info_.num_classes = 10;
            if (classes == "fashion-mnist") {
                info_.class_names = kFashionNames;
            } else {
                for (int digit = 0; digit < 10; ++digit) {
                    info_.class_names.push_back(std::to_string(digit));
                }
            }
        }
        check_labels(train_, train_labels, info_.num_classes, params);
        check_labels(test_, test_labels, info_.num_classes, params);

        // 4. Limits keep the first N images of a split.
        // TODO: the SDK's IDX reader reads whole files, so a small limit still
        // costs the full read (a third of a second for Fashion-MNIST); a reader
        // taking a count would make quick slices of large files cheap.
        const int64_t train_total = train_.count();
        const int64_t test_total = test_.count();
        if (const auto limit = optional_limit(params, "train_limit")) train_.truncate(*limit);
        if (const auto limit = optional_limit(params, "test_limit")) test_.truncate(*limit);

        info_.sample_shape = train_.sample_shape;
        info_.train_size = train_.count();
        info_.test_size = test_.count();
        info_.min_value = 0.0f;
        info_.max_value = 1.0f;
        log_message(LogLevel::kInfo, kPluginName,
                    detail::concat("loaded ", info_.train_size, " of ", train_total, " train and ",
                                   info_.test_size, " of ", test_total, " test images of ",
                                   info_.sample_shape.str(), ", ", info_.num_classes,
                                   " classes, from ", params.get_string("folder")));
    }
};

}  // namespace

}  // namespace selfsup::datasets

SELFSUP_PLUGIN(selfsup::describe_dataset<selfsup::datasets::IdxDataset>(
    "idx", "1.0.0",
    "MNIST-format IDX image and label files (Fashion-MNIST by default), gzipped or not.",
    selfsup::datasets::kSchema))
