#include "momentum.hpp"

#include <algorithm>
#include <utility>

#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"

namespace selfsup::views {

namespace {

void check_pairs(const std::vector<NamedTensor>& a, const std::vector<NamedTensor>& b) {
    SELFSUP_CHECK(a.size() == b.size(), "pairing ", a.size(), " tensors with ", b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        SELFSUP_CHECK(a[i].name == b[i].name && a[i].tensor.shape() == b[i].tensor.shape(),
                      "pairing ", a[i].name, " ", a[i].tensor.shape().str(), " with ", b[i].name,
                      " ", b[i].tensor.shape().str());
    }
}

void ema_tensors(const std::vector<NamedTensor>& target, const std::vector<NamedTensor>& online,
                 float momentum) {
    check_pairs(target, online);
    const float keep = momentum;
    const float take = 1.0f - momentum;
    for (size_t i = 0; i < target.size(); ++i) {
        Tensor dst = target[i].tensor;
        float* values = dst.data();
        const float* src = online[i].tensor.data();
        for (int64_t j = 0; j < dst.numel(); ++j) values[j] = keep * values[j] + take * src[j];
    }
}

std::vector<NamedTensor> clone_all(const std::vector<NamedTensor>& tensors) {
    std::vector<NamedTensor> copies;
    copies.reserve(tensors.size());
    for (const NamedTensor& named : tensors) copies.push_back({named.name, named.tensor.clone()});
    return copies;
}

// Exchanges the values of `module` tensors and `state` for its lifetime: the
// constructor swaps them in, the destructor swaps them back.
class SwappedIn {
public:
    SwappedIn(std::vector<NamedTensor> module, const std::vector<NamedTensor>& state)
        : module_(std::move(module)), state_(state) {
        exchange();
    }
    ~SwappedIn() { exchange(); }
    SwappedIn(const SwappedIn&) = delete;
    SwappedIn& operator=(const SwappedIn&) = delete;

private:
    void exchange() {
        for (size_t i = 0; i < module_.size(); ++i) {
            Tensor live = module_[i].tensor;
            Tensor kept = state_[i].tensor;
            std::swap_ranges(live.data(), live.data() + live.numel(), kept.data());
        }
    }

    std::vector<NamedTensor> module_;
    const std::vector<NamedTensor>& state_;
};

}  // namespace

void ema_update(Module& target, const Module& online, float momentum) {
    ema_tensors(target.named_parameters(), online.named_parameters(), momentum);
}

MomentumEncoder::MomentumEncoder(std::string plugin, const Encoder& encoder)
    : plugin_(std::move(plugin)),
      parameters_(clone_all(encoder.named_parameters())),
      buffers_(clone_all(encoder.named_buffers())) {}

Tensor MomentumEncoder::forward(Encoder& encoder, const Tensor& src, const char* caller) {
    check_matches(encoder, caller);
    NoGradGuard no_grad;
    const SwappedIn parameters(encoder.named_parameters(), parameters_);
    const SwappedIn buffers(encoder.named_buffers(), buffers_);
    // The result is fresh storage, not a view of a swapped tensor.
    return encoder.forward(src).clone();
}

void MomentumEncoder::update(const Encoder& encoder, float momentum) {
    check_matches(encoder, "after_step");
    ema_tensors(parameters_, encoder.named_parameters(), momentum);
}

void MomentumEncoder::check_matches(const Encoder& encoder, const char* caller) const {
    const auto compare = [&](const std::vector<NamedTensor>& live,
                             const std::vector<NamedTensor>& kept, const char* what) {
        const auto fail = [&](const std::string& difference) {
            throw ShapeError(detail::concat(
                plugin_, " ", caller, ": the encoder is not the one the pretext was made for (",
                difference, "); a pretext serves the encoder given when it was built"));
        };
        if (live.size() != kept.size()) {
            fail(detail::concat("it has ", live.size(), " ", what, "s, the target ", kept.size()));
        }
        for (size_t i = 0; i < live.size(); ++i) {
            if (live[i].name != kept[i].name || live[i].tensor.shape() != kept[i].tensor.shape()) {
                fail(detail::concat(what, " ", i, " is ", live[i].name, " ",
                                    live[i].tensor.shape().str(), ", the target's ", kept[i].name,
                                    " ", kept[i].tensor.shape().str()));
            }
        }
    };
    compare(encoder.named_parameters(), parameters_, "parameter");
    compare(encoder.named_buffers(), buffers_, "buffer");
}

}  // namespace selfsup::views
