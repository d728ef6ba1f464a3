#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include <srpadm/model/login.hpp>
#include <srpadm/model/remote_port.hpp>

namespace srpadm::model {
namespace {

constexpr std::int64_t kIntMax = 2147483647;

bool on(int value) {
    return value >= 0;
}

std::string values_text(const TmoValues& v) {
    return fmt::format("fast_io_fail_tmo={}, dev_loss_tmo={}, reconnect_delay={}",
                       format_tmo(v.fast_io_fail_tmo), format_tmo(v.dev_loss_tmo),
                       format_tmo(v.reconnect_delay));
}

// srp_tmo_valid(); a nullopt value is unknown and skips the rules it takes part in.
std::optional<std::string> tmo_problem(std::optional<int> fast_io, std::optional<int> dev_loss,
                                       std::optional<int> reconnect) {
    if (fast_io && dev_loss && reconnect && !on(*fast_io) && !on(*dev_loss) && !on(*reconnect)) {
        return "reconnect_delay, fast_io_fail_tmo and dev_loss_tmo cannot all be off";
    }
    if (reconnect && *reconnect == 0) {
        return "reconnect_delay must not be 0 (give a positive number of seconds or off)";
    }
    if (fast_io && *fast_io > kScsiDeviceBlockMaxTimeout) {
        return fmt::format("fast_io_fail_tmo={} must be at most {} (SCSI_DEVICE_BLOCK_MAX_TIMEOUT)",
                           *fast_io, kScsiDeviceBlockMaxTimeout);
    }
    if (fast_io && dev_loss && !on(*fast_io) && *dev_loss > kScsiDeviceBlockMaxTimeout) {
        return fmt::format(
            "dev_loss_tmo={} must be at most {} while fast_io_fail_tmo is off (I/O would stay "
            "blocked longer than SCSI_DEVICE_BLOCK_MAX_TIMEOUT)",
            *dev_loss, kScsiDeviceBlockMaxTimeout);
    }
    if (fast_io && dev_loss && on(*fast_io) && on(*dev_loss) && *fast_io >= *dev_loss) {
        return fmt::format("fast_io_fail_tmo={} must be smaller than dev_loss_tmo={}", *fast_io,
                           *dev_loss);
    }
    return std::nullopt;
}

// The field of a TmoValues or RemotePortTimeouts (const or not) that holds `key`.
template <class Set>
auto& member(Set& set, TmoKey key) {
    switch (key) {
        case TmoKey::fast_io_fail_tmo:
            return set.fast_io_fail_tmo;
        case TmoKey::dev_loss_tmo:
            return set.dev_loss_tmo;
        case TmoKey::reconnect_delay:
            break;
    }
    return set.reconnect_delay;
}

}  // namespace

std::string_view tmo_name(TmoKey key) {
    switch (key) {
        case TmoKey::fast_io_fail_tmo:
            return "fast_io_fail_tmo";
        case TmoKey::dev_loss_tmo:
            return "dev_loss_tmo";
        case TmoKey::reconnect_delay:
            return "reconnect_delay";
    }
    return "?";
}

int& TmoValues::at(TmoKey key) {
    return member(*this, key);
}

int TmoValues::at(TmoKey key) const {
    return member(*this, key);
}

std::optional<int>& RemotePortTimeouts::at(TmoKey key) {
    return member(*this, key);
}

const std::optional<int>& RemotePortTimeouts::at(TmoKey key) const {
    return member(*this, key);
}

RemotePortTimeouts RemotePortTimeouts::overridden_by(const RemotePortTimeouts& over) const {
    RemotePortTimeouts out = *this;
    for (const TmoKey key : kTmoKeys) {
        if (over.at(key)) {
            out.at(key) = over.at(key);
        }
    }
    return out;
}

Result<int> parse_tmo(TmoKey key, std::string_view text) {
    if (text == "off") {
        return kTmoOff;
    }
    std::int64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    const bool digits_only = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return c >= '0' && c <= '9';
    });
    if (!digits_only || ec != std::errc{} || ptr != end || (text.size() > 1 && text[0] == '0') ||
        value > kIntMax) {
        return fail(Errc::invalid_input,
                    fmt::format("{}={}: must be off or a number of seconds 0..{} (decimal, "
                                "without leading zeros)",
                                tmo_name(key), login::printable(text), kIntMax));
    }
    return static_cast<int>(value);
}

std::string format_tmo(int value) {
    return on(value) ? fmt::format("{}", value) : std::string("off");
}

std::string describe_tmo(const RemotePortTimeouts& values) {
    std::string out;
    for (const TmoKey key : kTmoKeys) {
        if (values.at(key)) {
            out += fmt::format("{}{}={}", out.empty() ? "" : ", ", tmo_name(key),
                               format_tmo(*values.at(key)));
        }
    }
    return out;
}

std::string describe_tmo_writes(const std::vector<TmoWrite>& writes) {
    std::string out;
    for (const TmoWrite& w : writes) {
        out +=
            fmt::format("{}{}={}", out.empty() ? "" : ", ", tmo_name(w.key), format_tmo(w.value));
    }
    return out;
}

Result<void> check_tmo(const TmoValues& v) {
    if (auto problem = tmo_problem(v.fast_io_fail_tmo, v.dev_loss_tmo, v.reconnect_delay)) {
        return fail(Errc::invalid_input, fmt::format("{} ({})", *problem, values_text(v)));
    }
    return {};
}

Result<void> check_tmo_given(const RemotePortTimeouts& given) {
    if (auto problem =
            tmo_problem(given.fast_io_fail_tmo, given.dev_loss_tmo, given.reconnect_delay)) {
        return fail(Errc::invalid_input, *problem);
    }
    return {};
}

Result<TmoValues> apply_tmo(const TmoValues& base, const RemotePortTimeouts& wanted) {
    TmoValues out = base;
    for (const TmoKey key : kTmoKeys) {
        if (wanted.at(key)) {
            out.at(key) = *wanted.at(key);
        }
    }
    if (auto problem = tmo_problem(out.fast_io_fail_tmo, out.dev_loss_tmo, out.reconnect_delay)) {
        const std::string given = describe_tmo(wanted);
        return fail(Errc::invalid_input,
                    fmt::format("{} (asked for {}; with the other values the result would be {})",
                                *problem, given.empty() ? "nothing" : given, values_text(out)));
    }
    return out;
}

Result<std::vector<TmoWrite>> plan_tmo_writes(const TmoValues& current,
                                              const RemotePortTimeouts& wanted) {
    const auto target = apply_tmo(current, wanted);
    if (!target) {
        return Unexpected(target.error());
    }
    std::vector<TmoWrite> writes;
    for (const TmoKey key : kTmoKeys) {
        if (target->at(key) != current.at(key)) {
            writes.push_back({key, target->at(key)});
        }
    }
    // At most three writes: try the orders (fast_io_fail_tmo first by preference) until every
    // intermediate set is valid.
    auto order = writes;
    auto by_key = [](const TmoWrite& a, const TmoWrite& b) { return a.key < b.key; };
    std::sort(order.begin(), order.end(), by_key);
    do {
        TmoValues step = current;
        bool ok = true;
        for (const TmoWrite& w : order) {
            step.at(w.key) = w.value;
            if (!check_tmo(step)) {
                ok = false;
                break;
            }
        }
        if (ok) {
            return order;
        }
    } while (std::next_permutation(order.begin(), order.end(), by_key));
    return fail(Errc::invalid_input,
                fmt::format("no order of writes takes the remote port from {} to {} without "
                            "breaking the kernel's rules on the way",
                            values_text(current), values_text(*target)));
}

}  // namespace srpadm::model
