#include <array>
#include <utility>

#include <fmt/format.h>

#include <srpadm/host/uevent.hpp>
#include <srpadm/model/login.hpp>
#include <srpadm/text.hpp>

namespace srpadm::host {
namespace {

constexpr std::array<std::pair<UeventAction, std::string_view>, 8> kActions = {{
    {UeventAction::add, "add"},
    {UeventAction::remove, "remove"},
    {UeventAction::change, "change"},
    {UeventAction::move, "move"},
    {UeventAction::online, "online"},
    {UeventAction::offline, "offline"},
    {UeventAction::bind, "bind"},
    {UeventAction::unbind, "unbind"},
}};

// Port numbers are 8 bits (the kernel's u8 port_num) and start at 1 on a channel adapter (port
// 0 is a switch's management port, never a host's).
constexpr std::uint32_t kMaxPort = 255;

std::string shown(const std::optional<std::string_view>& value) {
    return value ? fmt::format("\"{}\"", login::printable(value->substr(0, 64)))
                 : std::string("none");
}

std::optional<std::uint32_t> port_number(std::string_view text) {
    const auto n = text::parse_number<std::uint32_t>(text);
    if (!n || *n == 0 || *n > kMaxPort) {
        return std::nullopt;
    }
    return n;
}

bool device_name_ok(std::string_view name) {
    return !name.empty() && name.size() <= kIbDeviceNameMax;
}

}  // namespace

std::string_view uevent_action_name(UeventAction action) {
    for (const auto& [a, name] : kActions) {
        if (a == action) {
            return name;
        }
    }
    return "unknown";
}

std::optional<UeventAction> parse_uevent_action(std::string_view text) {
    for (const auto& [a, name] : kActions) {
        if (name == text) {
            return a;
        }
    }
    return std::nullopt;
}

std::optional<std::pair<std::string, std::uint32_t>> parse_srp_host_name(std::string_view name) {
    constexpr std::string_view kPrefix = "srp-";
    const auto dash = name.rfind('-');
    if (!name.starts_with(kPrefix) || dash == std::string_view::npos || dash < kPrefix.size()) {
        return std::nullopt;
    }
    const std::string_view ibdev = name.substr(kPrefix.size(), dash - kPrefix.size());
    const auto port = port_number(name.substr(dash + 1));
    if (!device_name_ok(ibdev) || !port) {
        return std::nullopt;
    }
    return std::pair<std::string, std::uint32_t>(std::string(ibdev), *port);
}

Result<Uevent> make_uevent(const UeventFields& f) {
    const auto malformed = [&f](std::string_view why) {
        return fail(Errc::malformed,
                    fmt::format("uevent {}: action {}, subsystem {}, devpath {}", why,
                                shown(f.action), shown(f.subsystem), shown(f.devpath)));
    };
    for (const auto& field : {f.action, f.subsystem, f.sysname, f.devpath, f.ibdev, f.port}) {
        if (field && field->size() > kUeventFieldMax) {
            return malformed(fmt::format("with a field longer than {} bytes", kUeventFieldMax));
        }
    }
    if (!f.action) {
        return malformed("without an action");
    }
    const auto action = parse_uevent_action(*f.action);
    if (!action) {
        return malformed("with an unknown action");
    }
    if (!f.subsystem || f.subsystem->empty()) {
        return malformed("without a subsystem");
    }
    if (!f.devpath || !f.devpath->starts_with('/')) {
        return malformed("without a devpath");
    }
    std::string_view sysname;
    if (f.sysname) {
        sysname = *f.sysname;
    } else {
        sysname = f.devpath->substr(f.devpath->rfind('/') + 1);
    }
    if (sysname.empty()) {
        return malformed("without a device name");
    }
    Uevent e;
    e.action = *action;
    e.subsystem = std::string(*f.subsystem);
    e.sysname = std::string(sysname);
    e.devpath = std::string(*f.devpath);
    if (f.ibdev && device_name_ok(*f.ibdev)) {
        e.ibdev = std::string(*f.ibdev);
    }
    if (f.port) {
        e.port = port_number(*f.port);
    }
    if (e.subsystem == "infiniband_srp" && !e.ibdev && !e.port) {
        if (auto named = parse_srp_host_name(e.sysname)) {
            e.ibdev = std::move(named->first);
            e.port = named->second;
        }
    }
    return e;
}

std::string describe(const Uevent& e) {
    std::string out =
        fmt::format("{} {} {} ({})", uevent_action_name(e.action), login::printable(e.subsystem),
                    login::printable(e.sysname), login::printable(e.devpath));
    if (e.ibdev) {
        out += fmt::format(" ibdev={}", login::printable(*e.ibdev));
    }
    if (e.port) {
        out += fmt::format(" port={}", *e.port);
    }
    return out;
}

}  // namespace srpadm::host
