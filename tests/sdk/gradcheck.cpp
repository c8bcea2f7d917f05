#include "gradcheck.hpp"

#include <cmath>
#include <sstream>

#include "selfsup/autograd.hpp"

namespace selfsup::testing {

namespace {

double weighted_sum(const Tensor& dst, const std::vector<float>& weights) {
    double total = 0.0;
    const float* values = dst.data();
    for (int64_t i = 0; i < dst.numel(); ++i) total += static_cast<double>(values[i]) * weights[i];
    return total;
}

// sum(dst * weights) as a recorded op, so backward() starts from it.
Tensor probe(const Tensor& dst, const std::vector<float>& weights) {
    Tensor loss = Tensor::scalar(static_cast<float>(weighted_sum(dst, weights)));
    return record("probe", loss, {dst}, [weights, shape = dst.shape()](const Tensor& diff) {
        std::vector<float> scaled(weights);
        for (float& value : scaled) value *= diff.item();
        return std::vector<Tensor>{Tensor::from_vector(shape, scaled)};
    });
}

}  // namespace

Tensor random_input(const Shape& shape, Rng& rng, float low, float high) {
    Tensor tensor = Tensor::empty(shape);
    for (int64_t i = 0; i < tensor.numel(); ++i) tensor.data()[i] = rng.uniform(low, high);
    tensor.set_requires_grad(true);
    return tensor;
}

Tensor random_input_away_from_zero(const Shape& shape, Rng& rng, float margin) {
    Tensor tensor = random_input(shape, rng);
    for (int64_t i = 0; i < tensor.numel(); ++i) {
        float& value = tensor.data()[i];
        value = std::copysign(margin + std::fabs(value), value);
    }
    return tensor;
}

std::string gradient_mismatch(const OpUnderTest& op, const std::vector<Tensor>& inputs,
                              const GradCheckOptions& options) {
    Rng rng(1234);
    for (const Tensor& input : inputs) const_cast<Tensor&>(input).zero_grad();
    Tensor dst = op(inputs);
    std::vector<float> weights(static_cast<size_t>(dst.numel()));
    for (float& weight : weights) weight = rng.uniform(-1.0f, 1.0f);
    probe(dst, weights).backward();

    std::ostringstream report;
    int failures = 0;
    for (size_t which = 0; which < inputs.size(); ++which) {
        Tensor input = inputs[which];
        if (!input.requires_grad()) continue;
        const Tensor analytic = input.grad();
        if (!analytic.defined()) {
            report << "input " << which << ": no gradient reached it\n";
            ++failures;
            continue;
        }
        for (int64_t i = 0; i < input.numel(); ++i) {
            float& element = input.data()[i];
            const float original = element;
            element = original + options.eps;
            const double plus = weighted_sum(op(inputs), weights);
            element = original - options.eps;
            const double minus = weighted_sum(op(inputs), weights);
            element = original;
            const double numeric = (plus - minus) / (2.0 * options.eps);
            const double got = analytic.data()[i];
            const double allowed =
                options.absolute_tolerance + options.relative_tolerance * std::fabs(numeric);
            if (!(std::fabs(got - numeric) <= allowed) && failures++ < 8) {
                report << "input " << which << " " << input.shape().str() << " element " << i
                       << ": backward " << got << ", finite difference " << numeric << "\n";
            }
        }
    }
    if (failures > 8) report << "... " << failures << " mismatches in all\n";
    return report.str();
}

}  // namespace selfsup::testing
