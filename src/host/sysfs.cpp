#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

#include <srpadm/host/sysfs.hpp>

namespace srpadm::host {

bool Sysfs::exists(std::string_view relative) const {
    std::error_code ec;
    return std::filesystem::exists(path(relative), ec);
}

Result<std::string> Sysfs::read(std::string_view relative) const {
    const auto p = path(relative);
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        std::error_code ec;
        if (!std::filesystem::exists(p, ec)) {
            return fail(Errc::not_found, fmt::format("{}: no such file", p.string()));
        }
        return fail(Errc::io, fmt::format("{}: cannot be read", p.string()));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return fail(Errc::io, fmt::format("{}: read failed", p.string()));
    }
    std::string s = text.str();
    if (!s.empty() && s.back() == '\n') {
        s.pop_back();
    }
    return s;
}

Result<std::vector<std::string>> Sysfs::list(std::string_view relative) const {
    const auto p = path(relative);
    std::error_code ec;
    std::filesystem::directory_iterator it(p, ec);
    if (ec) {
        return fail(ec == std::errc::no_such_file_or_directory ? Errc::not_found : Errc::io,
                    fmt::format("{}: {}", p.string(), ec.message()));
    }
    std::vector<std::string> names;
    for (const auto& entry : it) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::optional<std::uint32_t> ib_srp_max_imm_data(const Sysfs& sysfs) {
    const auto use = sysfs.read("module/ib_srp/parameters/use_imm_data");
    if (!use || use->empty() || use->front() != 'Y') {
        return std::nullopt;
    }
    const auto max = sysfs.read("module/ib_srp/parameters/max_imm_data");
    if (!max) {
        return std::nullopt;
    }
    std::uint32_t value = 0;
    const auto* end = max->data() + max->size();
    const auto [ptr, ec] = std::from_chars(max->data(), end, value);
    if (ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

}  // namespace srpadm::host
