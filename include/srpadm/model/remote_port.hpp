// The SRP remote-port timeouts (/sys/class/srp_remote_ports/port-H:1/{reconnect_delay,
// fast_io_fail_tmo,dev_loss_tmo}) and the kernel's rules for them.
//
// Each value is a number of seconds or "off". The kernel checks every write against the
// other two current values (scsi_transport_srp.c srp_tmo_valid) and refuses with EINVAL:
//   1. all three off;
//   2. reconnect_delay 0;
//   3. fast_io_fail_tmo above SCSI_DEVICE_BLOCK_MAX_TIMEOUT (600);
//   4. fast_io_fail_tmo off and dev_loss_tmo above 600;
//   5. dev_loss_tmo >= LONG_MAX / HZ (cannot happen with the int values the kernel parses
//      on a 64-bit kernel; srpadm accepts at most INT_MAX);
//   6. both timers on and fast_io_fail_tmo >= dev_loss_tmo.
// Because each write is checked alone, the order of writes matters (lowering dev_loss_tmo
// below the current fast_io_fail_tmo needs fast_io_fail_tmo lowered first): plan_tmo_writes()
// finds an order in which every step is valid. multipath-tools does not set these for SRP,
// so srpadm does, after connecting.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/result.hpp>

namespace srpadm::model {

inline constexpr int kTmoOff = -1;
inline constexpr int kScsiDeviceBlockMaxTimeout = 600;

enum class TmoKey : std::uint8_t { fast_io_fail_tmo, dev_loss_tmo, reconnect_delay };
inline constexpr std::array<TmoKey, 3> kTmoKeys = {TmoKey::fast_io_fail_tmo, TmoKey::dev_loss_tmo,
                                                   TmoKey::reconnect_delay};

// The sysfs attribute name: "fast_io_fail_tmo", "dev_loss_tmo", "reconnect_delay".
std::string_view tmo_name(TmoKey key);

// A full set as the kernel holds it; the defaults are ib_srp's module parameters.
struct TmoValues {
    int fast_io_fail_tmo = 15;
    int dev_loss_tmo = 600;
    int reconnect_delay = 10;

    int& at(TmoKey key);
    int at(TmoKey key) const;
    friend bool operator==(const TmoValues&, const TmoValues&) = default;
};

// What configuration or the command line asks for; an absent value is left as it is.
struct RemotePortTimeouts {
    std::optional<int> fast_io_fail_tmo;
    std::optional<int> dev_loss_tmo;
    std::optional<int> reconnect_delay;

    std::optional<int>& at(TmoKey key);
    const std::optional<int>& at(TmoKey key) const;
    bool empty() const { return !fast_io_fail_tmo && !dev_loss_tmo && !reconnect_delay; }
    // `over`'s values where it has them, this one's elsewhere.
    RemotePortTimeouts overridden_by(const RemotePortTimeouts& over) const;
    friend bool operator==(const RemotePortTimeouts&, const RemotePortTimeouts&) = default;
};

// "off" or decimal seconds 0..2147483647 without sign or leading zeros. The error names the
// attribute and the value.
Result<int> parse_tmo(TmoKey key, std::string_view text);
// "off" or the number, as sysfs shows it.
std::string format_tmo(int value);

// "fast_io_fail_tmo=5, dev_loss_tmo=60": the values given, in TmoKey order ("" for none).
std::string describe_tmo(const RemotePortTimeouts& values);

// The kernel's srp_tmo_valid() on a full set; the error says which rule is broken.
Result<void> check_tmo(const TmoValues& values);
// The rules that involve only the values given (for configuration checked without a host).
Result<void> check_tmo_given(const RemotePortTimeouts& given);
// `base` with `wanted` applied, checked as a whole.
Result<TmoValues> apply_tmo(const TmoValues& base, const RemotePortTimeouts& wanted);

struct TmoWrite {
    TmoKey key{};
    int value = 0;
    friend bool operator==(const TmoWrite&, const TmoWrite&) = default;
};
// "fast_io_fail_tmo=5, dev_loss_tmo=60": the writes, in their order.
std::string describe_tmo_writes(const std::vector<TmoWrite>& writes);

// The writes that take `current` to `current` with `wanted` applied (only the values that
// change), in an order in which every intermediate set passes check_tmo().
Result<std::vector<TmoWrite>> plan_tmo_writes(const TmoValues& current,
                                              const RemotePortTimeouts& wanted);

}  // namespace srpadm::model
