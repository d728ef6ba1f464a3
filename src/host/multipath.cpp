// The multipath.conf plan for the SRP disks (see multipath.hpp).
#include <map>
#include <utility>

#include <srpadm/host/multipath.hpp>
#include <srpadm/model/login.hpp>

namespace srpadm::host {
namespace {

// The characters with a meaning in a POSIX extended regular expression (outside brackets).
constexpr std::string_view kRegexSpecial = R"(\^$.[]|()*+?{})";

std::optional<std::string> shown(const std::optional<std::string>& text) {
    return text ? std::optional(login::printable(*text)) : std::nullopt;
}

// A remote port's timeouts against the queueing; nullopt when they suit it.
std::optional<MultipathTimeoutNote> timeout_note(const MultipathPath& path,
                                                 const MultipathPlan& plan) {
    using Kind = MultipathTimeoutNote::Kind;
    if (!path.timeouts) {
        return MultipathTimeoutNote{path.host, Kind::unreadable, 0};
    }
    const model::TmoValues& tmo = *path.timeouts;
    if (tmo.fast_io_fail_tmo == model::kTmoOff) {
        return MultipathTimeoutNote{path.host, Kind::fast_io_fail_off, tmo.dev_loss_tmo};
    }
    if (tmo.dev_loss_tmo != model::kTmoOff && tmo.dev_loss_tmo < plan.min_dev_loss_tmo) {
        return MultipathTimeoutNote{path.host, Kind::dev_loss_short, tmo.dev_loss_tmo};
    }
    return std::nullopt;
}

}  // namespace

std::string_view multipath_profile_name(MultipathProfile profile) {
    switch (profile) {
        case MultipathProfile::lio:
            return "LIO";
        case MultipathProfile::scst:
            return "SCST";
        case MultipathProfile::other:
            break;
    }
    return "other";
}

MultipathProfile multipath_profile(std::string_view vendor) {
    if (vendor.find("LIO-ORG") != std::string_view::npos ||
        vendor.find("SUSE") != std::string_view::npos) {
        return MultipathProfile::lio;
    }
    if (vendor.substr(0, 5) == "SCST_") {
        return MultipathProfile::scst;
    }
    return MultipathProfile::other;
}

MultipathSettings multipath_settings(MultipathProfile profile) {
    MultipathSettings s;
    s.path_grouping_policy = "group_by_prio";
    s.failback = "immediate";
    s.no_path_retry = kMultipathNoPathRetry;
    if (profile != MultipathProfile::other) {
        s.prio = "alua";
    }
    if (profile == MultipathProfile::lio) {
        s.path_checker = "directio";
        s.detect_checker = false;
    }
    return s;
}

std::string multipath_regex(std::string_view literal) {
    std::string out = "^";
    for (const char c : literal) {
        if (kRegexSpecial.find(c) != std::string_view::npos) {
            out += '\\';
        }
        out += c;
    }
    return out + "$";
}

std::string multipath_quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        out += c;
        if (c == '"') {
            out += '"';
        }
    }
    return out + "\"";
}

MultipathPlan multipath_plan(const std::vector<SrpHost>& hosts) {
    MultipathPlan plan;
    plan.queue_seconds = plan.no_path_retry * plan.polling_interval;
    plan.min_dev_loss_tmo = plan.queue_seconds + plan.queue_seconds / 60 + plan.polling_interval;
    std::map<std::pair<std::uint64_t, Guid>, std::size_t> target_index;
    for (const SrpHost& h : hosts) {
        if (h.going_away()) {
            continue;
        }
        const auto key = std::make_pair(h.id_ext, h.ioc_guid);
        auto it = target_index.find(key);
        if (it == target_index.end()) {
            it = target_index.emplace(key, plan.targets.size()).first;
            plan.targets.push_back({h.id_ext, h.ioc_guid, {}});
        }
        MultipathPath path;
        path.host = h.name;
        path.local_device = login::printable(h.local_device);
        path.local_port = h.local_port;
        path.state = login::printable(h.state());
        if (h.remote_port) {
            path.timeouts = h.remote_port->timeouts;
        }
        for (const ScsiDevice& d : h.devices) {
            if (!d.block.empty()) {
                path.disks.push_back({login::printable(d.block), login::printable(d.hctl),
                                      shown(d.vendor), shown(d.model), shown(d.wwid)});
            }
        }
        plan.targets[it->second].paths.push_back(std::move(path));
    }
    // The device entries, by vendor/product pair, in the order of their first disk.
    std::map<std::pair<std::string, std::string>, std::size_t> device_index;
    for (const MultipathTarget& target : plan.targets) {
        for (const MultipathPath& path : target.paths) {
            if (!path.disks.empty()) {
                if (auto note = timeout_note(path, plan)) {
                    plan.timeout_notes.push_back(std::move(*note));
                }
            }
            for (const MultipathDisk& disk : path.disks) {
                if (!disk.vendor || !disk.model) {
                    plan.unidentified.push_back(disk);
                    continue;
                }
                const auto key = std::make_pair(*disk.vendor, *disk.model);
                auto it = device_index.find(key);
                if (it == device_index.end()) {
                    it = device_index.emplace(key, plan.devices.size()).first;
                    MultipathDevice device;
                    device.vendor = *disk.vendor;
                    device.product = *disk.model;
                    device.vendor_value = multipath_quoted(multipath_regex(device.vendor));
                    device.product_value = multipath_quoted(multipath_regex(device.product));
                    device.profile = multipath_profile(device.vendor);
                    device.settings = multipath_settings(device.profile);
                    plan.devices.push_back(std::move(device));
                }
                plan.devices[it->second].disks.push_back(disk.block);
            }
        }
    }
    return plan;
}

}  // namespace srpadm::host
