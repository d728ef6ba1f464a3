#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <srpadm/daemon/metrics.hpp>
#include <srpadm/host/srp_hosts.hpp>
#include <srpadm/version.hpp>

namespace srpadm::daemon {
namespace {

// A label value as the exposition format quotes it: backslash, double quote and line feed
// escaped; other control bytes (never expected: the texts come escaped already) replaced.
std::string label_value(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
                break;
        }
    }
    return out;
}

// The exposition text, one family at a time: HELP and TYPE once, then its samples.
class Exposition {
  public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        name_ = name;
        out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    }
    void sample(const std::vector<std::pair<std::string_view, std::string>>& labels, double value) {
        out_ += name_;
        if (!labels.empty()) {
            out_ += '{';
            bool first = true;
            for (const auto& [key, text] : labels) {
                out_ += fmt::format("{}{}=\"{}\"", first ? "" : ",", key, label_value(text));
                first = false;
            }
            out_ += '}';
        }
        out_ += fmt::format(" {}\n", value);
    }
    std::string take() { return std::move(out_); }

  private:
    std::string name_;
    std::string out_;
};

// How a target is named in a label: "id_ext,ioc_guid", as srpadm status groups paths.
std::string target_label(const TargetStatus& t) {
    const auto id = host::id_ext_value(t.found.id_ext);
    return id ? fmt::format("{:016x},{:016x}", *id, t.found.ioc_guid)
              : fmt::format("{},{:016x}", t.found.id_ext, t.found.ioc_guid);
}

double secs(runtime::Duration d) {
    return std::chrono::duration<double>(d).count();
}

}  // namespace

std::string render_metrics(const std::vector<PortStatus>& ports,
                           const std::vector<TargetStatus>& targets) {
    Exposition e;
    e.family("srpadm_info", "gauge", "The srpadm daemon that writes these figures (always 1).");
    e.sample({{"version", kVersion}}, 1);

    using PortFigure = double (*)(const PortStatus&);
    const auto per_port = [&](std::string_view name, std::string_view type, std::string_view help,
                              PortFigure figure) {
        e.family(name, type, help);
        for (const PortStatus& p : ports) {
            e.sample({{"port", p.port.str()}}, figure(p));
        }
    };
    per_port("srpadm_port_up", "gauge", "1 when the local port is ACTIVE and served.",
             [](const PortStatus& p) { return p.state == "up" ? 1.0 : 0.0; });
    per_port("srpadm_port_subscribed", "gauge",
             "1 while the port is subscribed to the SA's traps 64, 65, 144 and 145.",
             [](const PortStatus& p) { return p.subscribed ? 1.0 : 0.0; });
    per_port("srpadm_targets_found", "gauge", "SRP targets the port's last scan found.",
             [](const PortStatus& p) { return static_cast<double>(p.targets); });

    std::map<std::string, std::pair<std::size_t, std::size_t>> wanted_connected;
    for (const PortStatus& p : ports) {
        wanted_connected[p.port.str()] = {0, 0};
    }
    for (const TargetStatus& t : targets) {
        auto& [w, c] = wanted_connected[t.port.str()];
        w += wanted_phase(t.phase) ? 1 : 0;
        c += t.phase == TargetPhase::connected ? 1 : 0;
    }
    e.family("srpadm_targets_wanted", "gauge",
             "Targets found through the port that the rules allow and the admin did not take "
             "down.");
    for (const auto& [port, wc] : wanted_connected) {
        e.sample({{"port", port}}, static_cast<double>(wc.first));
    }
    e.family("srpadm_targets_connected", "gauge",
             "Targets the port is logged in to (ib_srp has their SCSI host).");
    for (const auto& [port, wc] : wanted_connected) {
        e.sample({{"port", port}}, static_cast<double>(wc.second));
    }

    e.family("srpadm_target_state", "gauge",
             "1 for the state each target is in on each port: connected, connecting, "
             "backing-off, invalid, denied, taken-down or waiting.");
    for (const TargetStatus& t : targets) {
        e.sample({{"port", t.port.str()},
                  {"target", target_label(t)},
                  {"state", std::string(target_phase_name(t.phase))}},
                 1);
    }
    e.family("srpadm_login_attempts_total", "counter",
             "Logins written to ib_srp's add_target since the daemon started.");
    for (const TargetStatus& t : targets) {
        e.sample({{"port", t.port.str()}, {"target", target_label(t)}},
                 static_cast<double>(t.attempts));
    }
    e.family("srpadm_login_failures_total", "counter",
             "Logins that failed, by reason: rejected, timed-out, unreachable, vanished, "
             "invalid, no-initiator-port, other.");
    for (const TargetStatus& t : targets) {
        for (const auto& [reason, count] : t.failures_by_reason) {
            e.sample({{"port", t.port.str()}, {"target", target_label(t)}, {"reason", reason}},
                     static_cast<double>(count));
        }
    }

    per_port("srpadm_sa_mads_sent_total", "counter",
             "Requests sent to the subnet administrator, retries counted.",
             [](const PortStatus& p) { return static_cast<double>(p.counters.sa_mads); });
    per_port("srpadm_dm_mads_sent_total", "counter",
             "Device Management requests sent to I/O units, retries counted.",
             [](const PortStatus& p) { return static_cast<double>(p.counters.dm_mads); });
    per_port("srpadm_mad_timeouts_total", "counter", "Requests that got no answer in time.",
             [](const PortStatus& p) { return static_cast<double>(p.counters.mad_timeouts); });
    per_port("srpadm_reports_received_total", "counter", "SA Reports (trap notices) received.",
             [](const PortStatus& p) { return static_cast<double>(p.counters.reports); });
    per_port("srpadm_subscriptions_renewed_total", "counter",
             "Trap subscription rounds that succeeded (the first, and after SM changes, "
             "reregistration requests and LID changes).",
             [](const PortStatus& p) { return static_cast<double>(p.counters.subscriptions); });
    e.family("srpadm_scans_total", "counter",
             "Scans of the fabric: full ones, and targeted ones after a Report.");
    for (const PortStatus& p : ports) {
        e.sample({{"port", p.port.str()}, {"kind", "full"}}, static_cast<double>(p.counters.scans));
        e.sample({{"port", p.port.str()}, {"kind", "targeted"}},
                 static_cast<double>(p.counters.targeted_scans));
    }
    per_port("srpadm_scan_failures_total", "counter", "Scans that failed (the SA unreachable).",
             [](const PortStatus& p) { return static_cast<double>(p.counters.scan_failures); });
    e.family("srpadm_last_scan_duration_seconds", "gauge",
             "How long the port's last finished scan took.");
    for (const PortStatus& p : ports) {
        if (p.last_scan) {
            e.sample({{"port", p.port.str()}}, secs(p.last_scan->elapsed));
        }
    }
    return e.take();
}

Result<void> replace_file(const std::filesystem::path& path, const std::string& content,
                          unsigned mode) {
    const std::filesystem::path temp = path.string() + fmt::format(".{}.tmp", ::getpid());
    const auto io_error = [&](const std::filesystem::path& which) {
        const int e = errno;
        std::error_code ec;
        std::filesystem::remove(temp, ec);
        return fail(Errc::io, fmt::format("{}: {}", which.string(), std::strerror(e)));
    };
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return io_error(temp);
    }
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            ::close(fd);
            return io_error(temp);
        }
        done += static_cast<std::size_t>(n);
    }
    // The unit's UMask= would leave it unreadable to the collector's user.
    if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
        ::close(fd);
        return io_error(temp);
    }
    if (::close(fd) != 0) {
        return io_error(temp);
    }
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
        return io_error(path);
    }
    return {};
}

MetricsWriter::MetricsWriter(runtime::EventLoop& loop, Daemon& daemon, std::filesystem::path path,
                             std::shared_ptr<Log> log, MetricsOptions options)
    : loop_(loop),
      daemon_(daemon),
      path_(std::move(path)),
      log_(std::move(log)),
      options_(options) {}

MetricsWriter::~MetricsWriter() {
    if (observer_ != 0) {
        daemon_.remove_observer(observer_);
    }
    if (timer_ != 0) {
        loop_.cancel(timer_);
    }
}

void MetricsWriter::start() {
    observer_ = daemon_.add_observer([this] { on_change(); });
    write();
}

// A change is written at once when the last write is an interval old, else when it is; one
// write covers every change before it.
void MetricsWriter::on_change() {
    if (change_pending_) {
        return;
    }
    change_pending_ = true;
    const auto due = last_write_ ? *last_write_ + options_.interval : loop_.now();
    if (timer_ != 0) {
        loop_.cancel(timer_);
    }
    timer_ = loop_.at(std::max(due, loop_.now()), [this] {
        timer_ = 0;
        write();
    });
}

void MetricsWriter::write() {
    change_pending_ = false;
    last_write_ = loop_.now();
    auto done = replace_file(path_, render_metrics(daemon_.ports(), daemon_.targets()));
    if (!done) {
        if (!failing_) {
            log_->warn("", "", "metrics not written: " + done.error().message);
        }
        failing_ = true;
    } else {
        ++writes_;
        if (failing_) {
            log_->info("", "", "metrics written again to " + path_.string());
        }
        failing_ = false;
    }
    if (timer_ != 0) {
        loop_.cancel(timer_);
    }
    timer_ = loop_.after(options_.refresh, [this] {
        timer_ = 0;
        write();
    });
}

}  // namespace srpadm::daemon
