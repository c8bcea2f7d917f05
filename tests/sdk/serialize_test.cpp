#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "selfsup/errors.hpp"
#include "selfsup/layers.hpp"
#include "selfsup/serialize.hpp"

using namespace selfsup;
namespace fs = std::filesystem;

namespace {

// A scratch directory removed when the test ends.
struct ScratchDir {
    fs::path path = fs::temp_directory_path() /
                    ("selfsup_serialize_" + std::to_string(::getpid()));
    ScratchDir() { fs::create_directories(path); }
    ~ScratchDir() { fs::remove_all(path); }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

// Conv + batch norm + linear: parameters and buffers, ranks 1, 2 and 4.
std::unique_ptr<Sequential> small_net(uint64_t seed, int64_t conv_channels = 4,
                                      bool with_linear = true) {
    Rng rng(seed);
    auto net = std::make_unique<Sequential>();
    net->add(std::make_shared<Conv2d>(1, conv_channels, 3, rng))
        .add(std::make_shared<BatchNorm2d>(conv_channels));
    if (with_linear) net->add(std::make_shared<Linear>(conv_channels * 4, 3, rng));
    // Make the buffers differ between seeds too.
    for (NamedTensor& buffer : net->named_buffers()) {
        for (int64_t i = 0; i < buffer.tensor.numel(); ++i) {
            buffer.tensor.data()[i] = rng.uniform(0.5f, 1.5f);
        }
    }
    return net;
}

// Every parameter and buffer value, bit for bit.
std::vector<std::vector<uint32_t>> bits_of(const Module& module) {
    std::vector<std::vector<uint32_t>> bits;
    std::vector<NamedTensor> entries = module.named_parameters();
    for (NamedTensor& buffer : module.named_buffers()) entries.push_back(buffer);
    for (const NamedTensor& entry : entries) {
        std::vector<uint32_t> words(static_cast<size_t>(entry.tensor.numel()));
        std::memcpy(words.data(), entry.tensor.data(), words.size() * sizeof(uint32_t));
        bits.push_back(std::move(words));
    }
    return bits;
}

std::string read_bytes(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Loading `path` into `module` throws DataError naming the path and every
// fragment, and leaves the module as it was.
void check_load_fails(Module& module, const std::string& path,
                      const std::vector<std::string>& fragments) {
    const auto before = bits_of(module);
    try {
        load_module(module, path);
        FAIL("load_module accepted " << path);
    } catch (const DataError& error) {
        const std::string message = error.what();
        CHECK_THAT(message, Catch::Contains(path));
        for (const std::string& fragment : fragments) {
            CHECK_THAT(message, Catch::Contains(fragment));
        }
    }
    CHECK(bits_of(module) == before);
}

}  // namespace

TEST_CASE("a module round-trips through a file bit for bit", "[serialize]") {
    ScratchDir scratch;
    const std::string path = scratch.file("net.ssm");
    auto saved = small_net(1);
    auto loaded = small_net(2);
    REQUIRE(bits_of(*saved) != bits_of(*loaded));
    save_module(*saved, path);
    load_module(*loaded, path);
    CHECK(bits_of(*loaded) == bits_of(*saved));
    CHECK_FALSE(fs::exists(path + ".tmp"));
}

TEST_CASE("saving twice replaces the file", "[serialize]") {
    ScratchDir scratch;
    const std::string path = scratch.file("net.ssm");
    save_module(*small_net(1), path);
    save_module(*small_net(3), path);
    auto loaded = small_net(2);
    load_module(*loaded, path);
    CHECK(bits_of(*loaded) == bits_of(*small_net(3)));
}

TEST_CASE("a missing file is a data error naming the path", "[serialize]") {
    ScratchDir scratch;
    auto net = small_net(1);
    CHECK_THROWS_AS(load_module(*net, scratch.file("absent.ssm")), DataError);
    check_load_fails(*net, scratch.file("absent.ssm"), {"cannot open"});
}

TEST_CASE("a file of another kind is not a selfsup module file", "[serialize]") {
    ScratchDir scratch;
    const std::string path = scratch.file("notes.txt");
    write_bytes(path, "these are not the weights you are looking for");
    auto net = small_net(1);
    check_load_fails(*net, path, {"not a selfsup module file"});
    write_bytes(path, "");
    check_load_fails(*net, path, {"not a selfsup module file"});
}

TEST_CASE("a file of another format version names both versions", "[serialize]") {
    ScratchDir scratch;
    const std::string path = scratch.file("net.ssm");
    save_module(*small_net(1), path);
    std::string bytes = read_bytes(path);
    const uint32_t future = 99;
    std::memcpy(bytes.data() + 8, &future, sizeof(future));
    write_bytes(path, bytes);
    auto net = small_net(2);
    check_load_fails(*net, path, {"version 99", "version 1"});
}

TEST_CASE("a truncated file names the entry it ends in", "[serialize]") {
    ScratchDir scratch;
    const std::string path = scratch.file("net.ssm");
    save_module(*small_net(1), path);
    const std::string bytes = read_bytes(path);
    auto net = small_net(2);

    // The last entry is the last buffer; its data is cut short, while every
    // entry before it is complete, so a partial load would show.
    write_bytes(path, bytes.substr(0, bytes.size() - 6));
    check_load_fails(*net, path, {"truncated", "1.running_var"});
    write_bytes(path, bytes.substr(0, 20));
    check_load_fails(*net, path, {"truncated", "entry 0"});
    write_bytes(path, bytes + "extra");
    check_load_fails(*net, path, {"unexpected bytes"});
}

TEST_CASE("a name the file lacks, or the module lacks, is a data error", "[serialize]") {
    ScratchDir scratch;
    const std::string small = scratch.file("small.ssm");
    const std::string large = scratch.file("large.ssm");
    save_module(*small_net(1, 4, false), small);
    save_module(*small_net(1, 4, true), large);

    auto with_linear = small_net(2, 4, true);
    check_load_fails(*with_linear, small, {"\"2.weight\"", "missing from the file"});
    auto without_linear = small_net(2, 4, false);
    check_load_fails(*without_linear, large, {"\"2.", "unknown to the module"});
}

TEST_CASE("a shape mismatch names both shapes", "[serialize]") {
    ScratchDir scratch;
    const std::string path = scratch.file("net.ssm");
    save_module(*small_net(1, 8, false), path);
    auto net = small_net(2, 4, false);
    check_load_fails(*net, path,
                     {"shape mismatch", "\"0.weight\"", "[8, 1, 3, 3]", "[4, 1, 3, 3]"});
}

TEST_CASE("saving into a missing directory is a data error naming the path", "[serialize]") {
    ScratchDir scratch;
    const std::string path = scratch.file("no/such/dir/net.ssm");
    CHECK_THROWS_AS(save_module(*small_net(1), path), DataError);
    CHECK_THROWS_WITH(save_module(*small_net(1), path), Catch::Contains(path));
}
