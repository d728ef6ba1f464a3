#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>

#include <srpadm/ops/control.hpp>
#include <srpadm/ops/run_dir.hpp>

namespace srpadm::ops::control {
namespace {

// A short, printable piece of untrusted text for an error message.
std::string excerpt(std::string_view text) {
    constexpr std::size_t kMax = 40;
    std::string out;
    for (const char c : text.substr(0, kMax)) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f || c == '\\' || c == '\'') {
            out += fmt::format("\\x{:02x}", u);
        } else {
            out += c;
        }
    }
    if (text.size() > kMax) {
        out += "...";
    }
    return out;
}

constexpr std::string_view kCommands[] = {"status", "rescan", "reload"};

std::optional<Command> command_named(std::string_view name) {
    for (std::size_t i = 0; i < std::size(kCommands); ++i) {
        if (kCommands[i] == name) {
            return static_cast<Command>(i);
        }
    }
    return std::nullopt;
}

}  // namespace

std::filesystem::path socket_path(const std::filesystem::path& run_dir) {
    return run_dir / kSocketName;
}

std::filesystem::path client_socket(const std::string& run_dir, const std::string& sysfs_root) {
    return socket_path(run_dir.empty() ? default_run_dir(sysfs_root) : run_dir);
}

std::string_view command_name(Command command) {
    return kCommands[static_cast<std::size_t>(command)];
}

bool changes_state(Command command) {
    return command != Command::status;
}

Result<Request> parse_request(std::string_view line) {
    const auto doc = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) {
        return fail(Errc::invalid_input,
                    fmt::format("a request is one JSON object per line, not '{}'", excerpt(line)));
    }
    const auto version = doc.find("version");
    if (version == doc.end() || !version->is_number_integer()) {
        return fail(Errc::invalid_input,
                    "the request has no \"version\" (an integer; this daemon speaks 1)");
    }
    if (version->get<std::int64_t>() != kVersion) {
        return fail(Errc::unsupported,
                    fmt::format("protocol version {} is not spoken here (this daemon "
                                "speaks {})",
                                version->dump(), kVersion));
    }
    const auto command = doc.find("command");
    if (command == doc.end() || !command->is_string()) {
        return fail(Errc::invalid_input,
                    "the request has no \"command\" (status, rescan or reload)");
    }
    const auto name = command->get<std::string>();
    const auto known = command_named(name);
    if (!known) {
        return fail(Errc::not_found,
                    fmt::format("unknown command '{}' (status, rescan or reload)", excerpt(name)));
    }
    Request request;
    request.command = *known;
    if (const auto port = doc.find("port"); port != doc.end() && !port->is_null()) {
        if (*known != Command::rescan || !port->is_string()) {
            return fail(Errc::invalid_input, "\"port\" is a string, and only for rescan");
        }
        const auto text = port->get<std::string>();
        auto selector = model::parse_port_selector(text);
        if (!selector) {
            return fail(Errc::invalid_input,
                        fmt::format("\"port\": '{}': {}", excerpt(text), selector.error().message));
        }
        request.port = *selector;
    }
    return request;
}

std::string request_line(const Request& request) {
    nlohmann::json doc{{"version", kVersion}, {"command", command_name(request.command)}};
    if (request.port) {
        doc["port"] = request.port->str();
    }
    return doc.dump() + "\n";
}

std::string ok_line(const nlohmann::json& result) {
    const nlohmann::json doc{{"version", kVersion}, {"ok", true}, {"result", result}};
    // Replace invalid UTF-8 rather than throw: every text in it was escaped before, but an
    // answer must never take the daemon down.
    return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string error_line(const Error& error) {
    const nlohmann::json doc{
        {"version", kVersion},
        {"ok", false},
        {"error", {{"code", errc_name(error.code)}, {"message", error.message}}}};
    return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Answer parse_answer(std::string_view line) {
    const auto doc = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    const auto malformed = [&] {
        return fail(Errc::malformed,
                    fmt::format("the daemon's answer is not one of protocol version {}: '{}'",
                                kVersion, excerpt(line)));
    };
    if (doc.is_discarded() || !doc.is_object() || doc.value("version", 0) != kVersion) {
        return malformed();
    }
    const auto ok = doc.find("ok");
    if (ok == doc.end() || !ok->is_boolean()) {
        return malformed();
    }
    if (ok->get<bool>()) {
        const auto result = doc.find("result");
        return result == doc.end() ? nlohmann::json::object() : *result;
    }
    const auto error = doc.find("error");
    if (error == doc.end() || !error->is_object()) {
        return malformed();
    }
    const auto code = errc_from_name(error->value("code", std::string()));
    return fail(code.value_or(Errc::internal), error->value("message", std::string("(none)")));
}

Result<UnixAddress> UnixAddress::make(const std::filesystem::path& path) {
    constexpr std::size_t kMax = sizeof(sockaddr_un::sun_path) - 1;
    if (path.native().size() <= kMax) {
        return UnixAddress(path.native(), -1);
    }
    const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
    const int fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return fail(Errc::io, fmt::format("{}: {}", dir.string(), std::strerror(errno)));
    }
    std::string name = fmt::format("/proc/self/fd/{}/{}", fd, path.filename().string());
    if (name.size() > kMax) {
        ::close(fd);
        return fail(Errc::invalid_input,
                    fmt::format("{}: the socket's name is too long", path.string()));
    }
    return UnixAddress(std::move(name), fd);
}

UnixAddress::UnixAddress(UnixAddress&& other) noexcept
    : sun_path_(std::move(other.sun_path_)), dirfd_(std::exchange(other.dirfd_, -1)) {}

UnixAddress::~UnixAddress() {
    if (dirfd_ >= 0) {
        ::close(dirfd_);
    }
}

Result<int> connect_unix(const std::filesystem::path& path) {
    auto address = UnixAddress::make(path);
    if (!address) {
        return Unexpected(address.error());
    }
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, address->sun_path().c_str(), address->sun_path().size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return fail(Errc::io, fmt::format("socket: {}", std::strerror(errno)));
    }
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)) != 0) {
        const int e = errno;
        ::close(fd);
        if (e == ENOENT || e == ECONNREFUSED || e == ENOTDIR) {
            return fail(Errc::no_daemon,
                        fmt::format("no srpadm daemon listens on {}", path.string()));
        }
        return fail(Errc::io, fmt::format("{}: {}", path.string(), std::strerror(e)));
    }
    return fd;
}

Answer ask(const std::filesystem::path& socket, const Request& request,
           std::chrono::milliseconds timeout) {
    auto connected = connect_unix(socket);
    if (!connected) {
        return Unexpected(connected.error());
    }
    const int fd = *connected;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const auto wait = [&](short events) -> Result<void> {
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                return fail(Errc::timeout, fmt::format("the daemon on {} did not answer within {} "
                                                       "ms",
                                                       socket.string(), timeout.count()));
            }
            pollfd p{fd, events, 0};
            const int n = ::poll(&p, 1, static_cast<int>(left.count()));
            if (n > 0) {
                return {};
            }
            if (n < 0 && errno != EINTR) {
                return fail(Errc::io, fmt::format("{}: {}", socket.string(), std::strerror(errno)));
            }
        }
    };
    const std::string line = request_line(request);
    std::size_t sent = 0;
    std::string in;
    Answer answer = fail(Errc::internal, "no answer");
    for (;;) {
        if (sent < line.size()) {
            if (auto ready = wait(POLLOUT); !ready) {
                answer = Unexpected(ready.error());
                break;
            }
            const ssize_t n = ::send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
            if (n < 0 && errno != EINTR && errno != EAGAIN) {
                answer =
                    fail(Errc::io, fmt::format("{}: {}", socket.string(), std::strerror(errno)));
                break;
            }
            sent += n > 0 ? static_cast<std::size_t>(n) : 0;
            continue;
        }
        if (auto ready = wait(POLLIN); !ready) {
            answer = Unexpected(ready.error());
            break;
        }
        char buf[65536];
        const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n <= 0) {
            answer = fail(Errc::no_daemon,
                          fmt::format("the daemon on {} closed the connection without an answer",
                                      socket.string()));
            break;
        }
        in.append(buf, static_cast<std::size_t>(n));
        if (const auto nl = in.find('\n'); nl != std::string::npos) {
            answer = parse_answer(std::string_view(in).substr(0, nl));
            break;
        }
    }
    ::close(fd);
    return answer;
}

}  // namespace srpadm::ops::control
