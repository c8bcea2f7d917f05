#include "selfsup/idx.hpp"

#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "selfsup/errors.hpp"

using namespace selfsup;
namespace fs = std::filesystem;

namespace {

using Bytes = std::vector<uint8_t>;

// A scratch folder removed with everything in it when the test ends.
class TempDir {
public:
    TempDir() {
        path_ = fs::temp_directory_path() / ("selfsup-idx-test-" + std::to_string(::getpid()) +
                                             "-" + std::to_string(counter_++));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    static inline int counter_ = 0;
    fs::path path_;
};

void put_u32(Bytes& out, uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(uint8_t(value >> shift));
}

void put_u32_le(Bytes& out, uint32_t value) {
    for (int shift = 0; shift < 32; shift += 8) out.push_back(uint8_t(value >> shift));
}

Bytes idx_bytes(uint32_t magic, const std::vector<uint32_t>& dims, const Bytes& payload) {
    Bytes out;
    put_u32(out, magic);
    for (const uint32_t dim : dims) put_u32(out, dim);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

uint32_t crc32_of(const Bytes& data) {
    uint32_t crc = 0xffffffffu;
    for (const uint8_t byte : data) {
        crc ^= byte;
        for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

// A gzip member holding `data` in stored (uncompressed) deflate blocks. The
// test program does not link zlib itself (the SDK links it privately), and
// stored blocks are enough to exercise the SDK's gzip path.
Bytes gzip_bytes(const Bytes& data) {
    Bytes out = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    size_t offset = 0;
    do {
        const size_t size = std::min<size_t>(data.size() - offset, 65535);
        const bool last = offset + size == data.size();
        out.push_back(last ? 1 : 0);
        out.push_back(uint8_t(size));
        out.push_back(uint8_t(size >> 8));
        out.push_back(uint8_t(~size));
        out.push_back(uint8_t(~size >> 8));
        out.insert(out.end(), data.begin() + long(offset), data.begin() + long(offset + size));
        offset += size;
    } while (offset < data.size());
    put_u32_le(out, crc32_of(data));
    put_u32_le(out, uint32_t(data.size()));
    return out;
}

void write_file(const std::string& path, const Bytes& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), long(bytes.size()));
}

// Three 2x3 images whose pixels count up from 0, with a 255 at the very end.
Bytes three_images_payload() {
    Bytes pixels(18);
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = uint8_t(i * 10);
    pixels.back() = 255;
    return pixels;
}

}  // namespace

TEST_CASE("a plain images file is read with its sizes and pixels", "[idx]") {
    TempDir dir;
    write_file(dir.file("images"), idx_bytes(0x803, {3, 2, 3}, three_images_payload()));
    const idx::Images images = idx::read_images(dir.file("images"));
    CHECK(images.count == 3);
    CHECK(images.rows == 2);
    CHECK(images.cols == 3);
    CHECK(images.pixels == three_images_payload());
}

TEST_CASE("gzipped images and labels read the same as plain ones", "[idx]") {
    TempDir dir;
    // Large enough to span several deflate blocks and several read chunks.
    Bytes pixels(5 * 300 * 1000);
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = uint8_t(i * 7 + i / 1000);
    const Bytes images_file = idx_bytes(0x803, {5, 300, 1000}, pixels);
    write_file(dir.file("images.gz"), gzip_bytes(images_file));
    write_file(dir.file("images"), images_file);
    const Bytes labels = {3, 1, 4, 1, 5, 9, 2, 6};
    write_file(dir.file("labels.gz"), gzip_bytes(idx_bytes(0x801, {8}, labels)));

    const idx::Images zipped = idx::read_images(dir.file("images.gz"));
    const idx::Images plain = idx::read_images(dir.file("images"));
    CHECK(zipped.count == 5);
    CHECK(zipped.rows == 300);
    CHECK(zipped.cols == 1000);
    CHECK(zipped.pixels == pixels);
    CHECK(plain.pixels == pixels);
    CHECK(idx::read_labels(dir.file("labels.gz")) == labels);
}

TEST_CASE("to_tensor scales pixels to the unit range in shape count x 1 x rows x cols", "[idx]") {
    TempDir dir;
    write_file(dir.file("images"), idx_bytes(0x803, {3, 2, 3}, three_images_payload()));
    const idx::Images images = idx::read_images(dir.file("images"));

    const Tensor all = idx::to_tensor(images, 0, 3);
    CHECK(all.shape() == Shape{3, 1, 2, 3});
    for (int64_t i = 0; i < all.numel(); ++i) {
        CHECK(all.data()[i] == images.pixels[size_t(i)] / 255.0f);
    }
    CHECK(all.data()[0] == 0.0f);
    CHECK(all.data()[17] == 1.0f);

    const Tensor last_two = idx::to_tensor(images, 1, 2);
    CHECK(last_two.shape() == Shape{2, 1, 2, 3});
    CHECK(last_two.data()[0] == Approx(60.0f / 255.0f));
}

TEST_CASE("to_tensor refuses a range outside the images", "[idx]") {
    TempDir dir;
    write_file(dir.file("images"), idx_bytes(0x803, {3, 2, 3}, three_images_payload()));
    const idx::Images images = idx::read_images(dir.file("images"));
    CHECK_THROWS_AS(idx::to_tensor(images, 2, 2), DataError);
    CHECK_THROWS_WITH(idx::to_tensor(images, 2, 2), Catch::Contains("holds 3"));
    CHECK_THROWS_AS(idx::to_tensor(images, -1, 1), DataError);
}

TEST_CASE("a missing file is a DataError naming it", "[idx]") {
    TempDir dir;
    const std::string path = dir.file("absent.gz");
    CHECK_THROWS_AS(idx::read_images(path), DataError);
    CHECK_THROWS_WITH(idx::read_images(path), Catch::Contains(path) && Catch::Contains("no such"));
    CHECK_THROWS_AS(idx::read_labels(path), DataError);
}

TEST_CASE("a wrong magic number is reported with the value found", "[idx]") {
    TempDir dir;
    write_file(dir.file("labels"), idx_bytes(0x801, {4}, {1, 2, 3, 4}));
    write_file(dir.file("junk"), Bytes{'<', 'h', 't', 'm', 'l', '>', 0, 0});

    CHECK_THROWS_AS(idx::read_images(dir.file("labels")), DataError);
    CHECK_THROWS_WITH(idx::read_images(dir.file("labels")),
                      Catch::Contains(dir.file("labels")) && Catch::Contains("0x00000801") &&
                          Catch::Contains("expected 0x00000803") && Catch::Contains("labels file"));
    CHECK_THROWS_WITH(idx::read_labels(dir.file("junk")),
                      Catch::Contains("0x3c68746d") && Catch::Contains("expected 0x00000801"));
}

TEST_CASE("a truncated header or payload is reported with expected and actual sizes", "[idx]") {
    TempDir dir;
    Bytes short_payload = idx_bytes(0x803, {3, 2, 3}, three_images_payload());
    short_payload.resize(short_payload.size() - 4);
    write_file(dir.file("short"), short_payload);
    write_file(dir.file("short.gz"), gzip_bytes(short_payload));
    write_file(dir.file("header"), Bytes{0, 0, 8, 3, 0, 0});

    for (const char* name : {"short", "short.gz"}) {
        CHECK_THROWS_AS(idx::read_images(dir.file(name)), DataError);
        CHECK_THROWS_WITH(idx::read_images(dir.file(name)),
                          Catch::Contains(dir.file(name)) && Catch::Contains("truncated") &&
                              Catch::Contains("18 payload bytes") && Catch::Contains("holds 14"));
    }
    CHECK_THROWS_WITH(idx::read_images(dir.file("header")),
                      Catch::Contains("truncated header") && Catch::Contains("got 2"));
}

TEST_CASE("a gzip stream cut short is a DataError, not a silent short read", "[idx]") {
    TempDir dir;
    Bytes zipped = gzip_bytes(idx_bytes(0x803, {3, 2, 3}, three_images_payload()));
    zipped.resize(zipped.size() - 16);
    write_file(dir.file("cut.gz"), zipped);
    CHECK_THROWS_AS(idx::read_images(dir.file("cut.gz")), DataError);
    CHECK_THROWS_WITH(idx::read_images(dir.file("cut.gz")), Catch::Contains("cut.gz"));
}

TEST_CASE("data past the payload the header describes is refused", "[idx]") {
    TempDir dir;
    write_file(dir.file("long"), idx_bytes(0x801, {2}, {1, 2, 3}));
    CHECK_THROWS_AS(idx::read_labels(dir.file("long")), DataError);
    CHECK_THROWS_WITH(idx::read_labels(dir.file("long")), Catch::Contains("past the 2 payload"));
}

TEST_CASE("a header claiming 2^31 images in a tiny file fails fast without allocating", "[idx]") {
    TempDir dir;
    write_file(dir.file("huge"), idx_bytes(0x803, {1u << 31, 28, 28}, Bytes(84, 7)));
    write_file(dir.file("huge-labels"), idx_bytes(0x801, {1u << 31}, Bytes(92, 7)));
    write_file(dir.file("overflow"),
               idx_bytes(0x803, {0xffffffffu, 0xffffffffu, 0xffffffffu}, Bytes(84, 7)));

    // Allocating what the header claims (1.7 TB) would throw bad_alloc or take
    // far longer than this bound; reading in bounded chunks refuses it at once.
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(idx::read_images(dir.file("huge")), DataError);
    CHECK_THROWS_WITH(
        idx::read_images(dir.file("huge")),
        Catch::Contains("1683627180032 payload bytes") && Catch::Contains("holds 84"));
    CHECK_THROWS_WITH(idx::read_labels(dir.file("huge-labels")),
                      Catch::Contains("2147483648 payload bytes") && Catch::Contains("holds 92"));
    CHECK_THROWS_WITH(idx::read_images(dir.file("overflow")), Catch::Contains("2^64"));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
}

TEST_CASE("the real Fashion-MNIST training labels hold 6,000 of each class", "[idx][data]") {
    const std::string path = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz";
    if (!fs::exists(path)) {
        WARN("skipped: " << path << " is absent (Debian package dataset-fashion-mnist)");
        return;
    }
    const std::vector<uint8_t> labels = idx::read_labels(path);
    REQUIRE(labels.size() == 60000);
    std::array<int, 10> per_class{};
    int out_of_range = 0;
    for (const uint8_t label : labels) {
        if (label < 10)
            ++per_class[label];
        else
            ++out_of_range;
    }
    CHECK(out_of_range == 0);
    for (const int count : per_class) CHECK(count == 6000);
}
