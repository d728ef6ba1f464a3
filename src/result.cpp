#include <srpadm/result.hpp>

namespace srpadm {

std::string_view errc_name(Errc code) {
    switch (code) {
        case Errc::usage:
            return "usage";
        case Errc::invalid_input:
            return "invalid-input";
        case Errc::malformed:
            return "malformed";
        case Errc::not_found:
            return "not-found";
        case Errc::unsupported:
            return "unsupported";
        case Errc::port_state:
            return "port-state";
        case Errc::timeout:
            return "timeout";
        case Errc::send_failed:
            return "send-failed";
        case Errc::mad_status:
            return "mad-status";
        case Errc::busy:
            return "busy";
        case Errc::exists:
            return "exists";
        case Errc::io:
            return "io";
        case Errc::partial:
            return "partial";
        case Errc::cancelled:
            return "cancelled";
        case Errc::no_daemon:
            return "no-daemon";
        case Errc::not_permitted:
            return "not-permitted";
        case Errc::internal:
            return "internal";
    }
    return "unknown";
}

std::optional<Errc> errc_from_name(std::string_view name) {
    for (auto c = static_cast<std::uint8_t>(Errc::usage);
         c <= static_cast<std::uint8_t>(Errc::internal); ++c) {
        if (errc_name(static_cast<Errc>(c)) == name) {
            return static_cast<Errc>(c);
        }
    }
    return std::nullopt;
}

ExitStatus exit_status(Errc code) {
    switch (code) {
        case Errc::usage:
            return ExitStatus::usage;
        case Errc::invalid_input:
            return ExitStatus::invalid_input;
        case Errc::not_found:
        case Errc::unsupported:
        case Errc::port_state:
            return ExitStatus::port;
        case Errc::malformed:
        case Errc::timeout:
        case Errc::send_failed:
        case Errc::mad_status:
        case Errc::busy:
            return ExitStatus::discovery;
        case Errc::partial:
            return ExitStatus::partial;
        case Errc::exists:
        case Errc::io:
            return ExitStatus::connect;
        case Errc::cancelled:
            return ExitStatus::interrupted;
        case Errc::no_daemon:
        case Errc::not_permitted:
            return ExitStatus::daemon;
        case Errc::internal:
            return ExitStatus::failure;
    }
    return ExitStatus::failure;
}

}  // namespace srpadm
