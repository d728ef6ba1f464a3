// Writes to sysfs attributes, behind an interface so that tests record them and answer with
// chosen errnos, and run off the caller's thread with a deadline: a write to add_target
// blocks through the path lookup, the login and the SCSI scan, and the caller must never
// block forever on it.
#pragma once

#include <chrono>
#include <memory>
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

struct WriteOutcome {
    bool timed_out = false;
    std::error_code error;  // when not timed out: {} on success

    bool ok() const { return !timed_out && !error; }
};

// Runs writer->write(relative, data) on a thread of its own and waits at most `timeout` for
// it. On a timeout the thread is left to finish (or stay blocked in the kernel) by itself: it
// holds its own reference to `writer` and copies of the strings, and touches nothing else.
WriteOutcome write_with_timeout(const std::shared_ptr<SysfsWriter>& writer, std::string relative,
                                std::string data, std::chrono::milliseconds timeout);

}  // namespace srpadm::host
