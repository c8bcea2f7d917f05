#pragma once

// `selfsup new-plugin --kind KIND NAME [DIR]`: writes a plugin project, ready
// to build against the installed SDK and run: CMakeLists.txt, NAME.cpp and
// experiment.json, from the template of that kind.
//
// The templates are the files in sdk/templates/KIND/, where the plugin is
// called my_KIND (class MyKind). The build compiles each of them as a real
// plugin and runs its experiment, and embeds their text in the program (see
// framework/CMakeLists.txt), so an installed selfsup needs no other files.

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.hpp"

namespace selfsup {

// One file of a template: its name inside the template folder (which may
// hold the placeholder, as my_pretext.cpp does) and its text.
struct TemplateFile {
    std::string_view name;
    std::string_view text;
};

struct PluginTemplate {
    // "dataset", "encoder", "pretext", "head", "freeze_policy"
    std::string_view kind;
    std::vector<TemplateFile> files;
};

// Every kind's template, in kind order. Defined in the source generated at
// build time from sdk/templates/.
const std::vector<PluginTemplate>& plugin_templates();

// Why `name` cannot name a plugin ("" when it can): a plugin name is
// lower_snake_case (a letter, then letters, digits and single underscores, at
// most 48 characters) and no C++ keyword, since it also names the plugin's
// namespace and, in PascalCase, its class.
std::string plugin_name_problem(const std::string& name);

// "my_pretext" -> "MyPretext"
std::string pascal_case(const std::string& name);

// `text` with the template placeholder of `kind` (my_KIND and MyKind)
// replaced by `name` and its PascalCase form.
std::string instantiate(std::string_view text, std::string_view kind, const std::string& name);

struct NewPluginOptions {
    std::string kind;
    std::string name;
    // Where to write; ./NAME when not given.
    std::optional<std::string> folder;
    // The program as the user ran it (argv[0]), for the commands it prints.
    std::string program = "selfsup";
};

// Writes the project and prints what it wrote and the commands that build,
// run and check it; returns the exit code. Each refusal prints one line on
// `err` and returns 2, before anything is written: an unknown kind, an
// invalid name, a name a plugin on the search path already has, or a
// destination that exists and is not an empty folder (a user's files are
// never overwritten). A file that cannot be written returns 1.
int new_plugin(const CommonOptions& common, const NewPluginOptions& options, std::ostream& out,
               std::ostream& err);

}  // namespace selfsup
