#include "manifest/json_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "selfsup/errors.hpp"

using namespace selfsup;
using Catch::Contains;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// A fresh directory under the system's temp folder, removed with everything in it.
class TempDir {
public:
    TempDir() {
        static int counter = 0;
        path_ = fs::temp_directory_path() /
                ("selfsup-json-test-" + std::to_string(::getpid()) + "-" +
                 std::to_string(counter++) + "-" + std::to_string(std::random_device()()));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // Writes `content` byte for byte to `name` and returns its full path.
    std::string write(const std::string& name, const std::string& content) const {
        const fs::path file = path_ / name;
        std::ofstream(file, std::ios::binary) << content;
        return file.string();
    }
    std::string path(const std::string& name) const { return (path_ / name).string(); }

private:
    fs::path path_;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

json::value manifest(const std::string& text) {
    return parse_json_text(text, "test");
}

}  // namespace

TEST_CASE("a valid manifest is read into a JSON object", "[json]") {
    const TempDir dir;
    const std::string path =
        dir.write("ok.json",
                  "\xEF\xBB\xBF{\"dataset\": {\"name\": \"fashion_mnist\"},\n"
                  " \"pretexts\": [{\"name\": \"denoising\", \"epochs\": 5, \"lr\": 1e-3}]}\n");
    const json::value root = read_json_file(path);
    REQUIRE(root.is_object());
    CHECK(root.at("dataset").at("name").as_string() == "fashion_mnist");
    CHECK(root.at("pretexts").at(0).at("epochs").as_int64() == 5);
    CHECK(root.at("pretexts").at(0).at("lr").as_double() == Approx(1e-3));
}

TEST_CASE("a missing file is a manifest error naming the file", "[json]") {
    const TempDir dir;
    const std::string path = dir.path("absent.json");
    CHECK_THROWS_AS(read_json_file(path), ManifestError);
    CHECK_THROWS_WITH(read_json_file(path), Contains("absent.json: no such file"));
}

TEST_CASE("a directory is refused as a manifest", "[json]") {
    const TempDir dir;
    const std::string path = dir.path("folder.json");
    fs::create_directory(path);
    CHECK_THROWS_AS(read_json_file(path), ManifestError);
    CHECK_THROWS_WITH(read_json_file(path), Contains("folder.json: is a directory"));
}

TEST_CASE("a named pipe is refused without blocking on it", "[json]") {
    const TempDir dir;
    const std::string path = dir.path("pipe.json");
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    CHECK_THROWS_AS(read_json_file(path), ManifestError);
    CHECK_THROWS_WITH(read_json_file(path), Contains("pipe.json: is not a regular file"));
}

TEST_CASE("an unreadable file is a manifest error naming the file", "[json]") {
    if (::geteuid() == 0) {
        WARN("running as root, which may read any file: nothing to check");
        return;
    }
    const TempDir dir;
    const std::string path = dir.write("locked.json", "{}");
    fs::permissions(path, fs::perms::none);
    CHECK_THROWS_AS(read_json_file(path), ManifestError);
    CHECK_THROWS_WITH(read_json_file(path), Contains("locked.json: cannot be opened"));
}

TEST_CASE("an empty or blank file is reported as empty", "[json]") {
    const TempDir dir;
    const std::string empty = dir.write("empty.json", "");
    const std::string blank = dir.write("blank.json", "  \n\t\n");
    CHECK_THROWS_AS(read_json_file(empty), ManifestError);
    CHECK_THROWS_WITH(read_json_file(empty), Contains("empty.json: is empty"));
    CHECK_THROWS_WITH(read_json_file(blank), Contains("blank.json: is empty"));
}

TEST_CASE("text that is not JSON is reported with its line and column", "[json]") {
    const TempDir dir;
    const std::string prose = dir.write("prose.json", "dataset = mnist\n");
    CHECK_THROWS_AS(read_json_file(prose), ManifestError);
    CHECK_THROWS_WITH(read_json_file(prose), Contains("prose.json:1:1: not valid JSON"));

    const std::string typo = dir.write("typo.json", "{\n  \"a\": 1,\n  \"b\": ]\n}\n");
    CHECK_THROWS_WITH(read_json_file(typo),
                      Contains("typo.json:3:8: not valid JSON") && Contains("unexpected ']'"));
}

TEST_CASE("text after the JSON value is refused", "[json]") {
    const TempDir dir;
    const std::string path = dir.write("extra.json", "{\"a\": 1}\n}\n");
    CHECK_THROWS_AS(read_json_file(path), ManifestError);
    CHECK_THROWS_WITH(read_json_file(path),
                      Contains("extra.json:2:1") && Contains("after the end of the JSON value"));
}

TEST_CASE("truncated JSON says it ends too early", "[json]") {
    const TempDir dir;
    const std::string path = dir.write("cut.json", "{\"pretexts\": [{\"name\": \"rot");
    CHECK_THROWS_AS(read_json_file(path), ManifestError);
    CHECK_THROWS_WITH(read_json_file(path), Contains("cut.json:1:") && Contains("ends too early"));
}

TEST_CASE("nesting up to 64 levels is read and deeper nesting is refused", "[json]") {
    const TempDir dir;
    const auto nested = [](int depth) {
        return "{\"a\": " + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
    };
    CHECK_NOTHROW(read_json_file(dir.write("deep64.json", nested(64))));
    const std::string path = dir.write("deep65.json", nested(65));
    CHECK_THROWS_AS(read_json_file(path), ManifestError);
    CHECK_THROWS_WITH(read_json_file(path),
                      Contains("deep65.json:1:") && Contains("nested more than 64 levels"));
}

TEST_CASE("a file nested 100000 levels deep fails quickly without exhausting the stack", "[json]") {
    const TempDir dir;
    const std::string path = dir.write("abyss.json", std::string(100000, '['));
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(read_json_file(path), ManifestError);
    CHECK_THROWS_WITH(read_json_file(path),
                      Contains("abyss.json:1:65") && Contains("nested more than 64 levels"));
    CHECK(seconds_since(start) < 1.0);
}

TEST_CASE("ten megabytes of random bytes fail quickly and cleanly", "[json]") {
    const TempDir dir;
    std::mt19937_64 generator(20240601);
    std::string noise(10u << 20, '\0');
    for (char& c : noise) c = static_cast<char>(generator() & 0xFF);
    const std::string path = dir.write("noise.json", noise);
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(read_json_file(path), ManifestError);
    CHECK_THROWS_WITH(read_json_file(path), Contains("noise.json:1:"));
    CHECK(seconds_since(start) < 2.0);
}

TEST_CASE("a file larger than 64 MiB is refused before it is read", "[json]") {
    const TempDir dir;
    const std::string path = dir.write("huge.json", "{}");
    fs::resize_file(path, (64u << 20) + 1);
    CHECK_THROWS_AS(read_json_file(path), ManifestError);
    CHECK_THROWS_WITH(read_json_file(path), Contains("huge.json: is larger than 64 MiB"));
}

TEST_CASE("invalid UTF-8 is reported where it occurs", "[json]") {
    const TempDir dir;
    const std::string path = dir.write("latin1.json", "{\n  \"name\": \"caf\xE9\"\n}\n");
    CHECK_THROWS_AS(read_json_file(path), ManifestError);
    CHECK_THROWS_WITH(read_json_file(path), Contains("latin1.json:2:15: invalid UTF-8"));
}

TEST_CASE("numbers beyond the range of a double are out of range", "[json]") {
    const TempDir dir;
    const std::string huge = dir.write("huge_lr.json", "{\"trainer\": {\"lr\": 1e999}}");
    CHECK_THROWS_AS(read_json_file(huge), ManifestError);
    CHECK_THROWS_WITH(read_json_file(huge), Contains("huge_lr.json:1:") &&
                                                Contains("1e999 at trainer.lr is out of range"));

    const std::string negative = dir.write("negative.json", "{\"a\": [0, -1e400]}");
    CHECK_THROWS_WITH(read_json_file(negative), Contains("at a[1] is out of range"));

    const std::string digits =
        dir.write("digits.json", "{\"seed\": " + std::string(400, '7') + "}");
    CHECK_THROWS_AS(read_json_file(digits), ManifestError);
    CHECK_THROWS_WITH(read_json_file(digits),
                      Contains("digits.json:1:") && Contains("seed is out of range"));

    const std::string exponent = dir.write("exponent.json", "{\"a\": 1e99999999999999999999}");
    CHECK_THROWS_WITH(read_json_file(exponent),
                      Contains("exponent.json:1:") && Contains("out of range"));
}

TEST_CASE("a key repeated in one object is an error naming the key and the object", "[json]") {
    const TempDir dir;
    const std::string path = dir.write(
        "twice.json",
        "{\"pretexts\": [\n  {\"name\": \"rotation\"},\n  {\"epochs\": 3,\n   \"epochs\": 4}]}");
    CHECK_THROWS_AS(read_json_file(path), ManifestError);
    CHECK_THROWS_WITH(
        read_json_file(path),
        Contains("twice.json:4:") && Contains("duplicate key \"epochs\" in pretexts[1]"));

    const std::string top = dir.write("top.json", "{\"seed\": 1, \"seed\": 2}");
    CHECK_THROWS_WITH(read_json_file(top),
                      Contains("duplicate key \"seed\" in the top-level object"));
}

TEST_CASE("equal keys in different objects are not duplicates", "[json]") {
    const TempDir dir;
    const std::string path =
        dir.write("siblings.json", "{\"a\": {\"name\": 1}, \"b\": {\"name\": 2}, \"name\": 3}");
    CHECK(read_json_file(path).at("b").at("name").as_int64() == 2);
}

TEST_CASE("a manifest that is not an object says what it is instead", "[json]") {
    const TempDir dir;
    const std::string array = dir.write("list.json", "[{\"dataset\": {}}]");
    CHECK_THROWS_AS(read_json_file(array), ManifestError);
    CHECK_THROWS_WITH(read_json_file(array),
                      Contains("list.json: the manifest must be a JSON object, got an array"));
    CHECK_THROWS_WITH(read_json_file(dir.write("number.json", "42")), Contains("got a number"));
}

TEST_CASE("overrides set existing values through objects and array indices", "[json][set]") {
    json::value root = manifest(R"({"pretexts": [{"epochs": 1}, {"epochs": 2}], "seed": 1})");
    apply_override(root, "pretexts.1.epochs=3");
    apply_override(root, "seed=7");
    CHECK(root.at("pretexts").at(1).at("epochs").as_int64() == 3);
    CHECK(root.at("pretexts").at(0).at("epochs").as_int64() == 1);
    CHECK(root.at("seed").as_int64() == 7);
}

TEST_CASE("override values are JSON when they parse and plain strings otherwise", "[json][set]") {
    json::value root = manifest("{}");
    apply_override(root, "a.flag=true");
    apply_override(root, "a.lr=0.5");
    apply_override(root, "a.widths=[256, 128]");
    apply_override(root, "a.quoted=\"3\"");
    apply_override(root, "a.noise=salt_and_pepper");
    apply_override(root, "a.blank=");
    apply_override(root, "a.path=/data/mnist=v2");
    const json::value& a = root.at("a");
    CHECK(a.at("flag").as_bool());
    CHECK(a.at("lr").as_double() == Approx(0.5));
    CHECK(a.at("widths").as_array().size() == 2);
    CHECK(a.at("quoted").as_string() == "3");
    CHECK(a.at("noise").as_string() == "salt_and_pepper");
    CHECK(a.at("blank").as_string() == "");
    CHECK(a.at("path").as_string() == "/data/mnist=v2");
}

TEST_CASE("an override through missing keys creates the objects", "[json][set]") {
    json::value root = manifest(R"({"trainer": {}})");
    apply_override(root, "trainer.optimizer.lr=0.01");
    CHECK(root.at("trainer").at("optimizer").at("lr").as_double() == Approx(0.01));
}

TEST_CASE("an override without '=' shows the expected form", "[json][set]") {
    json::value root = manifest("{}");
    CHECK_THROWS_AS(apply_override(root, "seed"), ManifestError);
    CHECK_THROWS_WITH(
        apply_override(root, "seed"),
        Contains("--set seed: expected KEY.PATH=VALUE") && Contains("--set pretexts.0.epochs=3"));
}

TEST_CASE("an override with an empty key part is refused", "[json][set]") {
    json::value root = manifest("{}");
    CHECK_THROWS_AS(apply_override(root, "a..b=1"), ManifestError);
    CHECK_THROWS_WITH(apply_override(root, "a..b=1"), Contains("'a..b' has an empty part"));
    CHECK_THROWS_WITH(apply_override(root, "=1"), Contains("has an empty part"));
}

TEST_CASE("an override index out of range names the array and the index", "[json][set]") {
    json::value root = manifest(R"({"pretexts": [{"epochs": 1}, {"epochs": 2}]})");
    CHECK_THROWS_AS(apply_override(root, "pretexts.5.epochs=3"), ManifestError);
    CHECK_THROWS_WITH(apply_override(root, "pretexts.5.epochs=3"),
                      Contains("--set pretexts.5.epochs=3: 'pretexts' is an array of 2 items") &&
                          Contains("'5' is not a valid index (0 to 1)"));
    CHECK_THROWS_WITH(apply_override(root, "pretexts.first.epochs=3"),
                      Contains("'first' is not a valid index"));
    json::value empty = manifest(R"({"pretexts": []})");
    CHECK_THROWS_WITH(apply_override(empty, "pretexts.0.epochs=3"),
                      Contains("'pretexts' is an empty array, so it has no item '0'"));
}

TEST_CASE("an override through a value that is not an object names the path", "[json][set]") {
    json::value root = manifest(R"({"seed": 1})");
    CHECK_THROWS_AS(apply_override(root, "seed.value=3"), ManifestError);
    CHECK_THROWS_WITH(
        apply_override(root, "seed.value=3"),
        Contains("cannot set 'seed.value' because 'seed' is a number, not an object"));
}

TEST_CASE("an override value meant as JSON must parse", "[json][set]") {
    json::value root = manifest("{}");
    CHECK_THROWS_AS(apply_override(root, "a.widths=[256,"), ManifestError);
    CHECK_THROWS_WITH(apply_override(root, "a.widths=[256,"),
                      Contains("--set a.widths=[256,: the value is not valid JSON") &&
                          Contains("ends too early"));
    CHECK_THROWS_WITH(apply_override(root, "a.lr=1e999"),
                      Contains("--set a.lr=1e999: the number 1e999 is out of range"));
}
