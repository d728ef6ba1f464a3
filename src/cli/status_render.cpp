#include "status_render.hpp"

#include <cmath>

#include <fmt/format.h>

namespace srpadm::cli {
namespace {

using json = nlohmann::json;

constexpr std::string_view kUnknown = "unknown";

std::string str(const json& j, std::string_view fallback = kUnknown) {
    if (j.is_string()) {
        return j.get<std::string>();
    }
    if (j.is_number_integer() || j.is_number_unsigned()) {
        return fmt::format("{}", j.get<std::int64_t>());
    }
    if (j.is_boolean()) {
        return j.get<bool>() ? "yes" : "no";
    }
    return std::string(fallback);
}

std::string ago(const json& seconds) {
    return seconds.is_number() ? human_duration(seconds.get<double>()) + " ago"
                               : std::string(kUnknown);
}

std::string in(const json& seconds) {
    return seconds.is_number() ? "in " + human_duration(seconds.get<double>())
                               : std::string("none");
}

std::string daemon_line(const json& d) {
    if (!d.value("running", false)) {
        return fmt::format(
            "daemon: not running ({}); what only the daemon knows is shown as "
            "unknown\n",
            d.value("reason", std::string("no answer")));
    }
    return fmt::format("daemon: running, pid {}, srpadm {}, up {}{}\n", str(d.value("pid", json())),
                       str(d.value("version", json())),
                       d.value("uptime_s", json()).is_number()
                           ? human_duration(d["uptime_s"].get<double>())
                           : std::string(kUnknown),
                       d.value("settled", true) ? "" : ", first scans under way");
}

std::string scan_text(const json& scan) {
    if (!scan.is_object()) {
        return "none yet";
    }
    if (!scan.value("ok", false)) {
        return fmt::format("failed {}: {}", ago(scan.value("age_s", json())),
                           str(scan.value("error", json()), "?"));
    }
    return fmt::format(
        "{} {}: {} target(s) on {} I/O unit(s) in {}, {} SA + {} DM MADs{}",
        scan.value("targeted", false) ? "targeted" : "full", ago(scan.value("age_s", json())),
        str(scan.value("targets", json())), str(scan.value("dm_ports", json())),
        human_duration(scan.value("duration_s", 0.0)), str(scan.value("sa_requests", json())),
        str(scan.value("dm_requests", json())),
        scan.value("timeouts", 0) > 0 ? fmt::format(", {} timeout(s)", scan.value("timeouts", 0))
                                      : std::string());
}

std::string port_block(const json& p) {
    const json& d = p.value("daemon", json());
    std::string out = fmt::format("port {}", p.value("port", "?"));
    if (!p.value("link_layer", json()).is_null()) {
        out += fmt::format(" ({})", str(p["link_layer"]));
    }
    if (!d.is_object()) {
        out += fmt::format(": {}, SRP initiator port {}, not served by the daemon\n",
                           str(p.value("sysfs_state", json())),
                           p.value("srp_initiator", json()).is_boolean()
                               ? (p["srp_initiator"].get<bool>() ? "present" : "absent")
                               : "unknown");
        return out;
    }
    out += fmt::format(": {}, LID {}, SM LID {}\n", str(d.value("state", json())),
                       str(d.value("lid", json())), str(d.value("sm_lid", json())));
    out += fmt::format("  traps: {}\n",
                       d.value("subscribed", false)
                           ? "subscribed, renewed " + ago(d.value("subscribed_age_s", json()))
                           : std::string("not subscribed"));
    out += fmt::format("  last scan: {}{}\n", scan_text(d.value("last_scan", json())),
                       d.value("scanning", false) ? " (scanning now)" : "");
    out += fmt::format("  next rescan: {}\n", in(d.value("next_rescan_in_s", json())));
    return out;
}

std::string devices_text(const json& devices) {
    std::string out;
    for (const json& dev : devices) {
        out += " " + str(dev.value("block", json()), str(dev.value("hctl", json()), "?"));
    }
    return out;
}

// The state of a path, and why, in words; `running`: the daemon answered.
std::string path_detail(const json& p, bool running) {
    const std::string state = p.value("state", std::string(kUnknown));
    const json& d = p.value("daemon", json());
    if (state == "connected") {
        std::string out = str(p.value("host", json()), "?");
        if (!p.value("remote_port_state", json()).is_null()) {
            out += " " + str(p["remote_port_state"]);
        }
        out += devices_text(p.value("devices", json::array()));
        if (running && !d.is_object()) {
            out += " (the daemon does not serve it)";
        }
        return out;
    }
    if (!d.is_object()) {
        return std::string(kUnknown);
    }
    const std::string error = str(d.value("last_error", json()), "");
    if (state == "backing-off") {
        return fmt::format("attempt {} failed: {}; next try {}", str(d.value("failures", json())),
                           error, in(d.value("next_try_in_s", json())));
    }
    if (state == "denied") {
        const std::string rule = str(d.value("rule", json()), "");
        return rule.empty() ? "refused by the rules (no rule allows it)"
                            : "refused by the rule at " + rule;
    }
    if (state == "invalid") {
        return "the kernel refused the login line (not tried again until a reload): " + error;
    }
    if (state == "taken-down") {
        return "disconnected by the admin (srpadm connect or a reload brings it back)";
    }
    if (state == "connecting") {
        return "login being written";
    }
    return error.empty() ? std::string() : error;
}

}  // namespace

std::string human_duration(double seconds) {
    const auto s = static_cast<long long>(std::llround(std::max(seconds, 0.0)));
    if (seconds > 0 && seconds < 1) {
        return fmt::format("{}ms", static_cast<long long>(std::llround(seconds * 1000)));
    }
    if (seconds < 10) {
        return fmt::format("{:.1f}s", std::max(seconds, 0.0));
    }
    if (s < 60) {
        return fmt::format("{}s", s);
    }
    if (s < 3600) {
        return fmt::format("{}m{:02}s", s / 60, s % 60);
    }
    if (s < 86400) {
        return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
    }
    return fmt::format("{}d{:02}h", s / 86400, (s % 86400) / 3600);
}

std::string render_status_text(const json& doc) {
    std::string out = daemon_line(doc.value("daemon", json::object()));
    for (const json& p : doc.value("ports", json::array())) {
        out += port_block(p);
    }
    const bool running = doc.value("daemon", json::object()).value("running", false);
    const json& targets = doc.value("targets", json::array());
    if (targets.empty()) {
        out += "no SRP targets found or connected\n";
    }
    for (const json& t : targets) {
        const json& reachable = t.value("reachable_ports", json());
        out += fmt::format("target id_ext {} ioc_guid {}: connected through {} of {} port(s)\n",
                           t.value("id_ext", "?"), t.value("ioc_guid", "?"),
                           str(t.value("connected_ports", json())),
                           reachable.is_null() ? std::string(kUnknown) : str(reachable));
        for (const json& p : t.value("paths", json::array())) {
            out += fmt::format("  {:<10} {:<12} {}\n", p.value("port", "?"),
                               p.value("state", std::string(kUnknown)), path_detail(p, running));
        }
        if (t.value("warning", json()).is_string()) {
            out += "  warning: " + t["warning"].get<std::string>() + "\n";
        }
    }
    return out;
}

}  // namespace srpadm::cli
