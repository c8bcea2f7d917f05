#include <catch2/catch.hpp>

#include <cstdint>

#include "selfsup/errors.hpp"
#include "selfsup/tensor.hpp"

using namespace selfsup;

TEST_CASE("a tensor knows its shape and element count", "[tensor]") {
    const Tensor tensor = Tensor::zeros({2, 3, 4, 5});
    CHECK(tensor.rank() == 4);
    CHECK(tensor.numel() == 120);
    CHECK(tensor.dim(-1) == 5);
    CHECK(tensor.shape().str() == "[2, 3, 4, 5]");
    CHECK(Tensor::scalar(3.0f).rank() == 0);
    CHECK(Tensor::scalar(3.0f).item() == 3.0f);
}

TEST_CASE("tensor storage is 64-byte aligned", "[tensor]") {
    for (int64_t size : {1, 3, 17, 1000}) {
        const Tensor tensor = Tensor::empty({size});
        CHECK(reinterpret_cast<uintptr_t>(tensor.data()) % 64 == 0);
    }
}

TEST_CASE("a shape of more than four dimensions is refused", "[tensor]") {
    CHECK_THROWS_AS((Shape{1, 2, 3, 4, 5}), ShapeError);
    CHECK_THROWS_WITH((Shape{1, 2, 3, 4, 5}), Catch::Contains("at most 4 dimensions"));
}

TEST_CASE("from_vector refuses a value count that does not fill the shape", "[tensor]") {
    CHECK_THROWS_AS(Tensor::from_vector({2, 2}, {1.0f, 2.0f, 3.0f}), ShapeError);
    CHECK_THROWS_WITH(Tensor::from_vector({2, 2}, {1.0f, 2.0f, 3.0f}),
                      Catch::Contains("3 values") && Catch::Contains("[2, 2]"));
}

TEST_CASE("detach and alias share storage while clone copies", "[tensor]") {
    Tensor tensor = Tensor::from_vector({2, 2}, {1.0f, 2.0f, 3.0f, 4.0f});
    Tensor view = tensor.alias({2}, 2);
    Tensor copy = tensor.clone();
    tensor.data()[2] = 30.0f;
    CHECK(view.to_vector() == std::vector<float>{30.0f, 4.0f});
    CHECK(copy.data()[2] == 3.0f);
    CHECK(tensor.detach().shares_storage_with(tensor));
    CHECK_FALSE(copy.shares_storage_with(tensor));
}

TEST_CASE("a view that runs past its storage is refused", "[tensor]") {
    const Tensor tensor = Tensor::zeros({4});
    CHECK_THROWS_AS(tensor.alias({3}, 2), ShapeError);
    CHECK_THROWS_WITH(tensor.alias({3}, 2), Catch::Contains("[3]") && Catch::Contains("[4]"));
}

TEST_CASE("item refuses a tensor of more than one element", "[tensor]") {
    CHECK_THROWS_WITH(Tensor::zeros({2}).item(), Catch::Contains("shape [2]"));
}
