// selfsup-demo: trains a small MLP autoencoder on Fashion-MNIST for a few
// hundred steps, so a reader can see the SDK learn end to end: the training
// loss falls, and the test-set reconstruction loss is reported at the end.
//
//   selfsup-demo [--steps N] [--threads N] [--data DIR] [--seed N]

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/idx.hpp"
#include "selfsup/layers.hpp"
#include "selfsup/losses.hpp"
#include "selfsup/module.hpp"
#include "selfsup/optim.hpp"
#include "selfsup/rng.hpp"
#include "selfsup/runtime.hpp"

namespace {

using namespace selfsup;

constexpr int64_t kBatch = 128;
constexpr int64_t kLogEvery = 25;
constexpr int64_t kEvalBatch = 1000;

struct Options {
    int64_t steps = 300;
    int threads = 2;
    std::string data = "/usr/share/datasets/fashion-mnist";
    uint64_t seed = 0;
};

// A usage mistake: reported as one line and exit code 2.
struct UsageError {
    std::string message;
};

int64_t parse_positive(const char* flag, const char* text) {
    char* end = nullptr;
    const long long value = std::strtoll(text, &end, 10);
    if (end == text || *end != '\0' || value < 1) {
        throw UsageError{std::string(flag) + " wants a positive integer, got '" + text + "'"};
    }
    return value;
}

Options parse(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::printf("usage: selfsup-demo [--steps N] [--threads N] [--data DIR] [--seed N]\n");
            std::exit(0);
        }
        if (i + 1 >= argc) throw UsageError{"unknown flag or missing value: " + flag};
        const char* value = argv[++i];
        if (flag == "--steps") {
            options.steps = parse_positive("--steps", value);
        } else if (flag == "--threads") {
            options.threads = static_cast<int>(parse_positive("--threads", value));
        } else if (flag == "--data") {
            options.data = value;
        } else if (flag == "--seed") {
            // Zero is a fine seed, so only the syntax is checked here.
            char* end = nullptr;
            options.seed = std::strtoull(value, &end, 10);
            if (end == value || *end != '\0') {
                throw UsageError{std::string("--seed wants an integer, got '") + value + "'"};
            }
        } else {
            throw UsageError{"unknown flag: " + flag};
        }
    }
    return options;
}

// 784 -> 256 ReLU -> 64 -> 256 ReLU -> 784 sigmoid.
std::shared_ptr<Sequential> make_autoencoder(Rng& rng) {
    auto net = std::make_shared<Sequential>();
    net->add(std::make_shared<Linear>(784, 256, rng));
    net->add(std::make_shared<ActivationLayer>(Activation::kRelu));
    net->add(std::make_shared<Linear>(256, 64, rng));
    net->add(std::make_shared<Linear>(64, 256, rng));
    net->add(std::make_shared<ActivationLayer>(Activation::kRelu));
    net->add(std::make_shared<Linear>(256, 784, rng));
    net->add(std::make_shared<ActivationLayer>(Activation::kSigmoid));
    return net;
}

// All images of a file as float32 rows [count, rows * cols] in [0, 1].
Tensor load_flat(const std::string& path) {
    const idx::Images images = idx::read_images(path);
    const Tensor all = idx::to_tensor(images, 0, images.count);
    return all.alias({images.count, images.rows * images.cols});
}

// Copies the rows named by order[first .. first + batch) into `dst`.
void gather(const Tensor& src, const std::vector<int64_t>& order, size_t first, Tensor& dst) {
    const int64_t width = src.dim(1);
    for (int64_t row = 0; row < dst.dim(0); ++row) {
        std::memcpy(dst.data() + row * width, src.data() + order[first + row] * width,
                    static_cast<size_t>(width) * sizeof(float));
    }
}

void shuffle(std::vector<int64_t>& order, Rng& rng) {
    for (size_t i = order.size() - 1; i > 0; --i) {
        std::swap(order[i], order[rng.below(i + 1)]);
    }
}

// Mean BCE over the whole set, in fixed batches, without recording a graph.
float reconstruction_loss(Module& net, const Tensor& images) {
    NoGradGuard no_grad;
    net.eval();
    double total = 0.0;
    for (int64_t first = 0; first < images.dim(0); first += kEvalBatch) {
        const int64_t count = std::min(kEvalBatch, images.dim(0) - first);
        const Tensor batch = images.alias({count, images.dim(1)}, first * images.dim(1));
        total += static_cast<double>(ops::bce_loss(net(batch), batch).item()) * count;
    }
    net.train();
    return static_cast<float>(total / static_cast<double>(images.dim(0)));
}

int run(const Options& options, spdlog::logger& log) {
    set_num_threads(options.threads);
    const auto start = std::chrono::steady_clock::now();

    // 1. Data: every image up front; 70,000 images are 220 MB of float32.
    const Tensor train = load_flat(options.data + "/train-images-idx3-ubyte.gz");
    const Tensor test = load_flat(options.data + "/t10k-images-idx3-ubyte.gz");
    log.info("loaded {} training and {} test images from {}", train.dim(0), test.dim(0),
             options.data);

    // 2. Model and optimizer, both from the seed.
    Rng rng(options.seed);
    std::shared_ptr<Sequential> net = make_autoencoder(rng);
    Adam adam({ParamGroup{net->parameters(), 1e-3f}});
    log.info(
        "autoencoder 784-256-64-256-784 with {} parameters, {} steps of batch {} on {} "
        "threads",
        net->parameter_count(), options.steps, kBatch, options.threads);

    // 3. Train: a fresh shuffle each epoch, the mean loss logged every kLogEvery steps.
    std::vector<int64_t> order(static_cast<size_t>(train.dim(0)));
    std::iota(order.begin(), order.end(), 0);
    Rng shuffle_rng = rng.split(1);
    shuffle(order, shuffle_rng);
    size_t next = 0;
    Tensor batch = Tensor::empty({kBatch, train.dim(1)});
    double window_loss = 0.0;
    int64_t window_steps = 0;
    for (int64_t step = 1; step <= options.steps; ++step) {
        if (next + kBatch > order.size()) {
            shuffle(order, shuffle_rng);
            next = 0;
        }
        gather(train, order, next, batch);
        next += kBatch;

        adam.zero_grad();
        const Tensor loss = ops::bce_loss((*net)(batch), batch);
        loss.backward();
        adam.step();

        window_loss += loss.item();
        ++window_steps;
        if (step % kLogEvery == 0 || step == options.steps) {
            log.info("step {:>5}/{}  train loss {:.4f}", step, options.steps,
                     window_loss / static_cast<double>(window_steps));
            window_loss = 0.0;
            window_steps = 0;
        }
    }

    // 4. The figure that matters: reconstruction of images never trained on.
    const float test_loss = reconstruction_loss(*net, test);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    log.info("test reconstruction loss (BCE, mean over pixels) {:.4f}; {:.1f} s in all", test_loss,
             seconds);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    auto log = spdlog::stdout_color_mt("selfsup-demo");
    try {
        return run(parse(argc, argv), *log);
    } catch (const UsageError& error) {
        std::fprintf(stderr, "selfsup-demo: %s (see --help)\n", error.message.c_str());
        return 2;
    } catch (const selfsup::DataError& error) {
        // Only the data files can raise it here, so the fix is known.
        std::fprintf(stderr,
                     "selfsup-demo: error: %s (install Debian's dataset-fashion-mnist or pass "
                     "--data DIR)\n",
                     error.what());
        return 1;
    } catch (const selfsup::Error& error) {
        std::fprintf(stderr, "selfsup-demo: error: %s\n", error.what());
        return 1;
    }
}
