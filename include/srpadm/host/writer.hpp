// Writes to sysfs attributes, behind an interface so that tests record them and answer with
// chosen errnos. A write may block (an add_target write blocks through the path lookup, the
// login and the SCSI scan); HostActions runs them on a runtime::BlockingPool with a deadline.
#pragma once

#include <string>
#include <system_error>

#include <srpadm/host/sysfs.hpp>

namespace srpadm::host {

class SysfsWriter {
  public:
    SysfsWriter() = default;
    SysfsWriter(const SysfsWriter&) = delete;
    SysfsWriter& operator=(const SysfsWriter&) = delete;
    SysfsWriter(SysfsWriter&&) = delete;
    SysfsWriter& operator=(SysfsWriter&&) = delete;
    virtual ~SysfsWriter() = default;

    // Writes `data` to the attribute at `relative` (below the sysfs root) in one write();
    // {} on success, else the errno. May block; may be called from a worker thread.
    virtual std::error_code write(const std::string& relative, const std::string& data) = 0;
};

// The real one: Sysfs::write under the given root.
class RealSysfsWriter final : public SysfsWriter {
  public:
    explicit RealSysfsWriter(Sysfs sysfs) : sysfs_(std::move(sysfs)) {}
    std::error_code write(const std::string& relative, const std::string& data) override {
        return sysfs_.write(relative, data);
    }

  private:
    Sysfs sysfs_;
};

}  // namespace srpadm::host
