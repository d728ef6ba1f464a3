#include <cstdlib>
#include <mutex>
#include <sys/stat.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <srpadm/daemon/log.hpp>

namespace srpadm::daemon {
namespace {

// The fields of the entry being written: set by Log::write around the spdlog call, read by the
// journal sink on the same thread.
struct Fields {
    std::string_view port;
    std::string_view target;
};
thread_local Fields t_fields;

int priority(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
        case spdlog::level::debug:
            return LOG_DEBUG;
        case spdlog::level::info:
            return LOG_INFO;
        case spdlog::level::warn:
            return LOG_WARNING;
        case spdlog::level::err:
            return LOG_ERR;
        case spdlog::level::critical:
            return LOG_CRIT;
        default:
            return LOG_INFO;
    }
}

class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        const std::string message(msg.payload.data(), msg.payload.size());
        const std::string text = "MESSAGE=" + message;
        const std::string prio = fmt::format("PRIORITY={}", priority(msg.level));
        const std::string ident = "SYSLOG_IDENTIFIER=srpadm";
        const std::string port = fmt::format("SRPADM_PORT={}", t_fields.port);
        const std::string target = fmt::format("SRPADM_TARGET={}", t_fields.target);
        iovec fields[5] = {{const_cast<char*>(text.data()), text.size()},
                           {const_cast<char*>(prio.data()), prio.size()},
                           {const_cast<char*>(ident.data()), ident.size()},
                           {const_cast<char*>(port.data()), port.size()},
                           {const_cast<char*>(target.data()), target.size()}};
        int n = 3;
        if (!t_fields.port.empty()) {
            ++n;
        }
        if (!t_fields.target.empty()) {
            fields[n] = fields[4];
            ++n;
        }
        sd_journal_sendv(fields, n);
    }
    void flush_() override {}
};

}  // namespace

bool stderr_is_journal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) {
        return false;
    }
    struct stat st = {};
    if (::fstat(STDERR_FILENO, &st) != 0) {
        return false;
    }
    unsigned long long dev = 0;
    unsigned long long ino = 0;
    if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) {
        return false;
    }
    return static_cast<unsigned long long>(st.st_dev) == dev &&
           static_cast<unsigned long long>(st.st_ino) == ino;
}

std::shared_ptr<Log> Log::for_process(spdlog::level::level_enum level) {
    std::shared_ptr<spdlog::logger> logger;
    if (stderr_is_journal()) {
        logger = std::make_shared<spdlog::logger>("srpadm", std::make_shared<JournalSink>());
        logger->set_pattern("%v");
    } else {
        logger = std::make_shared<spdlog::logger>(
            "srpadm", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        logger->set_pattern("srpadm: %l: %v");
    }
    logger->set_level(level);
    logger->flush_on(spdlog::level::trace);
    return std::make_shared<Log>(std::move(logger));
}

void Log::write(spdlog::level::level_enum level, std::string_view port, std::string_view target,
                const std::string& message) {
    if (!logger_->should_log(level)) {
        return;
    }
    t_fields = Fields{port, target};
    if (port.empty()) {
        logger_->log(level, "{}", message);
    } else if (target.empty()) {
        logger_->log(level, "{}: {}", port, message);
    } else {
        logger_->log(level, "{} {}: {}", port, target, message);
    }
    t_fields = Fields{};
}

}  // namespace srpadm::daemon
