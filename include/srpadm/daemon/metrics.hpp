// The daemon's figures for a fleet: Prometheus' text exposition format (version 0.0.4), written
// to a file for node_exporter's textfile collector (srpadm daemon --metrics-file).
//
// The file is replaced whole (written beside it, then renamed), so that the collector never
// reads half of it; after a change, at most once per interval, and every refresh interval in
// any case (the collector's users alert on a file that stops changing). The metric names,
// types and labels are documented in srpadm(8), METRICS.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <srpadm/daemon/daemon.hpp>
#include <srpadm/result.hpp>
#include <srpadm/runtime/event_loop.hpp>

namespace srpadm::daemon {

// The exposition text for what the daemon shows.
std::string render_metrics(const std::vector<PortStatus>& ports,
                           const std::vector<TargetStatus>& targets);

// Replaces `path` with `content` through a temporary file in the same directory and rename(2),
// so that a reader sees the old file or the new one, never part of one. `mode` 0644 by default:
// the metrics collector runs as another user. Errc::io naming the file on failure.
Result<void> replace_file(const std::filesystem::path& path, const std::string& content,
                          unsigned mode = 0644);

struct MetricsOptions {
    runtime::Duration interval = std::chrono::seconds(1);  // the least time between writes
    runtime::Duration refresh = std::chrono::seconds(60);  // the most time between writes
};

class MetricsWriter {
  public:
    // `daemon` and `log` must outlive it. Runs on `loop`.
    MetricsWriter(runtime::EventLoop& loop, Daemon& daemon, std::filesystem::path path,
                  std::shared_ptr<Log> log, MetricsOptions options = {});
    ~MetricsWriter();
    MetricsWriter(const MetricsWriter&) = delete;
    MetricsWriter& operator=(const MetricsWriter&) = delete;
    MetricsWriter(MetricsWriter&&) = delete;
    MetricsWriter& operator=(MetricsWriter&&) = delete;

    // Writes the file now and follows the daemon.
    void start();
    std::uint64_t writes() const { return writes_; }

  private:
    void on_change();
    void write();

    runtime::EventLoop& loop_;
    Daemon& daemon_;
    std::filesystem::path path_;
    std::shared_ptr<Log> log_;
    MetricsOptions options_;
    std::uint64_t observer_ = 0;
    std::uint64_t writes_ = 0;
    bool failing_ = false;
    std::optional<runtime::TimePoint> last_write_;
    runtime::EventLoop::TimerId timer_ = 0;
    bool change_pending_ = false;
};

}  // namespace srpadm::daemon
