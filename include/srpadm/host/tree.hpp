// Changes to the kernel's target-side trees: SCST's sysfs (kernel/scst_tgt), LIO's configfs
// (target/) and the files a target exports. One interface, so that a plan is applied by the
// same code whether the trees are the kernel's or a test's stand-in (sim/target_kernel.hpp
// interprets SCST's management commands and LIO's mkdir as the kernel would).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include <srpadm/host/sysfs.hpp>
#include <srpadm/result.hpp>

namespace srpadm::host {

// Which tree a path is relative to.
enum class Tree : std::uint8_t {
    sysfs,     // below the sysfs root ("/sys")
    configfs,  // below the configfs root ("/sys/kernel/config")
    files,     // an absolute path: a backing file the target exports
};

// The roots the target side reads and writes below.
struct TreeRoots {
    Sysfs sysfs{"/sys"};
    Sysfs configfs{"/sys/kernel/config"};

    const Sysfs& of(Tree tree) const;
    // The path as an admin would type it: the root joined with the relative path.
    std::string display(Tree tree, std::string_view relative) const;
};

class TreeWriter {
  public:
    TreeWriter() = default;
    TreeWriter(const TreeWriter&) = delete;
    TreeWriter& operator=(const TreeWriter&) = delete;
    TreeWriter(TreeWriter&&) = delete;
    TreeWriter& operator=(TreeWriter&&) = delete;
    virtual ~TreeWriter() = default;

    virtual const TreeRoots& roots() const = 0;
    // Each returns {} or the errno of the one call it makes.
    virtual std::error_code write(Tree tree, const std::string& relative,
                                  const std::string& data) = 0;
    virtual std::error_code mkdir(Tree tree, const std::string& relative) = 0;
    virtual std::error_code rmdir(Tree tree, const std::string& relative) = 0;
    // A link at `relative` to `target`, both in `tree`; the link stores the target's absolute
    // path (roots().display()).
    virtual std::error_code symlink(Tree tree, const std::string& target,
                                    const std::string& relative) = 0;
    virtual std::error_code unlink(Tree tree, const std::string& relative) = 0;
    // A new file of `size` bytes (sparse: ftruncate), failing with EEXIST when one is there.
    virtual std::error_code create_file(Tree tree, const std::string& relative,
                                        std::uint64_t size) = 0;
    // The attribute's content (one trailing newline removed).
    virtual Result<std::string> read(Tree tree, const std::string& relative) = 0;
};

// The real one: system calls under the roots.
class RealTreeWriter final : public TreeWriter {
  public:
    explicit RealTreeWriter(TreeRoots roots) : roots_(std::move(roots)) {}

    const TreeRoots& roots() const override { return roots_; }
    std::error_code write(Tree tree, const std::string& relative, const std::string& data) override;
    std::error_code mkdir(Tree tree, const std::string& relative) override;
    std::error_code rmdir(Tree tree, const std::string& relative) override;
    std::error_code symlink(Tree tree, const std::string& target,
                            const std::string& relative) override;
    std::error_code unlink(Tree tree, const std::string& relative) override;
    std::error_code create_file(Tree tree, const std::string& relative,
                                std::uint64_t size) override;
    Result<std::string> read(Tree tree, const std::string& relative) override;

  private:
    TreeRoots roots_;
};

}  // namespace srpadm::host
