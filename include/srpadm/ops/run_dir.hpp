// What srpadm keeps under its run directory (/run/srpadm): the per-port login locks that keep
// the daemon and a connect-all by hand from logging in to one target twice, and the logins an
// admin disconnected on purpose, which the daemon leaves alone until told otherwise. Plus the
// check for rdma-core's srp_daemon on a port.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include <srpadm/result.hpp>

namespace srpadm::ops {

inline constexpr std::string_view kDefaultRunDir = "/run/srpadm";
// Where rdma-core's srp_daemon keeps its lock files (its RUNDIR; /run on Debian).
// srpadm's run directory for a sysfs root: /run/srpadm for the real /sys, and the stand-in
// host's own <root>/.srpadm for a --sysfs-root stand-in (so that tests and demos keep their
// locks and state apart from the machine's).
std::string default_run_dir(const std::string& sysfs_root);

inline constexpr std::string_view kSrpDaemonLockPrefix = "/run/srp_daemon";

// The pid of an srp_daemon that serves device:port: it holds a lockf() lock on
// <prefix>_<dev>_<port> (rdma-core srp_daemon/srp_daemon.c, check_process_uniqueness()).
// nullopt when there is no such file or nobody holds its lock.
std::optional<pid_t> srp_daemon_holder(std::string_view prefix, std::string_view device,
                                       unsigned port);

// An exclusive lock on <run-dir>/<dev>-<port>.lock, held while a login through that port is
// checked and written. Blocks until it is free; released when destroyed.
class PortLock {
  public:
    // Errc::io naming the file when it cannot be created or locked.
    static Result<PortLock> acquire(const std::filesystem::path& run_dir, std::string_view device,
                                    unsigned port);
    PortLock(PortLock&& other) noexcept;
    PortLock& operator=(PortLock&& other) noexcept;
    PortLock(const PortLock&) = delete;
    PortLock& operator=(const PortLock&) = delete;
    ~PortLock();

  private:
    explicit PortLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

// A login the admin took down (srpadm disconnect): local port and target, as sysfs names them
// (sysfs does not show initiator_ext).
struct Exclusion {
    std::string device;
    unsigned port = 0;
    std::uint64_t id_ext = 0;
    std::uint64_t ioc_guid = 0;

    friend bool operator==(const Exclusion&, const Exclusion&) = default;
};

// <run-dir>/disconnected: one "DEV PORT ID_EXT IOC_GUID" line per exclusion, replaced whole
// (written to a temporary file, then renamed) so that a reader never sees half of it.
class Exclusions {
  public:
    explicit Exclusions(const std::filesystem::path& run_dir);

    const std::filesystem::path& file() const { return file_; }
    // A missing file is an empty list; a line that does not parse is skipped.
    std::vector<Exclusion> load() const;
    // Adds (no duplicates) or removes entries; Errc::io naming the file on failure.
    Result<void> add(const std::vector<Exclusion>& entries) const;
    Result<void> remove_target(std::string_view device, unsigned port, std::uint64_t id_ext,
                               std::uint64_t ioc_guid) const;
    Result<void> clear() const;

  private:
    Result<void> store(const std::vector<Exclusion>& entries) const;

    std::filesystem::path file_;
};

}  // namespace srpadm::ops
