#include "selfsup/shape.hpp"

#include "selfsup/errors.hpp"

namespace selfsup {

Shape::Shape(std::initializer_list<int64_t> dims) {
    for (int64_t dim : dims) push_back(dim);
}

void Shape::push_back(int64_t dim) {
    if (rank_ == kMaxRank) {
        throw ShapeError(detail::concat("a shape has at most ", kMaxRank,
                                        " dimensions; cannot append ", dim, " to ", str()));
    }
    if (dim < 0) {
        throw ShapeError(detail::concat("negative dimension ", dim, " appended to ", str()));
    }
    dims_[rank_++] = dim;
}

int64_t Shape::numel() const {
    int64_t count = 1;
    for (int axis = 0; axis < rank_; ++axis) count *= dims_[axis];
    return count;
}

int64_t Shape::inner_numel() const {
    int64_t count = 1;
    for (int axis = 1; axis < rank_; ++axis) count *= dims_[axis];
    return count;
}

bool Shape::operator==(const Shape& other) const {
    if (rank_ != other.rank_) return false;
    for (int axis = 0; axis < rank_; ++axis) {
        if (dims_[axis] != other.dims_[axis]) return false;
    }
    return true;
}

std::string Shape::str() const {
    std::string text = "[";
    for (int axis = 0; axis < rank_; ++axis) {
        if (axis > 0) text += ", ";
        text += std::to_string(dims_[axis]);
    }
    return text + "]";
}

}  // namespace selfsup
