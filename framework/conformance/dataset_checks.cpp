// The dataset contract: info() that describes the data, samples of the
// declared shape and range, labels within the classes, the same sample for
// the same index, and DataError (leaving the dataset usable) for an index
// out of range.

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "conformance/checks.hpp"
#include "selfsup/errors.hpp"

namespace selfsup::conformance {

namespace {

std::shared_ptr<Dataset> make(const LoadedPlugin& plugin, const boost::json::value& params) {
    return make_dataset(plugin, params, kParamsPath);
}

// A few indices of a split: its first two and its last.
std::vector<int64_t> probe_indices(const DatasetInfo& info, Split split) {
    std::vector<int64_t> indices{0, 1, info.size(split) - 1};
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    indices.erase(std::remove_if(indices.begin(), indices.end(), [](int64_t i) { return i < 0; }),
                  indices.end());
    return indices;
}

Tensor one_image(const Dataset& dataset, Split split, int64_t index) {
    const int64_t indices[] = {index};
    return dataset.images(split, indices);
}

// Expects images(split, {index}) to throw DataError.
void expect_refused(const Dataset& dataset, Split split, int64_t index) {
    const std::string what = fmt::format("index {} of the {} split (size {})", index,
                                         split_name(split), dataset.info().size(split));
    try {
        one_image(dataset, split, index);
    } catch (const DataError&) {
        return;
    } catch (const std::exception& error) {
        throw CheckFailure(what + " threw " + error_kind(error) + " instead of DataError: " +
                           error.what());
    }
    throw CheckFailure(what + " was accepted; it must throw DataError");
}

}  // namespace

void check_dataset(CheckList& checks, KitPlugin& kit) {
    std::shared_ptr<Dataset> dataset;
    checks.run(kit.params.is_null() ? "constructs from the defaults" : "constructs from --params",
               true, [&] {
                   dataset = make(kit.plugin, kit.params);
                   const DatasetInfo& info = dataset->info();
                   return fmt::format("{} images, {} train and {} test, {} classes",
                                      info.sample_shape.str(), info.train_size, info.test_size,
                                      info.num_classes);
               });
    check_parameter_rejection(checks, kit,
                              [&](const boost::json::value& params) { make(kit.plugin, params); });
    if (!dataset) checks.block("the dataset could not be constructed");

    checks.run("info() describes the data", true, [&] {
        const DatasetInfo& info = dataset->info();
        const Shape& shape = info.sample_shape;
        require(shape.rank() == 3 && shape[0] > 0 && shape[1] > 0 && shape[2] > 0,
                "sample_shape " + shape.str() + " is not [C, H, W] with every size positive");
        require(info.num_classes >= 2, fmt::format("num_classes is {}; a classification needs "
                                                   "at least 2",
                                                   info.num_classes));
        require(info.class_names.empty() ||
                    info.class_names.size() == static_cast<size_t>(info.num_classes),
                fmt::format("{} class names for {} classes", info.class_names.size(),
                            info.num_classes));
        require(info.train_size > 0 && info.test_size > 0,
                fmt::format("the splits hold {} train and {} test images; both need some",
                            info.train_size, info.test_size));
        require(std::isfinite(info.min_value) && std::isfinite(info.max_value) &&
                    info.min_value < info.max_value,
                fmt::format("the value range [{}, {}] is empty", info.min_value, info.max_value));
        return "";
    });

    checks.run("samples have the declared shape and value range", true, [&] {
        const DatasetInfo& info = dataset->info();
        for (Split split : {Split::kTrain, Split::kTest}) {
            const std::vector<int64_t> indices = probe_indices(info, split);
            const Tensor batch = dataset->images(split, indices);
            const Shape expected{static_cast<int64_t>(indices.size()), info.sample_shape[0],
                                 info.sample_shape[1], info.sample_shape[2]};
            require(batch.shape() == expected,
                    fmt::format("{} {} images came as {}, but info() declares {}",
                                split_name(split), indices.size(), batch.shape().str(),
                                expected.str()));
            const int64_t per_image = info.sample_shape.numel();
            const float* values = batch.data();
            for (int64_t i = 0; i < batch.numel(); ++i) {
                require(std::isfinite(values[i]) && values[i] >= info.min_value &&
                            values[i] <= info.max_value,
                        fmt::format("{} image {} holds {}, outside the declared range [{}, {}]",
                                    split_name(split), indices[i / per_image], values[i],
                                    info.min_value, info.max_value));
            }
        }
        return "";
    });

    checks.run("labels lie in [0, num_classes)", true, [&] {
        const DatasetInfo& info = dataset->info();
        for (Split split : {Split::kTrain, Split::kTest}) {
            const std::vector<int32_t> labels = dataset->labels(split);
            require(static_cast<int64_t>(labels.size()) == info.size(split),
                    fmt::format("labels({}) gave {} labels for {} images", split_name(split),
                                labels.size(), info.size(split)));
            for (size_t i = 0; i < labels.size(); ++i) {
                require(labels[i] >= 0 && labels[i] < info.num_classes,
                        fmt::format("{} label {} is {}, outside [0, {})", split_name(split), i,
                                    labels[i], info.num_classes));
            }
        }
        return "";
    });

    checks.run("the same index gives the same sample", true, [&] {
        const DatasetInfo& info = dataset->info();
        for (Split split : {Split::kTrain, Split::kTest}) {
            const std::vector<int64_t> indices = probe_indices(info, split);
            const Tensor batch = dataset->images(split, indices);
            const int64_t per_image = info.sample_shape.numel();
            for (size_t i = 0; i < indices.size(); ++i) {
                const Tensor once = one_image(*dataset, split, indices[i]);
                const Tensor again = one_image(*dataset, split, indices[i]);
                require(identical(once, again), fmt::format("{} image {} differs between two "
                                                            "reads",
                                                            split_name(split), indices[i]));
                require(std::equal(once.data(), once.data() + per_image,
                                   batch.data() + static_cast<int64_t>(i) * per_image),
                        fmt::format("{} image {} differs between a batch and a read of its own",
                                    split_name(split), indices[i]));
            }
        }
        return "";
    });

    checks.run("out-of-range indices throw DataError and leave it usable", true, [&] {
        const Tensor before = one_image(*dataset, Split::kTrain, 0);
        for (Split split : {Split::kTrain, Split::kTest}) {
            expect_refused(*dataset, split, dataset->info().size(split));
            expect_refused(*dataset, split, -1);
        }
        require(identical(one_image(*dataset, Split::kTrain, 0), before),
                "after refusing an index, train image 0 reads differently");
        return "";
    });

    checks.run("same parameters give the same data", true, [&] {
        const std::shared_ptr<Dataset> second = make(kit.plugin, kit.params);
        const DatasetInfo& info = dataset->info();
        require(second->info().size(Split::kTrain) == info.train_size &&
                    second->info().size(Split::kTest) == info.test_size,
                "a second instance has other split sizes");
        for (Split split : {Split::kTrain, Split::kTest}) {
            const std::vector<int64_t> indices = probe_indices(info, split);
            require(identical(dataset->images(split, indices), second->images(split, indices)),
                    fmt::format("a second instance gives other {} images", split_name(split)));
            require(dataset->labels(split) == second->labels(split),
                    fmt::format("a second instance gives other {} labels", split_name(split)));
        }
        return "";
    });

    checks.run("two instances share no state", true, [&] {
        const std::shared_ptr<Dataset> second = make(kit.plugin, kit.params);
        const Tensor expected = one_image(*second, Split::kTrain, 0);
        // Scribble over what the first returned: it must be the caller's own copy.
        Tensor scribbled = one_image(*dataset, Split::kTrain, 0);
        std::fill(scribbled.data(), scribbled.data() + scribbled.numel(), -12345.0f);
        require(identical(one_image(*dataset, Split::kTrain, 0), expected),
                "writing into a returned batch changed the dataset; images() must return a "
                "tensor the caller owns");
        require(identical(one_image(*second, Split::kTrain, 0), expected),
                "writing into one instance's batch changed another instance's data");
        return "";
    });

    dataset.reset();
    check_destruction(checks, kit, [&](const LoadedPlugin& plugin) -> std::function<void()> {
        std::shared_ptr<Dataset> made = make(plugin, kit.params);
        return [made] {
            one_image(*made, Split::kTrain, 0);
            made->labels(Split::kTest);
        };
    });
}

}  // namespace selfsup::conformance
