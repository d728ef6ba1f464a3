// The control socket: the protocol's parser and answers (ops/control.hpp), and the daemon's
// server (daemon/control_server.hpp) on a real Unix socket and a real event loop, with good,
// bad, unauthorised and slow clients.
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <srpadm/daemon/control_server.hpp>
#include <srpadm/ops/control.hpp>
#include <srpadm/runtime/clock.hpp>
#include <srpadm/runtime/event_loop.hpp>

namespace srpadm {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ops::control::Command;
using ops::control::parse_request;

TEST(ControlProtocol, ParsesTheThreeCommands) {
    auto status = parse_request(R"({"version": 1, "command": "status"})");
    ASSERT_TRUE(status) << status.error().message;
    EXPECT_EQ(status->command, Command::status);
    EXPECT_FALSE(status->port);
    auto rescan = parse_request(R"({"version":1,"command":"rescan","port":"mlx5_0:1"})");
    ASSERT_TRUE(rescan) << rescan.error().message;
    EXPECT_EQ(rescan->command, Command::rescan);
    ASSERT_TRUE(rescan->port);
    EXPECT_EQ(rescan->port->str(), "mlx5_0:1");
    auto reload = parse_request(R"({"version":1,"command":"reload","port":null})");
    ASSERT_TRUE(reload);
    EXPECT_EQ(reload->command, Command::reload);
    EXPECT_FALSE(ops::control::changes_state(Command::status));
    EXPECT_TRUE(ops::control::changes_state(Command::rescan));
    EXPECT_TRUE(ops::control::changes_state(Command::reload));
}

TEST(ControlProtocol, RequestLinesRoundTrip) {
    ops::control::Request r{Command::rescan, model::PortSelector{"mlx5_1", 2}};
    const std::string line = ops::control::request_line(r);
    ASSERT_EQ(line.back(), '\n');
    EXPECT_EQ(line, "{\"command\":\"rescan\",\"port\":\"mlx5_1:2\",\"version\":1}\n");
    auto back = parse_request(std::string_view(line).substr(0, line.size() - 1));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->command, Command::rescan);
    EXPECT_EQ(back->port, r.port);
}

TEST(ControlProtocol, RefusesBadRequestsWithAClearError) {
    const struct {
        const char* line;
        Errc code;
        const char* says;
    } cases[] = {
        {"status", Errc::invalid_input, "one JSON object per line, not 'status'"},
        {"[1,2]", Errc::invalid_input, "one JSON object per line"},
        {R"({"command":"status"})", Errc::invalid_input, "no \"version\""},
        {R"({"version":"1","command":"status"})", Errc::invalid_input, "no \"version\""},
        {R"({"version":2,"command":"status"})", Errc::unsupported,
         "protocol version 2 is not spoken here (this daemon speaks 1)"},
        {R"({"version":1})", Errc::invalid_input, "no \"command\""},
        {R"({"version":1,"command":"shutdown"})", Errc::not_found, "unknown command 'shutdown'"},
        {R"({"version":1,"command":"status","port":"mlx5_0"})", Errc::invalid_input,
         "only for rescan"},
        {R"({"version":1,"command":"rescan","port":"mlx5_0:0"})", Errc::invalid_input,
         "\"port\": 'mlx5_0:0'"},
        {R"({"version":1,"command":"rescan","port":7})", Errc::invalid_input, "is a string"},
    };
    for (const auto& c : cases) {
        auto r = parse_request(c.line);
        ASSERT_FALSE(r) << c.line;
        EXPECT_EQ(r.error().code, c.code) << c.line;
        EXPECT_NE(r.error().message.find(c.says), std::string::npos)
            << c.line << ": " << r.error().message;
    }
    // Control bytes from the peer are escaped, and a long line is cut.
    auto r = parse_request(std::string("\x1b[2J") + std::string(200, 'x'));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message.find('\x1b'), std::string::npos);
    EXPECT_NE(r.error().message.find("\\x1b[2J"), std::string::npos);
    EXPECT_LT(r.error().message.size(), 120U);
}

TEST(ControlProtocol, AnswersCarryTheResultOrTheError) {
    auto ok = ops::control::parse_answer(ops::control::ok_line({{"a", 1}}));
    ASSERT_TRUE(ok);
    EXPECT_EQ((*ok)["a"], 1);
    const std::string line = ops::control::error_line(Error{Errc::not_permitted, "no"});
    EXPECT_EQ(line,
              "{\"error\":{\"code\":\"not-permitted\",\"message\":\"no\"},\"ok\":false,"
              "\"version\":1}\n");
    auto err = ops::control::parse_answer(line);
    ASSERT_FALSE(err);
    EXPECT_EQ(err.error().code, Errc::not_permitted);
    EXPECT_EQ(err.error().message, "no");
    EXPECT_EQ(ops::control::parse_answer("{\"version\":3,\"ok\":true}").error().code,
              Errc::malformed);
    EXPECT_EQ(ops::control::parse_answer("garbage").error().code, Errc::malformed);
}

// ---- the server ---------------------------------------------------------------------------

// Runs the server's loop for `time`.
void pump(runtime::EventLoop& loop, std::chrono::milliseconds time) {
    bool fired = false;
    loop.after(time, [&] { fired = true; });
    loop.run_until([&] { return fired; });
}

// A raw client: connects, writes, reads lines, with a deadline.
class RawClient {
  public:
    explicit RawClient(const fs::path& path, int rcvbuf = 0) {
        auto fd = ops::control::connect_unix(path);
        EXPECT_TRUE(fd) << (fd ? "" : fd.error().message);
        fd_ = fd ? *fd : -1;
        if (rcvbuf > 0) {
            ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
        }
    }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;
    ~RawClient() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    void send(const std::string& text) const {
        EXPECT_EQ(::send(fd_, text.data(), text.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(text.size()));
    }
    // The next line, or "" after `wait` (or when the server closed).
    std::string line(runtime::EventLoop& loop, std::chrono::milliseconds wait = 2000ms) {
        const auto until = std::chrono::steady_clock::now() + wait;
        while (std::chrono::steady_clock::now() < until) {
            if (const auto nl = in_.find('\n'); nl != std::string::npos) {
                std::string out = in_.substr(0, nl);
                in_.erase(0, nl + 1);
                return out;
            }
            pump(loop, 10ms);
            char buf[65536];
            const ssize_t n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
            if (n == 0) {
                closed_ = true;
                return "";
            }
            if (n > 0) {
                in_.append(buf, static_cast<std::size_t>(n));
            }
        }
        return "";
    }
    // Whether the server closed the connection (reads until EOF or `wait`).
    bool closed(runtime::EventLoop& loop, std::chrono::milliseconds wait = 3000ms) {
        const auto until = std::chrono::steady_clock::now() + wait;
        while (!closed_ && std::chrono::steady_clock::now() < until) {
            line(loop, 50ms);
        }
        return closed_;
    }

  private:
    int fd_ = -1;
    std::string in_;
    bool closed_ = false;
};

class ControlServerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::random_device random;
        dir_ = fs::temp_directory_path() / fmt::format("srpadm-control-{}-{}", random(), random());
        fs::create_directories(dir_);
    }
    void TearDown() override {
        server_.reset();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    // `allow`: what the authorizer says to every peer.
    void start(bool allow, daemon::ControlLimits limits = {}) {
        server_ = std::make_unique<daemon::ControlServer>(
            loop_, ops::control::socket_path(dir_),
            [allow](const daemon::Peer& p) {
                EXPECT_EQ(p.uid, ::geteuid());  // SO_PEERCRED names this process
                EXPECT_EQ(p.pid, ::getpid());
                return allow;
            },
            [this](const ops::control::Request& r) -> Result<nlohmann::json> {
                ++handled_;
                if (r.command == Command::status) {
                    return nlohmann::json{{"big", std::string(big_, 'x')}};
                }
                if (r.command == Command::reload) {
                    return fail(Errc::invalid_input, "srpadm.conf:3: bad line");
                }
                return nlohmann::json{{"rescanning", {"mlx5_0:1"}}};
            },
            limits);
        auto started = server_->start();
        ASSERT_TRUE(started) << started.error().message;
    }
    fs::path socket() const { return ops::control::socket_path(dir_); }

    runtime::SteadyClock clock_;
    runtime::EventLoop loop_{clock_};
    fs::path dir_;
    std::unique_ptr<daemon::ControlServer> server_;
    int handled_ = 0;
    std::size_t big_ = 3;
};

TEST_F(ControlServerTest, AnswersRequestsInOrderOnOneConnection) {
    start(true);
    EXPECT_EQ(fs::status(socket()).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                  fs::perms::group_write | fs::perms::others_read | fs::perms::others_write);
    RawClient c(socket());
    c.send("{\"version\":1,\"command\":\"status\"}\n{\"version\":1,\"command\":\"rescan\"}\r\n");
    EXPECT_EQ(c.line(loop_), R"({"ok":true,"result":{"big":"xxx"},"version":1})");
    EXPECT_EQ(c.line(loop_), R"({"ok":true,"result":{"rescanning":["mlx5_0:1"]},"version":1})");
    c.send("{\"version\":1,\"command\":\"reload\"}\n");
    EXPECT_EQ(c.line(loop_),
              R"({"error":{"code":"invalid-input","message":"srpadm.conf:3: bad line"},)"
              R"("ok":false,"version":1})");
    EXPECT_EQ(handled_, 3);
}

TEST_F(ControlServerTest, GarbageGetsAnErrorAndTheConnectionStays) {
    start(true);
    RawClient c(socket());
    c.send("hello\n\n{\"version\":9,\"command\":\"status\"}\n");
    auto first = ops::control::parse_answer(c.line(loop_));
    ASSERT_FALSE(first);
    EXPECT_EQ(first.error().code, Errc::invalid_input);
    auto second = ops::control::parse_answer(c.line(loop_));
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, Errc::unsupported);
    c.send("{\"version\":1,\"command\":\"status\"}\n");
    EXPECT_TRUE(ops::control::parse_answer(c.line(loop_)));
    EXPECT_EQ(handled_, 1);
}

TEST_F(ControlServerTest, ChangesFromAPeerNotAllowedAreRefusedStatusIsNot) {
    start(false);
    RawClient c(socket());
    c.send("{\"version\":1,\"command\":\"rescan\"}\n{\"version\":1,\"command\":\"reload\"}\n");
    for (int i = 0; i < 2; ++i) {
        auto a = ops::control::parse_answer(c.line(loop_));
        ASSERT_FALSE(a);
        EXPECT_EQ(a.error().code, Errc::not_permitted);
        EXPECT_NE(a.error().message.find(fmt::format("uid {} is neither", ::geteuid())),
                  std::string::npos)
            << a.error().message;
    }
    EXPECT_EQ(handled_, 0);
    c.send("{\"version\":1,\"command\":\"status\"}\n");
    EXPECT_TRUE(ops::control::parse_answer(c.line(loop_)));
    EXPECT_EQ(handled_, 1);
}

TEST_F(ControlServerTest, ALineTooLongEndsTheConnection) {
    start(true);
    RawClient c(socket());
    c.send(std::string(ops::control::kMaxRequest + 10, 'a'));
    auto a = ops::control::parse_answer(c.line(loop_));
    ASSERT_FALSE(a);
    EXPECT_NE(a.error().message.find("at most 16384 bytes"), std::string::npos);
    EXPECT_TRUE(c.closed(loop_));
    EXPECT_EQ(server_->clients(), 0U);
    EXPECT_EQ(server_->dropped(), 1U);
}

TEST_F(ControlServerTest, AClientThatNeverReadsIsDroppedAndOthersAreServedMeanwhile) {
    daemon::ControlLimits limits;
    limits.stalled = 300ms;
    limits.max_output = std::size_t{64} << 20;
    start(true, limits);
    big_ = std::size_t{4} << 20;  // more than the socket buffers hold
    RawClient slow(socket(), 4096);
    slow.send("{\"version\":1,\"command\":\"status\"}\n");
    for (int i = 0; i < 100 && handled_ == 0; ++i) {
        pump(loop_, 10ms);
    }
    ASSERT_EQ(handled_, 1);  // its answer is written as far as the socket takes it
    // The daemon's loop is not stalled by it: another client's request is answered.
    big_ = 3;
    RawClient other(socket());
    other.send("{\"version\":1,\"command\":\"rescan\"}\n");
    EXPECT_TRUE(ops::control::parse_answer(other.line(loop_)));
    // And the slow one goes once it has read nothing for the stall limit.
    const auto until = std::chrono::steady_clock::now() + 3s;
    while (server_->clients() > 1 && std::chrono::steady_clock::now() < until) {
        pump(loop_, 20ms);
    }
    EXPECT_EQ(server_->clients(), 1U);
    EXPECT_EQ(server_->dropped(), 1U);
}

TEST_F(ControlServerTest, UnreadAnswersBeyondTheLimitDropTheClient) {
    daemon::ControlLimits limits;
    limits.max_output = 64 * 1024;
    start(true, limits);
    big_ = 1 << 20;
    RawClient c(socket(), 4096);
    c.send("{\"version\":1,\"command\":\"status\"}\n");
    EXPECT_TRUE(c.closed(loop_));
    EXPECT_EQ(server_->dropped(), 1U);
}

TEST_F(ControlServerTest, ASilentClientIsDroppedAfterTheIdleLimit) {
    daemon::ControlLimits limits;
    limits.idle = 200ms;
    start(true, limits);
    RawClient c(socket());
    EXPECT_TRUE(c.closed(loop_));
    EXPECT_EQ(server_->clients(), 0U);
}

TEST_F(ControlServerTest, ConnectionsBeyondTheLimitAreClosed) {
    daemon::ControlLimits limits;
    limits.max_clients = 2;
    start(true, limits);
    RawClient a(socket());
    RawClient b(socket());
    RawClient c(socket());
    EXPECT_TRUE(c.closed(loop_));
    EXPECT_EQ(server_->clients(), 2U);
    a.send("{\"version\":1,\"command\":\"status\"}\n");
    EXPECT_TRUE(ops::control::parse_answer(a.line(loop_)));
}

TEST_F(ControlServerTest, ASecondDaemonDoesNotTakeTheSocketAStaleOneIsReplaced) {
    start(true);
    daemon::ControlServer second(
        loop_, socket(), [](const daemon::Peer&) { return true; },
        [](const ops::control::Request&) -> Result<nlohmann::json> { return nlohmann::json{}; });
    auto refused = second.start();
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::exists);
    EXPECT_TRUE(fs::exists(socket()));  // still the first one's
    // A socket file nobody listens on (a daemon that was killed) is replaced.
    server_.reset();
    EXPECT_FALSE(fs::exists(socket()));
    {
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        std::strncpy(sa.sun_path, socket().c_str(), sizeof(sa.sun_path) - 1);
        ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)), 0);
        ::close(fd);
    }
    ASSERT_TRUE(fs::exists(socket()));
    start(true);
    RawClient c(socket());
    c.send("{\"version\":1,\"command\":\"status\"}\n");
    EXPECT_TRUE(ops::control::parse_answer(c.line(loop_)));
}

TEST_F(ControlServerTest, TheClientAsksAndWaitsForTheAnswer) {
    start(true);
    // ask() blocks: run the server's loop on another thread meanwhile.
    std::thread t([&] { loop_.run_until([&] { return handled_ > 0; }); });
    auto a = ops::control::ask(socket(), {Command::rescan, {}}, 5s);
    t.join();
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ((*a)["rescanning"][0], "mlx5_0:1");
    auto none = ops::control::ask(dir_ / "elsewhere.sock", {Command::status, {}}, 1s);
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, Errc::no_daemon);
}

TEST_F(ControlServerTest, ALongSocketPathWorks) {
    dir_ /= std::string(90, 'd');
    fs::create_directories(dir_);
    ASSERT_GT(socket().native().size(), sizeof(sockaddr_un::sun_path));
    start(true);
    RawClient c(socket());
    c.send("{\"version\":1,\"command\":\"status\"}\n");
    EXPECT_TRUE(ops::control::parse_answer(c.line(loop_)));
}

}  // namespace
}  // namespace srpadm
