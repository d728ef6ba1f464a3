// How the daemon retries a login that failed: what a result means for the next attempt, and
// when that attempt comes (capped exponential backoff with jitter, per target and local port,
// so that many initiators retrying after one event do not hit a target in step).
#pragma once

#include <chrono>
#include <random>
#include <string_view>

#include <srpadm/host/actions.hpp>
#include <srpadm/runtime/clock.hpp>

namespace srpadm::daemon {

struct RetryPolicy {
    runtime::Duration first = std::chrono::seconds(2);  // after the first failure
    runtime::Duration max = std::chrono::seconds(60);   // the cap: the longest an ACL fix waits
    double jitter = 0.2;                                // up to +-20 % of each delay
};

// What a login attempt's result asks of the daemon.
enum class Verdict : std::uint8_t {
    connected,  // the login is there (made now, or already: EEXIST, found under the lock)
    retry,      // try again after a backoff: rejected by the target (ACL), no path, timed out,
                // the host vanished after the write, ib_srp not there yet
    invalid,    // the kernel refused the line itself (EINVAL): not again until the
                // configuration changes
};

Verdict verdict(const host::ConnectResult& result);
// "connected", "retry", "invalid".
std::string_view verdict_name(Verdict verdict);

// The delay before attempt `failures` + 1 (failures >= 1): first * 2^(failures - 1), capped at
// max, then spread by the jitter.
runtime::Duration retry_delay(const RetryPolicy& policy, unsigned failures, std::minstd_rand& rng);

}  // namespace srpadm::daemon
