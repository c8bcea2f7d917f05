#pragma once

// Running the real `selfsup` program from tests: a scratch folder for
// manifests and captured output, and the outcome of one run.

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace selfsup::testing {

namespace fs = std::filesystem;

struct Outcome {
    int code = -1;
    std::string out;
    std::string err;

    std::size_t err_lines() const { return std::count(err.begin(), err.end(), '\n'); }
};

inline std::string read_file(const fs::path& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

// A scratch folder for manifests and captured output, removed with its contents.
class Scratch {
public:
    Scratch() {
        path_ = fs::temp_directory_path() / ("selfsup-test-" + std::to_string(::getpid()) +
                                             "-" + std::to_string(std::random_device()()));
        fs::create_directories(path_);
    }
    ~Scratch() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

    std::string write(const std::string& name, const std::string& content) const {
        const fs::path file = path_ / name;
        std::ofstream(file, std::ios::binary) << content;
        return file.string();
    }

    // Runs `selfsup ARGUMENTS` with SELFSUP_PLUGIN_PATH unset, so only the
    // plugin folders a test names (and the bundled one) are searched.
    Outcome run(const std::string& arguments) const {
        const fs::path out = path_ / "stdout.txt";
        const fs::path err = path_ / "stderr.txt";
        const std::string command = "env -u SELFSUP_PLUGIN_PATH '" + std::string(SELFSUP_CLI) +
                                    "' " + arguments + " >'" + out.string() + "' 2>'" +
                                    err.string() + "' </dev/null";
        const int status = std::system(command.c_str());
        Outcome outcome;
        outcome.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        outcome.out = read_file(out);
        outcome.err = read_file(err);
        return outcome;
    }

    std::string manifest_path() const { return (path_ / "manifest.json").string(); }

private:
    fs::path path_;
};

}  // namespace selfsup::testing
