// selfsup-bench: the speed figures of the reference workload
// (/work/shared/reference-workload.md), measured the same way as
// bench/torch_reference.py measures PyTorch:
//   - train throughput: images/s of one autoencoder pretraining step of E + D
//     (forward, BCE against the clean image, backward, Adam), batch 128;
//   - inference throughput: images/s of E's forward, batch 256, no graph;
//   - peak resident memory of the process after the training measurement.
// Each figure is the median over several timed repetitions after a warm-up;
// inputs are uniform random in [0, 1), which does not change the speed.
//
//   selfsup-bench [--threads N] [--reps N] [--json]

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/layers.hpp"
#include "selfsup/losses.hpp"
#include "selfsup/module.hpp"
#include "selfsup/optim.hpp"
#include "selfsup/rng.hpp"
#include "selfsup/runtime.hpp"

namespace {

using namespace selfsup;
using Clock = std::chrono::steady_clock;

constexpr int64_t kTrainBatch = 128;
constexpr int64_t kInferenceBatch = 256;
constexpr int kWarmupSteps = 5;
// Steps per timed repetition: long enough that the clock's resolution and one
// odd step do not matter, short enough to leave room for several repetitions.
constexpr int kTrainStepsPerRep = 5;
constexpr int kInferenceStepsPerRep = 10;
constexpr int64_t kEncoderParameters = 457280;

struct Options {
    int threads = 2;
    int reps = 7;
    bool json = false;
};

struct Figures {
    double train_images_per_s = 0.0;
    double inference_images_per_s = 0.0;
    double peak_rss_mib = 0.0;
    float last_loss = 0.0f;
};

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr,
                 "selfsup-bench: %s\nusage: selfsup-bench [--threads N] [--reps N] "
                 "[--json]\n",
                 message.c_str());
    std::exit(2);
}

int parse_positive(const std::string& flag, const char* text) {
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || value < 1 || value > 1024) {
        usage_error(flag + " wants an integer from 1 to 1024, got '" + text + "'");
    }
    return static_cast<int>(value);
}

Options parse(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--json") {
            options.json = true;
        } else if ((flag == "--threads" || flag == "--reps") && i + 1 < argc) {
            (flag == "--threads" ? options.threads : options.reps) =
                parse_positive(flag, argv[++i]);
        } else {
            usage_error("unknown flag or missing value: " + flag);
        }
    }
    return options;
}

// E: conv 1->32 s1, conv 32->64 s2, conv 64->64 s2 (3x3, pad 1, ReLU each),
// flatten, linear 3136->128.
std::shared_ptr<Sequential> make_encoder(Rng& rng) {
    auto net = std::make_shared<Sequential>();
    net->add(std::make_shared<Conv2d>(1, 32, 3, rng, ops::Conv2dOptions{1, 1}));
    net->add(std::make_shared<ActivationLayer>(Activation::kRelu));
    net->add(std::make_shared<Conv2d>(32, 64, 3, rng, ops::Conv2dOptions{2, 1}));
    net->add(std::make_shared<ActivationLayer>(Activation::kRelu));
    net->add(std::make_shared<Conv2d>(64, 64, 3, rng, ops::Conv2dOptions{2, 1}));
    net->add(std::make_shared<ActivationLayer>(Activation::kRelu));
    net->add(std::make_shared<Flatten>());
    net->add(std::make_shared<Linear>(3136, 128, rng));
    return net;
}

// D: linear 128->3136, ReLU, [64, 7, 7], transposed conv 64->32 and 32->1
// (4x4, stride 2, pad 1) with a ReLU between, sigmoid.
std::shared_ptr<Sequential> make_decoder(Rng& rng) {
    auto net = std::make_shared<Sequential>();
    net->add(std::make_shared<Linear>(128, 3136, rng));
    net->add(std::make_shared<ActivationLayer>(Activation::kRelu));
    net->add(std::make_shared<Reshape>(Shape{64, 7, 7}));
    net->add(std::make_shared<ConvTranspose2d>(64, 32, 4, rng, ops::ConvTranspose2dOptions{2, 1}));
    net->add(std::make_shared<ActivationLayer>(Activation::kRelu));
    net->add(std::make_shared<ConvTranspose2d>(32, 1, 4, rng, ops::ConvTranspose2dOptions{2, 1}));
    net->add(std::make_shared<ActivationLayer>(Activation::kSigmoid));
    return net;
}

Tensor random_images(int64_t count, Rng& rng) {
    Tensor images = Tensor::empty({count, 1, 28, 28});
    for (int64_t i = 0; i < images.numel(); ++i) images.data()[i] = rng.uniform();
    return images;
}

// Runs `body` `steps` times per repetition and returns the median images/s.
template <typename Body>
double median_images_per_s(int reps, int steps, int64_t batch, Body&& body) {
    std::vector<double> rates;
    for (int rep = 0; rep < reps; ++rep) {
        const Clock::time_point start = Clock::now();
        for (int step = 0; step < steps; ++step) body();
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        rates.push_back(static_cast<double>(steps * batch) / seconds);
    }
    std::sort(rates.begin(), rates.end());
    return rates[rates.size() / 2];
}

double peak_rss_mib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

Figures measure(const Options& options) {
    set_num_threads(options.threads);
    Rng rng(0);
    std::shared_ptr<Sequential> encoder = make_encoder(rng);
    std::shared_ptr<Sequential> decoder = make_decoder(rng);
    SELFSUP_CHECK(encoder->parameter_count() == kEncoderParameters,
                  "E must match the reference workload; it has ", encoder->parameter_count());
    std::vector<Tensor> params = encoder->parameters();
    for (const Tensor& param : decoder->parameters()) params.push_back(param);
    Adam adam({ParamGroup{params, 1e-3f}});
    Figures figures;

    // 1. Train: one full autoencoder step per call, as a training loop runs it.
    const Tensor train_images = random_images(kTrainBatch, rng);
    auto train_step = [&] {
        adam.zero_grad();
        const Tensor loss = ops::bce_loss((*decoder)((*encoder)(train_images)), train_images);
        loss.backward();
        adam.step();
        figures.last_loss = loss.item();
    };
    for (int step = 0; step < kWarmupSteps; ++step) train_step();
    const uint64_t primitives_before = primitives_created();
    figures.train_images_per_s =
        median_images_per_s(options.reps, kTrainStepsPerRep, kTrainBatch, train_step);
    if (primitives_created() != primitives_before) {
        std::fprintf(stderr,
                     "selfsup-bench: warning: %llu oneDNN primitives were created "
                     "during the timed training steps; the step is not steady\n",
                     static_cast<unsigned long long>(primitives_created() - primitives_before));
    }
    figures.peak_rss_mib = peak_rss_mib();

    // 2. Inference: E alone, without recording a graph.
    const Tensor inference_images = random_images(kInferenceBatch, rng);
    NoGradGuard no_grad;
    encoder->eval();
    auto inference_step = [&] { (*encoder)(inference_images); };
    for (int step = 0; step < kWarmupSteps; ++step) inference_step();
    figures.inference_images_per_s =
        median_images_per_s(options.reps, kInferenceStepsPerRep, kInferenceBatch, inference_step);
    return figures;
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);
    try {
        const Figures figures = measure(options);
        if (options.json) {
            std::printf(
                "{\"framework\": \"selfsup\", \"threads\": %d, \"reps\": %d, "
                "\"train_batch\": %lld, \"inference_batch\": %lld, "
                "\"train_images_per_s\": %.1f, \"inference_images_per_s\": %.1f, "
                "\"peak_rss_mib\": %.1f, \"last_loss\": %.5f}\n",
                options.threads, options.reps, static_cast<long long>(kTrainBatch),
                static_cast<long long>(kInferenceBatch), figures.train_images_per_s,
                figures.inference_images_per_s, figures.peak_rss_mib,
                static_cast<double>(figures.last_loss));
        } else {
            std::printf("selfsup, %d threads, median of %d repetitions\n", options.threads,
                        options.reps);
            std::printf("  train (E+D, batch %lld):   %9.1f images/s\n",
                        static_cast<long long>(kTrainBatch), figures.train_images_per_s);
            std::printf("  inference (E, batch %lld): %9.1f images/s\n",
                        static_cast<long long>(kInferenceBatch), figures.inference_images_per_s);
            std::printf("  peak resident memory:     %9.1f MiB\n", figures.peak_rss_mib);
        }
        return 0;
    } catch (const selfsup::Error& error) {
        std::fprintf(stderr, "selfsup-bench: error: %s\n", error.what());
        return 1;
    }
}
