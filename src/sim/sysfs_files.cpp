#include "sysfs_files.hpp"

#include <fstream>
#include <system_error>

#include <fmt/format.h>

namespace srpadm::sim::files {

Result<void> make_empty_root(const std::filesystem::path& root, std::string_view what) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::exists(root, ec)) {
        if (!fs::is_directory(root, ec)) {
            return fail(Errc::exists,
                        fmt::format("{}: exists and is not a directory", root.string()));
        }
        if (!fs::is_empty(root, ec) || ec) {
            return fail(Errc::exists,
                        fmt::format("{}: not an empty directory: a simulated {} tree is only "
                                    "laid out where there is nothing",
                                    root.string(), what));
        }
    }
    fs::create_directories(root, ec);
    if (ec) {
        return fail(Errc::io, fmt::format("{}: {}", root.string(), ec.message()));
    }
    return {};
}

Result<void> put(const std::filesystem::path& file, const std::string& text) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    std::ofstream out(file, std::ios::trunc | std::ios::binary);
    out << text;
    out.close();
    if (ec || !out) {
        return fail(Errc::io, fmt::format("{}: cannot write the file", file.string()));
    }
    return {};
}

Result<void> put_all(const std::vector<std::pair<std::filesystem::path, std::string>>& files) {
    for (const auto& [file, text] : files) {
        if (auto r = put(file, text); !r) {
            return r;
        }
    }
    return {};
}

}  // namespace srpadm::sim::files
