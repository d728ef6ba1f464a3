#include <algorithm>
#include <cerrno>

#include <srpadm/daemon/retry.hpp>

namespace srpadm::daemon {

Verdict verdict(const host::ConnectResult& result) {
    switch (result.state) {
        case host::ConnectState::connected:
        case host::ConnectState::already_connected:
            return Verdict::connected;
        case host::ConnectState::timed_out:
        case host::ConnectState::vanished:
            return Verdict::retry;
        case host::ConnectState::failed:
            // ib_srp parses the line before it connects (add_target_store(), srp_parse_options()
            // in drivers/infiniband/ulp/srp/ib_srp.c): EINVAL is the line, not the target.
            return result.error == EINVAL ? Verdict::invalid : Verdict::retry;
    }
    return Verdict::retry;
}

std::string_view verdict_name(Verdict verdict) {
    switch (verdict) {
        case Verdict::connected:
            return "connected";
        case Verdict::retry:
            return "retry";
        case Verdict::invalid:
            return "invalid";
    }
    return "?";
}

runtime::Duration retry_delay(const RetryPolicy& policy, unsigned failures, std::minstd_rand& rng) {
    runtime::Duration delay = policy.first;
    for (unsigned i = 1; i < failures && delay < policy.max; ++i) {
        delay *= 2;
    }
    delay = std::min(delay, policy.max);
    const auto spread = static_cast<runtime::Duration::rep>(static_cast<double>(delay.count()) *
                                                            std::clamp(policy.jitter, 0.0, 1.0));
    if (spread > 0) {
        std::uniform_int_distribution<runtime::Duration::rep> dist(-spread, spread);
        delay += runtime::Duration(dist(rng));
    }
    return std::max(delay, runtime::Duration(std::chrono::milliseconds(1)));
}

}  // namespace srpadm::daemon
