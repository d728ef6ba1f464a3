#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <srpadm/ops/run_dir.hpp>
#include <srpadm/text.hpp>

namespace srpadm::ops {

std::string default_run_dir(const std::string& sysfs_root) {
    std::error_code ec;
    const bool real = std::filesystem::equivalent(sysfs_root, "/sys", ec) && !ec;
    return real ? std::string(ops::kDefaultRunDir)
                : (std::filesystem::path(sysfs_root) / ".srpadm").string();
}

std::optional<pid_t> srp_daemon_holder(std::string_view prefix, std::string_view device,
                                       unsigned port) {
    const std::string path = fmt::format("{}_{}_{}", prefix, device, port);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return std::nullopt;
    }
    // lockf() locks are POSIX record locks: F_GETLK says who holds one without taking it
    // (a read-only descriptor may ask about a write lock).
    struct flock query = {};
    query.l_type = F_WRLCK;
    query.l_whence = SEEK_SET;
    const int rc = ::fcntl(fd, F_GETLK, &query);
    ::close(fd);
    if (rc != 0 || query.l_type == F_UNLCK) {
        return std::nullopt;
    }
    return query.l_pid;
}

Result<PortLock> PortLock::acquire(const std::filesystem::path& run_dir, std::string_view device,
                                   unsigned port) {
    std::error_code ec;
    std::filesystem::create_directories(run_dir, ec);
    const auto path = run_dir / fmt::format("{}-{}.lock", device, port);
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return fail(Errc::io, fmt::format("{}: {}", path.string(), std::strerror(errno)));
    }
    while (::flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            const int err = errno;
            ::close(fd);
            return fail(Errc::io, fmt::format("{}: lock: {}", path.string(), std::strerror(err)));
        }
    }
    return PortLock(fd);
}

PortLock::PortLock(PortLock&& other) noexcept : fd_(other.fd_) {
    other.fd_ = -1;
}

PortLock& PortLock::operator=(PortLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

PortLock::~PortLock() {
    if (fd_ >= 0) {
        ::close(fd_);  // releases the flock
    }
}

Exclusions::Exclusions(const std::filesystem::path& run_dir) : file_(run_dir / "disconnected") {}

std::vector<Exclusion> Exclusions::load() const {
    std::vector<Exclusion> out;
    std::ifstream in(file_);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string device;
        std::string port;
        std::string id_ext;
        std::string ioc_guid;
        if (!(fields >> device >> port >> id_ext >> ioc_guid)) {
            continue;
        }
        const auto p = text::parse_number<unsigned>(port);
        const auto id = text::parse_hex(id_ext);
        const auto ioc = text::parse_hex(ioc_guid);
        if (p && id && ioc) {
            out.push_back(Exclusion{device, *p, *id, *ioc});
        }
    }
    return out;
}

Result<void> Exclusions::store(const std::vector<Exclusion>& entries) const {
    std::error_code ec;
    std::filesystem::create_directories(file_.parent_path(), ec);
    const auto tmp = file_.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        for (const Exclusion& e : entries) {
            out << fmt::format("{} {} {:016x} {:016x}\n", e.device, e.port, e.id_ext, e.ioc_guid);
        }
        out.close();
        if (!out) {
            return fail(Errc::io, fmt::format("{}: cannot be written", tmp));
        }
    }
    std::filesystem::rename(tmp, file_, ec);
    if (ec) {
        return fail(Errc::io, fmt::format("{}: {}", file_.string(), ec.message()));
    }
    return {};
}

Result<void> Exclusions::add(const std::vector<Exclusion>& entries) const {
    auto all = load();
    for (const Exclusion& e : entries) {
        if (std::find(all.begin(), all.end(), e) == all.end()) {
            all.push_back(e);
        }
    }
    return store(all);
}

Result<void> Exclusions::remove_target(std::string_view device, unsigned port, std::uint64_t id_ext,
                                       std::uint64_t ioc_guid) const {
    auto all = load();
    const auto size = all.size();
    std::erase_if(all, [&](const Exclusion& e) {
        return e.device == device && e.port == port && e.id_ext == id_ext && e.ioc_guid == ioc_guid;
    });
    return all.size() == size ? Result<void>{} : store(all);
}

Result<void> Exclusions::clear() const {
    std::error_code ec;
    std::filesystem::remove(file_, ec);
    return {};
}

}  // namespace srpadm::ops
