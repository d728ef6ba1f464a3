// Result and error types shared by every layer.
//
// A failure a user can cause carries a message that names the input (file:line, option,
// target) and an error code; the CLI edge maps the code to a documented exit status
// (see exit_status() and man/srpadm.8, section EXIT STATUS).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace srpadm {

enum class Errc : std::uint8_t {
    usage,          // bad command line: unknown option, bad value
    invalid_input,  // bad content in a file or argument (fabric, rules, config, login string)
    malformed,      // bytes from the wire that do not decode (short, bad count, bad offset)
    not_found,      // a named thing (device, port, file, target) does not exist
    unsupported,    // valid but not supported here (e.g. RoCE port for SA discovery)
    port_state,     // local port not usable: down, no LID, no SM
    timeout,        // no answer before the deadline
    send_failed,    // the request could not be sent
    mad_status,     // the peer answered with a non-zero MAD status
    busy,           // the peer answered busy (status bit 0)
    exists,         // already present (e.g. EEXIST from add_target)
    io,             // a local read/write failed (sysfs, files)
    partial,        // an operation finished but some parts failed
    cancelled,      // stopped on request (SIGINT, SIGTERM, shutdown)
    no_daemon,      // no srpadm daemon answers on the control socket
    not_permitted,  // the daemon refused a change from this user (not root, not its group)
    internal,       // a bug
};

std::string_view errc_name(Errc code);
// The code errc_name() gives `name`; nullopt for a name it never gives.
std::optional<Errc> errc_from_name(std::string_view name);

struct Error {
    Errc code{Errc::internal};
    std::string message;

    Error() = default;
    Error(Errc c, std::string msg) : code(c), message(std::move(msg)) {}
};

template <class T>
using Result = tl::expected<T, Error>;

using Unexpected = tl::unexpected<Error>;

inline Unexpected fail(Errc code, std::string message) {
    return Unexpected(Error{code, std::move(message)});
}

// Documented process exit statuses (man/srpadm.8, EXIT STATUS).
enum class ExitStatus : int {
    ok = 0,
    failure = 1,        // unexpected internal failure
    usage = 2,          // bad command line
    invalid_input = 3,  // bad file or argument content
    port = 4,           // local device or port missing or unusable
    discovery = 5,      // the fabric could not be queried (SA unreachable, timeouts)
    partial = 6,        // finished, but some targets or ports failed
    connect = 7,        // a host-side action (add_target, delete) failed
    daemon = 8,         // no daemon answers on the control socket, or it refused the change
    interrupted = 130,  // stopped by a signal; the tools return 128 + its number (130, 143)
};

ExitStatus exit_status(Errc code);

}  // namespace srpadm
