#include "selfsup/serialize.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "selfsup/errors.hpp"

namespace selfsup {

// The layout, every number little-endian as this machine writes it:
//   magic "SSMODULE", u32 version, u64 entry count, then per entry
//   u32 name length, name bytes, u32 rank, i64 dims[rank], f32 data[numel].

namespace {

constexpr char kMagic[8] = {'S', 'S', 'M', 'O', 'D', 'U', 'L', 'E'};
// Guards against allocating absurd sizes from a corrupt length field.
constexpr uint32_t kMaxNameLength = 4096;

// Parameters then buffers, as saved and as matched on load.
std::vector<NamedTensor> entries_of(const Module& module) {
    std::vector<NamedTensor> entries = module.named_parameters();
    for (NamedTensor& buffer : module.named_buffers()) entries.push_back(std::move(buffer));
    return entries;
}

template <typename T>
void put(std::string& out, const T& value) {
    out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

// Reads from an in-memory copy of the file; every read checks the bytes are
// there and names what was being read when they are not.
class Reader {
public:
    Reader(const std::string& bytes, const std::string& path) : bytes_(bytes), path_(path) {}

    void read(void* dst, size_t count, const std::string& what) {
        if (count > remaining()) {
            throw DataError(detail::concat(path_, ": truncated while reading ", what, " (needs ",
                                           count, " bytes, ", remaining(), " left)"));
        }
        std::memcpy(dst, bytes_.data() + position_, count);
        position_ += count;
    }

    template <typename T>
    T get(const std::string& what) {
        T value;
        read(&value, sizeof(T), what);
        return value;
    }

    size_t remaining() const { return bytes_.size() - position_; }

private:
    const std::string& bytes_;
    const std::string& path_;
    size_t position_ = 0;
};

std::string read_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw DataError(detail::concat(path, ": cannot open module file for reading"));
    std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (file.bad()) throw DataError(detail::concat(path, ": read error"));
    return bytes;
}

NamedTensor read_entry(Reader& reader, uint64_t index, const std::string& path) {
    const std::string where = detail::concat("entry ", index);
    const auto name_length = reader.get<uint32_t>(where + " name length");
    if (name_length == 0 || name_length > kMaxNameLength) {
        throw DataError(detail::concat(path, ": ", where, " has an invalid name length ",
                                       name_length, " (file corrupt?)"));
    }
    std::string name(name_length, '\0');
    reader.read(name.data(), name_length, where + " name");
    const std::string named = detail::concat(where, " (\"", name, "\")");

    const auto rank = reader.get<uint32_t>(named + " rank");
    if (rank > static_cast<uint32_t>(Shape::kMaxRank)) {
        throw DataError(detail::concat(path, ": ", named, " has rank ", rank, ", at most ",
                                       Shape::kMaxRank, " is supported (file corrupt?)"));
    }
    Shape shape;
    for (uint32_t axis = 0; axis < rank; ++axis) {
        const auto dim = reader.get<int64_t>(named + " shape");
        // Each dimension bounded by the bytes left keeps numel() from overflowing.
        if (dim < 0 || static_cast<uint64_t>(dim) > reader.remaining()) {
            throw DataError(detail::concat(path, ": ", named, " has an invalid dimension ", dim,
                                           " (file corrupt or truncated?)"));
        }
        shape.push_back(dim);
    }
    if (static_cast<uint64_t>(shape.numel()) > reader.remaining() / sizeof(float)) {
        throw DataError(detail::concat(path, ": truncated while reading ", named, " data of shape ",
                                       shape.str(), " (needs ", shape.numel() * sizeof(float),
                                       " bytes, ", reader.remaining(), " left)"));
    }
    Tensor tensor = Tensor::empty(shape);
    reader.read(tensor.data(), static_cast<size_t>(shape.numel()) * sizeof(float),
                named + " data");
    return {std::move(name), std::move(tensor)};
}

}  // namespace

void save_module(const Module& module, const std::string& path) {
    const std::vector<NamedTensor> entries = entries_of(module);

    // 1. Build the whole file in memory, so a failure cannot leave half of it.
    std::string bytes(kMagic, sizeof(kMagic));
    put(bytes, kModuleFileVersion);
    put(bytes, static_cast<uint64_t>(entries.size()));
    std::set<std::string> seen;
    for (const NamedTensor& entry : entries) {
        SELFSUP_CHECK(seen.insert(entry.name).second, "module has two entries named ",
                      entry.name);
        put(bytes, static_cast<uint32_t>(entry.name.size()));
        bytes.append(entry.name);
        const Shape& shape = entry.tensor.shape();
        put(bytes, static_cast<uint32_t>(shape.rank()));
        for (const int64_t dim : shape) put(bytes, dim);
        bytes.append(reinterpret_cast<const char*>(entry.tensor.data()),
                     static_cast<size_t>(shape.numel()) * sizeof(float));
    }

    // 2. Write beside the target and rename over it, so an existing file is
    // replaced whole or not at all.
    const std::string temporary = path + ".tmp";
    {
        std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
        if (!file) {
            throw DataError(detail::concat(path, ": cannot open ", temporary, " for writing"));
        }
        file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        file.close();
        if (!file) {
            std::filesystem::remove(temporary);
            throw DataError(detail::concat(path, ": write failed (disk full?)"));
        }
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error) {
        std::filesystem::remove(temporary);
        throw DataError(detail::concat(path, ": cannot replace the file: ", error.message()));
    }
}

void load_module(Module& module, const std::string& path) {
    // 1. Read and validate the whole file into temporaries.
    const std::string bytes = read_file(path);
    Reader reader(bytes, path);
    if (bytes.size() < sizeof(kMagic) || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
        throw DataError(detail::concat(path, ": not a selfsup module file (bad magic bytes)"));
    }
    char magic[sizeof(kMagic)];
    reader.read(magic, sizeof(magic), "magic");
    const auto version = reader.get<uint32_t>("format version");
    if (version != kModuleFileVersion) {
        throw DataError(detail::concat(path, ": module file format version ", version,
                                       ", but this build reads version ", kModuleFileVersion));
    }
    const auto count = reader.get<uint64_t>("entry count");
    std::map<std::string, Tensor> loaded;
    for (uint64_t index = 0; index < count; ++index) {
        NamedTensor entry = read_entry(reader, index, path);
        if (!loaded.emplace(entry.name, entry.tensor).second) {
            throw DataError(detail::concat(path, ": entry \"", entry.name,
                                           "\" appears twice (file corrupt?)"));
        }
    }
    if (reader.remaining() != 0) {
        throw DataError(detail::concat(path, ": ", reader.remaining(),
                                       " unexpected bytes after the last entry (file corrupt?)"));
    }

    // 2. Match the file against the module, both ways, before touching it.
    std::vector<NamedTensor> targets = entries_of(module);
    for (const NamedTensor& target : targets) {
        const auto found = loaded.find(target.name);
        if (found == loaded.end()) {
            throw DataError(detail::concat(path, ": \"", target.name, "\" of the module (shape ",
                                           target.tensor.shape().str(),
                                           ") is missing from the file"));
        }
        if (found->second.shape() != target.tensor.shape()) {
            throw DataError(detail::concat(path, ": shape mismatch for \"", target.name,
                                           "\": the file has ", found->second.shape().str(),
                                           ", the module has ", target.tensor.shape().str()));
        }
    }
    if (loaded.size() != targets.size()) {
        std::set<std::string> known;
        for (const NamedTensor& target : targets) known.insert(target.name);
        for (const auto& [name, tensor] : loaded) {
            if (known.count(name) == 0) {
                throw DataError(detail::concat(path, ": entry \"", name, "\" (shape ",
                                               tensor.shape().str(),
                                               ") is unknown to the module"));
            }
        }
    }

    // 3. Only now copy into the module; nothing below can fail.
    for (NamedTensor& target : targets) {
        const Tensor& source = loaded.at(target.name);
        std::memcpy(target.tensor.data(), source.data(),
                    static_cast<size_t>(source.numel()) * sizeof(float));
    }
}

}  // namespace selfsup
