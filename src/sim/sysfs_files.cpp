#include "sysfs_files.hpp"

#include <fstream>
#include <system_error>

#include <fmt/format.h>

namespace srpadm::sim::files {

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
