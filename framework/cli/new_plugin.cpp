#include "cli/new_plugin.hpp"

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <system_error>

#include "plugins/plugin_registry.hpp"
#include "selfsup/plugin/descriptor.hpp"

namespace selfsup {

namespace fs = std::filesystem;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;
constexpr size_t kMaxNameLength = 48;

// Words a plugin name may not be, since it also names a C++ namespace: the
// C++20 keywords that fit the pattern of a name, and the namespaces of the SDK
// and the standard library. Each word has a space on either side.
constexpr std::string_view kReservedWords =
    " alignas alignof and and_eq asm auto bitand bitor bool break case catch char "
    "char8_t char16_t char32_t class compl concept const consteval constexpr "
    "constinit const_cast continue co_await co_return co_yield decltype default "
    "delete do double dynamic_cast else enum explicit export extern false float for "
    "friend goto if inline int long mutable namespace new noexcept not not_eq "
    "nullptr operator or or_eq private protected public register reinterpret_cast "
    "requires return short signed sizeof static static_assert static_cast struct "
    "switch template this thread_local throw true try typedef typeid typename union "
    "unsigned using virtual void volatile wchar_t while xor xor_eq selfsup std ";

bool is_reserved(const std::string& name) {
    return kReservedWords.find(" " + name + " ") != std::string_view::npos;
}

std::string kind_list() {
    return "dataset, encoder, pretext, head and freeze_policy";
}

const PluginTemplate* find_template(const std::string& kind) {
    for (const PluginTemplate& plugin_template : plugin_templates()) {
        if (plugin_template.kind == kind) return &plugin_template;
    }
    return nullptr;
}

// A path as a shell reads it: quoted when it holds anything but safe characters.
std::string shell_word(const std::string& word) {
    const auto safe_char = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) ||
               std::string_view("/._-+=:,").find(c) != std::string_view::npos;
    };
    const bool safe = !word.empty() && std::all_of(word.begin(), word.end(), safe_char);
    if (safe) return word;
    std::string quoted = "'";
    for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

// Why `folder` cannot take the project, or "".
std::string folder_problem(const fs::path& folder) {
    std::error_code error;
    const fs::file_status status = fs::status(folder, error);
    if (!fs::exists(status)) return "";
    const std::string name = folder.string();
    if (!fs::is_directory(status)) {
        return "'" + name + "' exists and is not a folder; name a new folder";
    }
    if (!fs::is_empty(folder, error) || error) {
        return "folder '" + name +
               "' is not empty, and new-plugin never overwrites files; name a new or empty folder";
    }
    return "";
}

// The plugin called `name` somewhere on the search path (--plugin-path,
// SELFSUP_PLUGIN_PATH, the bundled plugins), or nullptr: a second one would
// make every later run stop with a duplicate-name error.
std::optional<fs::path> existing_plugin(const CommonOptions& common, const std::string& name) {
    PluginRegistry registry;
    for (const fs::path& path : common.plugin_paths) registry.add(path);
    if (const char* variable = std::getenv("SELFSUP_PLUGIN_PATH")) {
        for (const fs::path& path : split_path_list(variable)) registry.add(path);
    }
    registry.add(bundled_plugin_folder());
    const LoadedPlugin* plugin = registry.find(name);
    if (plugin == nullptr) return std::nullopt;
    return plugin->path;
}

// The prefix to give CMake so that find_package(selfsup) finds the SDK this
// program belongs to: "" when it is a standard prefix CMake searches anyway,
// nullopt when this program has no installed SDK beside it (a build tree).
std::optional<std::string> sdk_prefix() {
    const fs::path prefix = boost::dll::program_location().parent_path().parent_path();
    if (!fs::exists(prefix / "lib" / "cmake" / "selfsup" / "selfsupConfig.cmake")) {
        return std::nullopt;
    }
    if (prefix == "/usr" || prefix == "/usr/local") return "";
    return prefix.string();
}

std::string display(const fs::path& path) {
    std::string text = path.lexically_normal().string();
    while (text.size() > 1 && text.back() == '/') text.pop_back();
    return text;
}

}  // namespace

std::string plugin_name_problem(const std::string& name) {
    const auto valid_char = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    bool snake = !name.empty() && name.front() >= 'a' && name.front() <= 'z' &&
                 name.back() != '_' && name.find("__") == std::string::npos;
    for (char c : name) snake = snake && (valid_char(c) || c == '_');
    if (!snake) {
        return "'" + name +
               "' is not a valid plugin name: use lower_snake_case, a letter then letters, "
               "digits and single underscores (e.g. masked_cells)";
    }
    if (name.size() > kMaxNameLength) {
        return "plugin name '" + name + "' is longer than " + std::to_string(kMaxNameLength) +
               " characters";
    }
    if (is_reserved(name)) {
        return "'" + name +
               "' cannot name a plugin: it also names the plugin's C++ namespace, "
               "and it is a reserved word there";
    }
    return "";
}

std::string pascal_case(const std::string& name) {
    std::string pascal;
    bool upper = true;
    for (char c : name) {
        if (c == '_') {
            upper = true;
        } else {
            pascal += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
            upper = false;
        }
    }
    return pascal;
}

std::string instantiate(std::string_view text, std::string_view kind, const std::string& name) {
    const std::string snake_placeholder = "my_" + std::string(kind);
    const std::string pascal_placeholder = pascal_case(snake_placeholder);
    const std::string pascal_name = pascal_case(name);
    std::string result;
    result.reserve(text.size());
    for (size_t at = 0; at < text.size();) {
        if (text.substr(at).starts_with(snake_placeholder)) {
            result += name;
            at += snake_placeholder.size();
        } else if (text.substr(at).starts_with(pascal_placeholder)) {
            result += pascal_name;
            at += pascal_placeholder.size();
        } else {
            result += text[at++];
        }
    }
    return result;
}

int new_plugin(const CommonOptions& common, const NewPluginOptions& options, std::ostream& out,
               std::ostream& err) {
    const auto refuse = [&](const std::string& message) {
        err << "selfsup: new-plugin: " << message << "\n";
        return kExitBadInput;
    };

    // 1. Everything is checked before anything is written.
    const PluginTemplate* plugin_template = find_template(options.kind);
    if (plugin_template == nullptr) {
        return refuse("unknown plugin kind '" + options.kind + "'; the kinds are " + kind_list());
    }
    if (const std::string problem = plugin_name_problem(options.name); !problem.empty()) {
        return refuse(problem);
    }
    const fs::path folder = options.folder ? fs::path(*options.folder) : fs::path(options.name);
    if (const std::string problem = folder_problem(folder); !problem.empty()) {
        return refuse(problem);
    }
    if (const std::optional<fs::path> taken = existing_plugin(common, options.name)) {
        return refuse("a plugin named '" + options.name + "' already exists (" + taken->string() +
                      "), and names must be unique on the plugin path; pick another name");
    }

    // 2. The files, with the name in their names and their text.
    std::vector<std::string> written;
    std::error_code error;
    fs::create_directories(folder, error);
    if (error) {
        err << "selfsup: new-plugin: cannot create folder '" << folder.string()
            << "': " << error.message() << "\n";
        return kExitFailed;
    }
    for (const TemplateFile& file : plugin_template->files) {
        const fs::path path = folder / instantiate(file.name, options.kind, options.name);
        const std::string text = instantiate(file.text, options.kind, options.name);
        std::ofstream stream(path, std::ios::binary);
        stream << text;
        stream.close();
        if (!stream) {
            err << "selfsup: new-plugin: cannot write '" << path.string() << "'\n";
            return kExitFailed;
        }
        written.push_back(display(path));
    }

    // 3. What was written, and the next three commands.
    const std::string where = display(folder);
    const std::string build = display(folder / "build");
    const std::string library = display(folder / "build" / ("selfsup-" + options.name + ".so"));
    const std::string program = shell_word(options.program);
    out << "Wrote a " << options.kind << " plugin, " << options.name << ", in " << where << "/:\n";
    for (const std::string& path : written) out << "  " << path << "\n";
    const std::optional<std::string> prefix = sdk_prefix();
    std::string configure = "cmake -S " + shell_word(where) + " -B " + shell_word(build);
    if (prefix && !prefix->empty()) configure += " -DCMAKE_PREFIX_PATH=" + shell_word(*prefix);
    out << "Build it, run its experiment, and check it against the " << options.kind
        << " contract:\n"
        << "  " << configure << " && cmake --build " << shell_word(build) << "\n"
        << "  " << program << " run " << shell_word(where + "/experiment.json") << "\n"
        << "  " << program << " conformance " << shell_word(library) << "\n";
    if (!prefix) {
        out << "This selfsup has no installed SDK beside it: install one (cmake --install BUILD "
               "--prefix PREFIX) and add -DCMAKE_PREFIX_PATH=PREFIX to the first command.\n";
    }
    return kExitOk;
}

}  // namespace selfsup
