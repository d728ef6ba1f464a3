// The daemon's log, through spdlog. Under systemd (stderr connected to the journal, as
// $JOURNAL_STREAM says) every entry goes to the journal with its priority and, as structured
// fields, the local port (SRPADM_PORT) and the target (SRPADM_TARGET) it is about; on a
// terminal it is one human line on standard error. Callers log a state change once, not every
// attempt, so the log never floods.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

namespace srpadm::daemon {

class Log {
  public:
    // For this process: the journal when stderr is it, else standard error; entries below
    // `level` are dropped.
    static std::shared_ptr<Log> for_process(spdlog::level::level_enum level);
    // Over any spdlog logger (tests give one with an ostream sink).
    explicit Log(std::shared_ptr<spdlog::logger> logger) : logger_(std::move(logger)) {}

    // `port` ("mlx5_0:1") and `target` ("id_ext=...,ioc_guid=...") may be empty.
    void write(spdlog::level::level_enum level, std::string_view port, std::string_view target,
               const std::string& message);
    void debug(std::string_view port, std::string_view target, const std::string& message) {
        write(spdlog::level::debug, port, target, message);
    }
    void info(std::string_view port, std::string_view target, const std::string& message) {
        write(spdlog::level::info, port, target, message);
    }
    void warn(std::string_view port, std::string_view target, const std::string& message) {
        write(spdlog::level::warn, port, target, message);
    }
    void error(std::string_view port, std::string_view target, const std::string& message) {
        write(spdlog::level::err, port, target, message);
    }

    spdlog::logger& logger() { return *logger_; }

  private:
    std::shared_ptr<spdlog::logger> logger_;
};

// Whether standard error is the journal: $JOURNAL_STREAM names its device and inode
// (systemd.exec(5)).
bool stderr_is_journal();

}  // namespace srpadm::daemon
