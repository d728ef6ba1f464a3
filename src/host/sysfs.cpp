#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <system_error>
#include <unistd.h>

#include <fmt/format.h>

#include <srpadm/host/sysfs.hpp>

namespace srpadm::host {
namespace {

// Closes a file descriptor or directory stream when it goes out of scope.
struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
};
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
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        if (missing(err)) {
            return fail(Errc::not_found, fmt::format("{}: no such file", p.string()));
        }
        return fail(Errc::io,
                    fmt::format("{}: cannot be read: {}", p.string(), std::strerror(err)));
    }
    const FdCloser closer{fd};
    std::string s;
    char buf[4096];
    while (true) {
        const ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return fail(Errc::io,
                        fmt::format("{}: read failed: {}", p.string(), std::strerror(errno)));
        }
        if (n == 0) {
            break;
        }
        s.append(buf, static_cast<std::size_t>(n));
    }
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
