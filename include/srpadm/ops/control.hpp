// The daemon's control socket: where it is, what is said on it, and the client side.
//
// The daemon listens on <run-dir>/srpadm.sock (a path in the file system, so that its
// permissions and owner say who may connect; /run/srpadm/srpadm.sock by default). A client
// writes one request per line and reads one answer per line, both JSON objects
// (docs/control-protocol.md):
//   {"version": 1, "command": "status"}
//   {"version": 1, "command": "rescan", "port": "mlx5_0:1"}      ("port" optional)
//   {"version": 1, "command": "reload"}
// and the daemon answers
//   {"version": 1, "ok": true, "result": {...}}
//   {"version": 1, "ok": false, "error": {"code": "not-permitted", "message": "..."}}
// Reading status is open to every local user; rescan and reload change what the daemon does
// and need root, the daemon's own user or the group it was given (SO_PEERCRED and
// SO_PEERGROUPS, checked by the daemon).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <srpadm/model/port.hpp>
#include <srpadm/result.hpp>

namespace srpadm::ops::control {

inline constexpr int kVersion = 1;
inline constexpr std::string_view kSocketName = "srpadm.sock";
// The longest request line the daemon reads; a longer one ends the connection.
inline constexpr std::size_t kMaxRequest = std::size_t{16} * 1024;

std::filesystem::path socket_path(const std::filesystem::path& run_dir);
// The socket a client talks to: in `run_dir`, or when it is empty in the run directory for
// `sysfs_root` (ops::default_run_dir()).
std::filesystem::path client_socket(const std::string& run_dir, const std::string& sysfs_root);

enum class Command : std::uint8_t { status, rescan, reload };
std::string_view command_name(Command command);  // "status", "rescan", "reload"
// Whether the command changes what the daemon does (and so needs a privileged peer).
bool changes_state(Command command);

struct Request {
    Command command = Command::status;
    std::optional<model::PortSelector> port;  // rescan: only this port (DEV or DEV:PORT)
};

// One request line, parsed. A line that is not a JSON object, lacks "command" or has a value
// of the wrong type: Errc::invalid_input; another version: Errc::unsupported; an unknown
// command: Errc::not_found. The message names what is wrong and never echoes more than a
// short, escaped piece of the line.
Result<Request> parse_request(std::string_view line);
// The request as a line, newline included (the client's side).
std::string request_line(const Request& request);

// Answers, newline included.
std::string ok_line(const nlohmann::json& result);
std::string error_line(const Error& error);

// What the daemon answered: the result, or its error.
using Answer = Result<nlohmann::json>;
// One answer line, parsed (the client's side); a line that is not an answer of this version
// is Errc::malformed.
Answer parse_answer(std::string_view line);

// Connects to the daemon at `socket`, sends `request` and waits for the answer, within
// `timeout` for the whole exchange. Errc::no_daemon when nothing listens there (no socket,
// connection refused); Errc::timeout when the daemon does not answer in time; otherwise the
// daemon's answer (its error as it sent it).
Answer ask(const std::filesystem::path& socket, const Request& request,
           std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A Unix stream socket address for `path`: paths longer than sun_path (108 bytes) go through
// /proc/self/fd/<dirfd>/<name>, with `dirfd` opened on the parent directory and owned by the
// caller (closed by the returned holder).
class UnixAddress {
  public:
    static Result<UnixAddress> make(const std::filesystem::path& path);
    UnixAddress(UnixAddress&& other) noexcept;
    UnixAddress& operator=(UnixAddress&&) = delete;
    UnixAddress(const UnixAddress&) = delete;
    UnixAddress& operator=(const UnixAddress&) = delete;
    ~UnixAddress();

    const std::string& sun_path() const { return sun_path_; }

  private:
    UnixAddress(std::string sun_path, int dirfd) : sun_path_(std::move(sun_path)), dirfd_(dirfd) {}
    std::string sun_path_;
    int dirfd_ = -1;
};

// A connected, close-on-exec Unix stream socket to `path`; Errc::no_daemon when nothing
// listens (ENOENT, ECONNREFUSED), Errc::io otherwise.
Result<int> connect_unix(const std::filesystem::path& path);

}  // namespace srpadm::ops::control
