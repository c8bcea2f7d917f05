// The example op of docs/writing-a-plugin.md (docs/examples/softplus.hpp),
// held to what the guide asks of every op: values, and a gradient that
// matches finite differences.

#include <catch2/catch.hpp>
#include <cmath>

#include "gradcheck.hpp"
#include "softplus.hpp"

using namespace selfsup;
using selfsup::testing::gradient_mismatch;
using selfsup::testing::random_input;

TEST_CASE("the guide's softplus gives log(1 + exp(x)) without overflow", "[ops][docs]") {
    const Tensor src = Tensor::from_vector({4}, {0.0f, 1.0f, -30.0f, 100.0f});
    const std::vector<float> dst = my_plugin::softplus(src).to_vector();
    CHECK(dst[0] == Approx(std::log(2.0f)).epsilon(1e-6));
    CHECK(dst[1] == Approx(std::log1p(std::exp(1.0f))).epsilon(1e-6));
    CHECK(dst[2] == Approx(std::exp(-30.0f)).epsilon(1e-4));
    CHECK(dst[3] == Approx(100.0f).epsilon(1e-6));
}

// [doc:gradcheck]
TEST_CASE("the guide's softplus has a gradient that matches finite differences",
          "[ops][docs][grad]") {
    Rng rng(41);
    const Shape shape = GENERATE(Shape{}, Shape{5}, Shape{2, 3, 4, 5});
    Tensor src = random_input(shape, rng, -4.0f, 4.0f);
    CHECK(gradient_mismatch([](auto& s) { return my_plugin::softplus(s[0]); }, {src}) == "");
}
// [doc:gradcheck]

TEST_CASE("the guide's softplus records nothing when no gradient is wanted", "[ops][docs]") {
    const Tensor src = Tensor::full({3}, 0.5f);
    CHECK(my_plugin::softplus(src).producer() == "");
    Tensor leaf = Tensor::full({3}, 0.5f);
    leaf.set_requires_grad(true);
    CHECK(my_plugin::softplus(leaf).producer() == "softplus");
}
