// An ordinary shared library that exports nothing: the registry must skip it
// without loading it.

int not_a_plugin_answer() {
    return 42;
}
