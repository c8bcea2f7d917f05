#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <vector>

#include "selfsup/layers.hpp"
#include "selfsup/losses.hpp"
#include "selfsup/optim.hpp"
#include "selfsup/runtime.hpp"

using namespace selfsup;

namespace {

// Trains a small conv net (conv, batch norm, ReLU, linear, Adam) for a few
// steps from `seed` on data drawn from the same seed; returns the bits of
// every parameter and buffer afterwards, and of every loss on the way.
std::vector<uint32_t> train_bits(uint64_t seed) {
    Rng rng(seed);
    Sequential net;
    net.add(std::make_shared<Conv2d>(1, 8, 3, rng, ops::Conv2dOptions{1, 1}))
        .add(std::make_shared<BatchNorm2d>(8))
        .add(std::make_shared<ActivationLayer>(Activation::kRelu))
        .add(std::make_shared<Conv2d>(8, 8, 3, rng, ops::Conv2dOptions{2, 1}))
        .add(std::make_shared<Flatten>())
        .add(std::make_shared<Linear>(8 * 5 * 5, 10, rng));
    Adam adam({{net.parameters(), 1e-2f}});

    std::vector<uint32_t> bits;
    auto append = [&bits](const Tensor& tensor) {
        const size_t start = bits.size();
        bits.resize(start + static_cast<size_t>(tensor.numel()));
        std::memcpy(bits.data() + start, tensor.data(), tensor.numel() * sizeof(float));
    };
    for (int step = 0; step < 4; ++step) {
        Tensor src = Tensor::empty({16, 1, 9, 9});
        for (int64_t i = 0; i < src.numel(); ++i) src.data()[i] = rng.uniform();
        std::vector<int32_t> labels(16);
        for (int32_t& label : labels) label = static_cast<int32_t>(rng.below(10));

        adam.zero_grad();
        const Tensor loss = ops::softmax_cross_entropy(net(src), labels);
        loss.backward();
        adam.step();
        append(loss);
    }
    for (const NamedTensor& entry : net.named_parameters()) append(entry.tensor);
    for (const NamedTensor& entry : net.named_buffers()) append(entry.tensor);
    return bits;
}

}  // namespace

TEST_CASE("training from one seed at one thread count is bit-identical", "[determinism]") {
    const int threads = num_threads();
    const std::vector<uint32_t> first = train_bits(1);
    const std::vector<uint32_t> second = train_bits(1);
    CHECK(first == second);
    CHECK(train_bits(2) != first);

    set_num_threads(1);
    CHECK(train_bits(3) == train_bits(3));
    set_num_threads(threads);
}
