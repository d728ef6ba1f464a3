// The one place that reads and writes sysfs and configfs. Every path is relative to a root
// directory: "/sys" or "/sys/kernel/config" in production (so "class/..." means
// /sys/class/...), a fixture tree in tests (--sysfs-root, --configfs-root).
//
// Files and directories are read with open(2)/read(2) and opendir(3), the calls libibumad
// itself uses, so that a process running under libumad2sim.so (which interposes exactly those
// calls and redirects /sys/class/infiniband* to its own fake tree) sees the simulated port.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <srpadm/result.hpp>

namespace srpadm::host {

class Sysfs {
  public:
    // `root` is the directory that stands for /sys (default "/sys").
    explicit Sysfs(std::filesystem::path root = "/sys") : root_(std::move(root)) {}

    const std::filesystem::path& root() const { return root_; }
    std::filesystem::path path(std::string_view relative) const { return root_ / relative; }

    bool exists(std::string_view relative) const;
    // The file's content with one trailing newline removed; not_found or io errors name the
    // path.
    Result<std::string> read(std::string_view relative) const;
    // Directory entries (names only, sorted, without "." and ".."); not_found when the
    // directory is missing.
    Result<std::vector<std::string>> list(std::string_view relative) const;

    // Writes `data` to an existing attribute with one write() call, as `echo -n data > file`
    // does (O_WRONLY|O_TRUNC, never O_CREAT: a missing attribute is ENOENT, as in sysfs).
    // Returns the errno of the open or the write (a short write counts as EIO), or {} on
    // success. Blocks for as long as the kernel takes: call it off the caller's thread when
    // that can be long (add_target; see writer.hpp).
    std::error_code write(std::string_view relative, std::string_view data) const;

    // What configfs (and a target's backing files) need beyond attributes: directories and
    // symbolic links. Each returns the errno of its one system call, or {}.
    std::error_code mkdir(std::string_view relative) const;  // mode 0755
    std::error_code rmdir(std::string_view relative) const;
    // A link at `relative` pointing to `target`, which configfs wants absolute (it resolves a
    // relative one against the caller's working directory, not the link's).
    std::error_code symlink(const std::filesystem::path& target, std::string_view relative) const;
    std::error_code unlink(std::string_view relative) const;
    // The link's target as stored; not_found when there is no link.
    Result<std::string> readlink(std::string_view relative) const;
    bool is_directory(std::string_view relative) const;
    bool is_symlink(std::string_view relative) const;

  private:
    std::filesystem::path root_;
};

// ib_srp's immediate-data limit: max_imm_data when the module parameter use_imm_data is on
// (module/ib_srp/parameters/{use_imm_data,max_imm_data}); nullopt when it is off, or ib_srp
// is not loaded (as srp_daemon treats it).
std::optional<std::uint32_t> ib_srp_max_imm_data(const Sysfs& sysfs);

// ib_srp's topspin_workarounds module parameter (default on, also when ib_srp is not loaded).
bool ib_srp_topspin_workarounds(const Sysfs& sysfs);

// The number in a sysfs attribute: decimal or 0x hex ("24", "0x1f"), optionally followed by
// ':' or a blank and a name ("4: ACTIVE", "5: LinkUp"); surrounding blanks are ignored;
// nullopt for anything else.
std::optional<std::uint64_t> parse_sysfs_number(std::string_view text);

}  // namespace srpadm::host
