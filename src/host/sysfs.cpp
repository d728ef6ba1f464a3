#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

#include <fmt/format.h>

#include <srpadm/host/sysfs.hpp>
#include <srpadm/text.hpp>

namespace srpadm::host {
namespace {

// Closes a directory stream when it goes out of scope.
struct DirCloser {
    DIR* dir;
    ~DirCloser() { ::closedir(dir); }
};

bool missing(int err) {
    return err == ENOENT || err == ENOTDIR;
}

}  // namespace

bool Sysfs::exists(std::string_view relative) const {
    const int fd = ::open(path(relative).c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    ::close(fd);
    return true;
}

Result<std::string> Sysfs::read(std::string_view relative) const {
    const auto p = path(relative);
    const auto error = [&p](int err, std::string_view what) {
        // Some attributes exist but answer ENOENT when they do not apply (ib_srp's service_id,
        // pkey, dgid and orig_dgid of an RDMA/CM login): not_found, like a missing file.
        return fail(
            missing(err) ? Errc::not_found : Errc::io,
            fmt::format("{}: {}: {}", p.string(), what, std::generic_category().message(err)));
    };
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return error(errno, "cannot be opened");
    }
    std::string s;
    std::array<char, 4096> buffer{};
    while (true) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            return error(err, "read failed");
        }
        if (n == 0) {
            break;
        }
        s.append(buffer.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (!s.empty() && s.back() == '\n') {
        s.pop_back();
    }
    return s;
}

Result<std::vector<std::string>> Sysfs::list(std::string_view relative) const {
    const auto p = path(relative);
    DIR* dir = ::opendir(p.c_str());
    if (dir == nullptr) {
        const int err = errno;
        return fail(missing(err) ? Errc::not_found : Errc::io,
                    fmt::format("{}: {}", p.string(), std::strerror(err)));
    }
    const DirCloser closer{dir};
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string_view name = entry->d_name;
        if (name != "." && name != "..") {
            names.emplace_back(name);
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::error_code Sysfs::write(std::string_view relative, std::string_view data) const {
    const auto p = path(relative);
    const int fd = ::open(p.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) {
        return {errno, std::generic_category()};
    }
    std::error_code result;
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
        result = {errno, std::generic_category()};
    } else if (static_cast<std::size_t>(written) != data.size()) {
        result = std::make_error_code(std::errc::io_error);
    }
    if (::close(fd) != 0 && !result) {
        result = {errno, std::generic_category()};
    }
    return result;
}

namespace {

std::error_code last_error(int rc) {
    return rc == 0 ? std::error_code{} : std::error_code{errno, std::generic_category()};
}

}  // namespace

std::error_code Sysfs::mkdir(std::string_view relative) const {
    return last_error(::mkdir(path(relative).c_str(), 0755));
}

std::error_code Sysfs::rmdir(std::string_view relative) const {
    return last_error(::rmdir(path(relative).c_str()));
}

std::error_code Sysfs::symlink(const std::filesystem::path& target,
                               std::string_view relative) const {
    return last_error(::symlink(target.c_str(), path(relative).c_str()));
}

std::error_code Sysfs::unlink(std::string_view relative) const {
    return last_error(::unlink(path(relative).c_str()));
}

Result<std::string> Sysfs::readlink(std::string_view relative) const {
    const auto p = path(relative);
    std::array<char, 4096> buffer{};
    const ssize_t n = ::readlink(p.c_str(), buffer.data(), buffer.size());
    if (n < 0) {
        const int err = errno;
        return fail(missing(err) || err == EINVAL ? Errc::not_found : Errc::io,
                    fmt::format("{}: {}", p.string(), std::strerror(err)));
    }
    return std::string(buffer.data(), static_cast<std::size_t>(n));
}

bool Sysfs::is_directory(std::string_view relative) const {
    struct stat st {};
    return ::stat(path(relative).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool Sysfs::is_symlink(std::string_view relative) const {
    struct stat st {};
    return ::lstat(path(relative).c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

std::optional<std::uint64_t> parse_sysfs_number(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text.remove_prefix(2);
    }
    std::uint64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
    if (ec != std::errc{} || (ptr != end && *ptr != ':' && *ptr != ' ')) {
        return std::nullopt;
    }
    return value;
}

bool ib_srp_topspin_workarounds(const Sysfs& sysfs) {
    const auto text = sysfs.read("module/ib_srp/parameters/topspin_workarounds");
    const auto value = text ? parse_sysfs_number(*text) : std::nullopt;
    return !value || *value != 0;
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
    return text::parse_number<std::uint32_t>(*max);
}

}  // namespace srpadm::host
