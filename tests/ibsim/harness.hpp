// The ibsim test harness: a private simulated fabric per test.
//
// Harness() starts ibsim on tests/ibsim/harness.net (its console on a fifo the harness holds
// open, so ibsim never reads EOF and spins), with its own IBSIM_SOCKNAME (pid + counter), then
// OpenSM under libumad2sim.so on the SM node (opensm -d0 -s 0: no SMInfo polling of issm
// clients, no periodic sweeps; its log, cache and dump files in the harness directory), waits
// for "SUBNET UP", and runs ibnetdiscover to learn the LIDs OpenSM assigned. harness.fabric is
// then that topology followed by tests/ibsim/targets.fabric: the model the DM and SA responder
// fixtures answer from.
//
// Clients (srpadm, the test client, infiniband-diags) run under libumad2sim.so in the
// harness's run/ directory, where libumad2sim leaves its sys-<pid> folders. Every child gets
// PR_SET_PDEATHSIG(SIGKILL) and a process group of its own; ~Harness() stops every process
// it started (SIGTERM, then SIGKILL) and removes the whole directory, and a new Harness first
// removes the directories of harnesses whose process is gone. ibsim serves at most 10 clients
// (OpenSM is one), so tests run their clients one or two at a time.
//
// The real srp_daemon and ibsrpdm (Debian's srptools) run as clients too, with
// ClientOptions::preload = {fake_verbs_library()} (see tests/ibsim/fake_verbs.cpp).
//
// SRPADM_IBSIM_KEEP=1 keeps the directory for a look after a failure.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace srpadm::ibsim_test {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct RunResult {
    int exit_code = -1;  // 128 + signal when killed
    bool timed_out = false;
    std::string out;
    std::string err;
    std::chrono::nanoseconds elapsed{0};  // from the fork to the exit

    bool ok() const { return exit_code == 0 && !timed_out; }
    std::string describe() const;  // for failure messages
};

// A process started by the harness that keeps running (a responder, a subscriber).
class Background {
  public:
    Background(pid_t pid, int stdin_fd, fs::path out, fs::path err)
        : pid_(pid), stdin_fd_(stdin_fd), out_(std::move(out)), err_(std::move(err)) {}
    ~Background();
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;

    // The first line of standard output that contains every one of `texts`, waiting up to
    // `timeout`; nullopt when it does not come or the process ends first.
    std::optional<std::string> wait_for(const std::vector<std::string>& texts,
                                        std::chrono::milliseconds timeout = 10s) const;
    std::optional<std::string> wait_for(const std::string& text,
                                        std::chrono::milliseconds timeout = 10s) const {
        return wait_for(std::vector<std::string>{text}, timeout);
    }
    std::vector<std::string> lines() const;
    std::string errors() const;
    // Waits up to `timeout` for `text` on standard error (a daemon's log).
    bool wait_for_error(const std::string& text, std::chrono::milliseconds timeout = 10s) const;
    bool write_line(const std::string& line) const;
    void close_stdin();
    // Waits up to `timeout` for the process to end by itself.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    // SIGTERM, up to `grace` to end, then SIGKILL. Returns the exit code (128 + signal).
    int stop(std::chrono::milliseconds grace = 3s);
    bool running() const { return !status_.has_value(); }
    pid_t pid() const { return pid_; }

  private:
    pid_t pid_;
    int stdin_fd_;
    fs::path out_;
    fs::path err_;
    std::optional<int> status_;
};

struct ClientOptions {
    bool issm = false;  // SIM_SET_ISSM=1: receives the unsolicited MADs sent to its port
    std::chrono::milliseconds timeout = 30s;
    // Libraries preloaded after libumad2sim.so (fake_verbs_library() for the real srp_daemon).
    std::vector<std::string> preload;
    // More NAME=VALUE entries for the client's environment.
    std::vector<std::string> env;
};

class Harness {
  public:
    Harness();
    ~Harness();
    Harness(const Harness&) = delete;
    Harness& operator=(const Harness&) = delete;

    // False when the fabric did not come up; error() says why (with the logs' tails).
    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }

    const fs::path& dir() const { return dir_; }
    fs::path fabric_file() const { return dir_ / "harness.fabric"; }
    const std::string& socket_name() const { return sock_; }

    // Runs `argv` under libumad2sim.so as a client attached to node `host`; waits for it.
    RunResult run(const std::string& host, const std::vector<std::string>& argv,
                  const ClientOptions& options = {});
    // The same, left running; standard input is a pipe the test can write to.
    std::unique_ptr<Background> start(const std::string& host, const std::vector<std::string>& argv,
                                      bool issm = false);
    std::unique_ptr<Background> start(const std::string& host, const std::vector<std::string>& argv,
                                      const ClientOptions& options);

    // A line for ibsim's console ("Unlink \"Hca5\"", "ReLink \"Hca5\"", ...).
    bool console(const std::string& command) const;
    // Stops OpenSM (SIGTERM); ibsim keeps the LIDs and routes it programmed.
    bool stop_opensm();
    std::string opensm_log() const;

    // Programs, found at configure time or on PATH.
    static std::string tool(const std::string& name);
    // The libibverbs stand-in that lets the real srp_daemon run under libumad2sim
    // (tests/ibsim/fake_verbs.cpp); SRPADM_FAKE_VERBS in the environment overrides it.
    static std::string fake_verbs_library();

  private:
    bool start_ibsim();
    bool start_opensm();
    bool discover_topology();
    pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                const fs::path& cwd, int stdin_fd, const fs::path& out, const fs::path& err);
    std::vector<std::string> client_env(const std::string& host,
                                        const ClientOptions& options) const;
    void fail(const std::string& what);

    std::string sock_;
    fs::path dir_;
    fs::path run_dir_;
    int console_fd_ = -1;
    pid_t ibsim_ = -1;
    pid_t opensm_ = -1;
    std::vector<pid_t> clients_;
    std::string error_;
};

// Removes harness directories left by processes that no longer exist.
void remove_stale_directories();

}  // namespace srpadm::ibsim_test
