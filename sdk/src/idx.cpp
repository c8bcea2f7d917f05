#include "selfsup/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>

#include "selfsup/errors.hpp"
#include "selfsup/label_guard.hpp"

namespace selfsup::idx {

namespace {

constexpr uint32_t kImagesMagic = 0x00000803;
constexpr uint32_t kLabelsMagic = 0x00000801;
// The payload is read in pieces of at most this size, so memory grows with
// what the file really holds rather than with what its header claims.
constexpr size_t kChunkBytes = size_t{1} << 20;

std::string hex(uint32_t value) {
    char text[11];
    std::snprintf(text, sizeof(text), "0x%08x", value);
    return text;
}

// An open IDX file; gzread reads gzip and plain files alike.
class Reader {
public:
    explicit Reader(const std::string& path) : path_(path) {
        std::error_code ignored;
        if (!std::filesystem::exists(path, ignored)) fail("no such file");
        if (std::filesystem::is_directory(path, ignored)) fail("is a directory, not a file");
        file_ = gzopen(path.c_str(), "rb");
        if (file_ == nullptr) fail(detail::concat("cannot open: ", std::strerror(errno)));
        gzbuffer(file_, 256 * 1024);
    }
    ~Reader() { gzclose(file_); }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    [[noreturn]] void fail(const std::string& what) const {
        throw DataError(detail::concat("IDX file '", path_, "': ", what));
    }

    // Reads up to `size` bytes; returns how many arrived (fewer at end of file).
    size_t read_some(uint8_t* dst, size_t size) {
        size_t total = 0;
        while (total < size) {
            const unsigned piece = static_cast<unsigned>(std::min(size - total, kChunkBytes));
            const int got = gzread(file_, dst + total, piece);
            if (got < 0) {
                int code = 0;
                fail(detail::concat("corrupt or truncated data after ", total,
                                    " bytes of this read: ", gzerror(file_, &code)));
            }
            if (got == 0) break;
            total += static_cast<size_t>(got);
        }
        return total;
    }

    uint32_t read_u32(const char* what) {
        uint8_t bytes[4];
        const size_t got = read_some(bytes, 4);
        if (got != 4) {
            fail(
                detail::concat("truncated header: expected 4 bytes for the ", what, ", got ", got));
        }
        return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
               uint32_t{bytes[3]};
    }

    // Checks the magic number, then returns the dimensions that follow it.
    std::vector<uint32_t> read_header(uint32_t magic, const char* kind) {
        const uint32_t found = read_u32("magic number");
        if (found != magic) {
            const char* hint = found == kImagesMagic   ? " (this is an images file)"
                               : found == kLabelsMagic ? " (this is a labels file)"
                                                       : "";
            fail(detail::concat("wrong magic number ", hex(found), hint, ", expected ", hex(magic),
                                " for an IDX ", kind, " file"));
        }
        std::vector<uint32_t> dims(magic & 0xff);
        for (uint32_t& dim : dims) dim = read_u32("dimensions");
        return dims;
    }

    // Reads exactly `expected` payload bytes, growing the buffer only as data
    // arrives, and insists the file ends there.
    std::vector<uint8_t> read_payload(uint64_t expected) {
        std::vector<uint8_t> payload;
        uint64_t total = 0;
        while (total < expected) {
            const size_t piece =
                static_cast<size_t>(std::min<uint64_t>(expected - total, kChunkBytes));
            payload.resize(static_cast<size_t>(total) + piece);
            const size_t got = read_some(payload.data() + total, piece);
            total += got;
            if (got < piece) {
                fail(detail::concat("truncated: the header promises ", expected,
                                    " payload bytes but the file holds ", total));
            }
        }
        uint8_t extra = 0;
        if (read_some(&extra, 1) != 0) {
            fail(detail::concat("has data past the ", expected,
                                " payload bytes its header describes"));
        }
        return payload;
    }

private:
    std::string path_;
    gzFile file_ = nullptr;
};

uint64_t checked_product(const std::vector<uint32_t>& dims, const Reader& reader) {
    // Three 32-bit dimensions can overflow 64 bits; such a header is nonsense anyway.
    uint64_t product = 1;
    for (const uint32_t dim : dims) {
        if (dim != 0 && product > std::numeric_limits<uint64_t>::max() / dim) {
            reader.fail("header dimensions multiply past 2^64 bytes");
        }
        product *= dim;
    }
    return product;
}

}  // namespace

Images read_images(const std::string& path) {
    Reader reader(path);
    const std::vector<uint32_t> dims = reader.read_header(kImagesMagic, "images");
    Images images;
    images.count = dims[0];
    images.rows = dims[1];
    images.cols = dims[2];
    images.pixels = reader.read_payload(checked_product(dims, reader));
    return images;
}

std::vector<uint8_t> read_labels(const std::string& path) {
    detail::check_labels_allowed("IDX labels file '" + path + "'");
    Reader reader(path);
    const std::vector<uint32_t> dims = reader.read_header(kLabelsMagic, "labels");
    return reader.read_payload(dims[0]);
}

Tensor to_tensor(const Images& images, int64_t first, int64_t count) {
    if (first < 0 || count < 0 || first + count > images.count) {
        throw DataError(detail::concat("idx::to_tensor: images ", first, " to ", first + count,
                                       " requested, but the set holds ", images.count));
    }
    const int64_t pixels_per_image = images.rows * images.cols;
    Tensor dst = Tensor::empty({count, 1, images.rows, images.cols});
    const uint8_t* src = images.pixels.data() + first * pixels_per_image;
    float* out = dst.data();
    const int64_t n = count * pixels_per_image;
    // Division rather than a reciprocal multiply, so values match x / 255 exactly.
#pragma omp parallel for schedule(static) if (n > (int64_t{1} << 20))
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(src[i]) / 255.0f;
    return dst;
}

}  // namespace selfsup::idx
