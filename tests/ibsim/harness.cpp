#include "harness.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace srpadm::ibsim_test {
namespace {

constexpr auto kPollStep = 20ms;
constexpr auto kIbsimStart = 10s;
constexpr auto kSubnetUp = 30s;
constexpr auto kStopGrace = 5s;
constexpr const char* kDirPrefix = "srpadm-ibsim-";

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string tail(const std::string& text, std::size_t n = 2000) {
    return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

int decode_status(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return -1;
}

// Our child's exit code once it has ended (reaped here), nullopt while it runs. A pid that
// is not (or no longer) our child counts as ended.
std::optional<int> reap(pid_t pid) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == 0) {
        return std::nullopt;
    }
    return r == pid ? decode_status(status) : -1;
}

// Waits for our child to end: on a pidfd, which wakes the moment it does (the benchmark
// times clients by this), else by polling.
std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    while (true) {
        if (auto s = reap(pid)) {
            if (pidfd >= 0) {
                ::close(pidfd);
            }
            return s;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= until) {
            if (pidfd >= 0) {
                ::close(pidfd);
            }
            return std::nullopt;
        }
        if (pidfd >= 0) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
            pollfd p{pidfd, POLLIN, 0};
            ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count() + 1, 1000)));
        } else {
            std::this_thread::sleep_for(kPollStep);
        }
    }
}

// SIGTERM to the child's process group, then SIGKILL after `grace`. Only signals a child
// that has not been reaped (so never a recycled pid).
int terminate(pid_t pid, std::chrono::milliseconds grace) {
    if (pid <= 0) {
        return -1;
    }
    if (auto s = reap(pid)) {
        return *s;
    }
    ::kill(-pid, SIGTERM);
    if (auto s = wait_exit(pid, grace)) {
        return *s;
    }
    ::kill(-pid, SIGKILL);
    return wait_exit(pid, 5s).value_or(-1);
}

// True once our child has ended; it stays unreaped (waitid with WNOWAIT).
bool has_exited(pid_t pid) {
    siginfo_t info = {};
    return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
           info.si_pid != 0;
}

bool file_contains(const fs::path& p, const std::string& text) {
    return read_file(p).find(text) != std::string::npos;
}

// Waits for `text` in the file while `pid` runs.
bool wait_for_text(const fs::path& p, const std::string& text, pid_t pid,
                   std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        if (file_contains(p, text)) {
            return true;
        }
        if (has_exited(pid)) {
            return file_contains(p, text);
        }
        std::this_thread::sleep_for(kPollStep);
    }
    return false;
}

std::vector<std::string> base_env() {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string_view v = *e;
        if (v.rfind("LD_PRELOAD=", 0) == 0 || v.rfind("SIM_", 0) == 0 ||
            v.rfind("IBSIM_", 0) == 0 || v.rfind("OSM_", 0) == 0) {
            continue;
        }
        env.emplace_back(v);
    }
    return env;
}

std::string umad2sim_library() {
    if (const char* e = std::getenv("SRPADM_UMAD2SIM")) {
        return e;
    }
    return SRPADM_UMAD2SIM_LIBRARY;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

}  // namespace

std::string RunResult::describe() const {
    return fmt::format("exit code {}{}\n--- stdout:\n{}\n--- stderr:\n{}", exit_code,
                       timed_out ? " (timed out, killed)" : "", tail(out), tail(err));
}

Background::~Background() {
    stop(1s);
    close_stdin();
}

std::vector<std::string> Background::lines() const {
    return split_lines(read_file(out_));
}

std::string Background::errors() const {
    return read_file(err_);
}

bool Background::wait_for_error(const std::string& text, std::chrono::milliseconds timeout) const {
    return wait_for_text(err_, text, pid_, timeout);
}

std::optional<std::string> Background::wait_for(const std::vector<std::string>& texts,
                                                std::chrono::milliseconds timeout) const {
    const auto until = std::chrono::steady_clock::now() + timeout;
    const auto find = [&]() -> std::optional<std::string> {
        for (const auto& line : lines()) {
            if (std::all_of(texts.begin(), texts.end(), [&line](const std::string& t) {
                    return line.find(t) != std::string::npos;
                })) {
                return line;
            }
        }
        return std::nullopt;
    };
    while (true) {
        // Check whether it ended before looking, so that a line written just before the end
        // is still found.
        const bool ended = status_.has_value() || has_exited(pid_);
        if (auto line = find()) {
            return line;
        }
        if (ended || std::chrono::steady_clock::now() >= until) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(kPollStep);
    }
}

bool Background::write_line(const std::string& line) const {
    if (stdin_fd_ < 0) {
        return false;
    }
    const std::string text = line + "\n";
    return ::write(stdin_fd_, text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

void Background::close_stdin() {
    if (stdin_fd_ >= 0) {
        ::close(stdin_fd_);
        stdin_fd_ = -1;
    }
}

std::optional<int> Background::wait(std::chrono::milliseconds timeout) {
    if (!status_) {
        status_ = wait_exit(pid_, timeout);
    }
    return status_;
}

int Background::stop(std::chrono::milliseconds grace) {
    if (!status_) {
        status_ = terminate(pid_, grace);
    }
    return *status_;
}

std::string Harness::tool(const std::string& name) {
    for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
        const fs::path p = fs::path(dir) / name;
        if (::access(p.c_str(), X_OK) == 0) {
            return p.string();
        }
    }
    return name;
}

std::string Harness::fake_verbs_library() {
    if (const char* e = std::getenv("SRPADM_FAKE_VERBS")) {
        return e;
    }
    return SRPADM_FAKE_VERBS_LIBRARY;
}

void remove_stale_directories() {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fs::temp_directory_path(), ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(kDirPrefix, 0) != 0) {
            continue;
        }
        const pid_t owner = static_cast<pid_t>(std::atoi(name.c_str() + std::strlen(kDirPrefix)));
        if (owner > 0 && ::kill(owner, 0) != 0 && errno == ESRCH) {
            fs::remove_all(entry.path(), ec);
        }
    }
}

Harness::Harness() {
    static std::atomic<unsigned> counter{0};
    const unsigned n = ++counter;
    sock_ = fmt::format("srpadm-{}-{}", ::getpid(), n);
    dir_ = fs::temp_directory_path() / fmt::format("{}{}-{}", kDirPrefix, ::getpid(), n);
    run_dir_ = dir_ / "run";
    // Writing to the pipe of a client that died must not kill the test.
    std::signal(SIGPIPE, SIG_IGN);
    remove_stale_directories();
    std::error_code ec;
    fs::remove_all(dir_, ec);
    fs::create_directories(run_dir_);
    fs::create_directories(dir_ / "osm");
    for (const auto& lib : {umad2sim_library(), tool("ibsim"), tool("opensm")}) {
        if (::access(lib.c_str(), R_OK) != 0) {
            fail(
                fmt::format("{} is missing: install ibsim-utils, libumad2sim0, opensm and "
                            "infiniband-diags (scripts/install-deps.sh)",
                            lib));
            return;
        }
    }
    if (start_ibsim() && start_opensm()) {
        discover_topology();
    }
}

Harness::~Harness() {
    for (const pid_t pid : clients_) {
        terminate(pid, 2s);
    }
    terminate(opensm_, kStopGrace);
    terminate(ibsim_, 2s);
    if (console_fd_ >= 0) {
        ::close(console_fd_);
    }
    const char* keep = std::getenv("SRPADM_IBSIM_KEEP");
    if (keep == nullptr || std::string(keep) != "1") {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
}

void Harness::fail(const std::string& what) {
    if (error_.empty()) {
        error_ = what;
    }
}

pid_t Harness::spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                     const fs::path& cwd, int stdin_fd, const fs::path& out, const fs::path& err) {
    std::vector<char*> args;
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : env) {
        envp.push_back(const_cast<char*>(e.c_str()));
    }
    envp.push_back(nullptr);
    const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int err_fd =
        out == err ? out_fd : ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        // Die with the harness, whatever kills it; own process group for clean kills.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) {
            ::_exit(127);
        }
        ::setpgid(0, 0);
        struct sigaction dfl = {};
        dfl.sa_handler = SIG_DFL;
        for (const int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP}) {
            ::sigaction(s, &dfl, nullptr);
        }
        ::dup2(stdin_fd >= 0 ? stdin_fd : null_fd, 0);
        ::dup2(out_fd, 1);
        ::dup2(err_fd, 2);
        ::close_range(3, ~0U, 0);
        if (::chdir(cwd.c_str()) != 0) {
            ::_exit(126);
        }
        ::execve(args[0], args.data(), envp.data());
        ::_exit(127);
    }
    ::close(out_fd);
    if (err_fd != out_fd) {
        ::close(err_fd);
    }
    ::close(null_fd);
    if (pid > 0) {
        ::setpgid(pid, pid);  // also from here, so it holds before the child runs
    }
    return pid;
}

bool Harness::start_ibsim() {
    const fs::path fifo = dir_ / "console";
    if (::mkfifo(fifo.c_str(), 0600) != 0) {
        fail(fmt::format("mkfifo {}: {}", fifo.string(), std::strerror(errno)));
        return false;
    }
    // The harness keeps a writer open for as long as it lives: ibsim never sees EOF.
    console_fd_ = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
    const int reader = ::open(fifo.c_str(), O_RDONLY | O_CLOEXEC);
    auto env = base_env();
    env.push_back("IBSIM_SOCKNAME=" + sock_);
    const fs::path log = dir_ / "ibsim.log";
    ibsim_ =
        spawn({tool("ibsim"), "-s", SRPADM_IBSIM_DIR "/harness.net"}, env, dir_, reader, log, log);
    ::close(reader);
    if (ibsim_ <= 0 || !wait_for_text(log, "Network simulator ready.", ibsim_, kIbsimStart)) {
        fail("ibsim did not start:\n" + tail(read_file(log)));
        return false;
    }
    return true;
}

bool Harness::start_opensm() {
    const fs::path osm = dir_ / "osm";
    auto env = client_env(SRPADM_IBSIM_SM_HOST, {});
    env.push_back("OSM_TMP_DIR=" + osm.string());
    env.push_back("OSM_CACHE_DIR=" + osm.string());
    const fs::path log = osm / "opensm.log";
    opensm_ = spawn({tool("opensm"), "-e", "-f", log.string(), "-d0", "-d2", "-s", "0",
                     "--dump_files_dir", osm.string()},
                    env, run_dir_, -1, osm / "stdout.log", osm / "stdout.log");
    if (opensm_ <= 0 || !wait_for_text(log, "SUBNET UP", opensm_, kSubnetUp)) {
        fail("OpenSM did not bring the subnet up:\n" + tail(read_file(log)) + "\n" +
             tail(read_file(osm / "stdout.log")) + "\nibsim:\n" +
             tail(read_file(dir_ / "ibsim.log")));
        return false;
    }
    return true;
}

bool Harness::discover_topology() {
    const auto r = run(SRPADM_IBSIM_INITIATOR_HOST, {tool("ibnetdiscover")});
    if (!r.ok()) {
        fail("ibnetdiscover failed: " + r.describe());
        return false;
    }
    std::ofstream(dir_ / "ibnetdiscover.txt") << r.out;
    std::ofstream fabric(fabric_file());
    fabric << "# ibnetdiscover's view of the harness fabric after OpenSM configured it,\n"
           << "# then the roles and the SRP target (tests/ibsim/targets.fabric).\n"
           << "topology ibnetdiscover.txt\n"
           << read_file(SRPADM_IBSIM_DIR "/targets.fabric");
    return true;
}

std::vector<std::string> Harness::client_env(const std::string& host,
                                             const ClientOptions& options) const {
    auto env = base_env();
    env.push_back("IBSIM_SOCKNAME=" + sock_);
    std::string preload = umad2sim_library();
    for (const auto& lib : options.preload) {
        preload += ":" + lib;
    }
    env.push_back("LD_PRELOAD=" + preload);
    env.push_back("SIM_HOST=" + host);
    if (options.issm) {
        env.emplace_back("SIM_SET_ISSM=1");
    }
    env.insert(env.end(), options.env.begin(), options.env.end());
    return env;
}

RunResult Harness::run(const std::string& host, const std::vector<std::string>& argv,
                       const ClientOptions& options) {
    static std::atomic<unsigned> runs{0};
    const unsigned n = ++runs;
    const fs::path out = dir_ / fmt::format("client-{}.out", n);
    const fs::path err = dir_ / fmt::format("client-{}.err", n);
    RunResult r;
    const auto started = std::chrono::steady_clock::now();
    const pid_t pid = spawn(argv, client_env(host, options), run_dir_, -1, out, err);
    if (pid <= 0) {
        r.err = "fork failed";
        return r;
    }
    clients_.push_back(pid);
    if (auto s = wait_exit(pid, options.timeout)) {
        r.exit_code = *s;
        r.elapsed = std::chrono::steady_clock::now() - started;
    } else {
        r.timed_out = true;
        r.exit_code = terminate(pid, 2s);
    }
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
}

std::unique_ptr<Background> Harness::start(const std::string& host,
                                           const std::vector<std::string>& argv, bool issm) {
    ClientOptions options;
    options.issm = issm;
    return start(host, argv, options);
}

std::unique_ptr<Background> Harness::start(const std::string& host,
                                           const std::vector<std::string>& argv,
                                           const ClientOptions& options) {
    static std::atomic<unsigned> starts{0};
    const unsigned n = ++starts;
    const fs::path out = dir_ / fmt::format("background-{}.out", n);
    const fs::path err = dir_ / fmt::format("background-{}.err", n);
    int fds[2] = {-1, -1};
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        return nullptr;
    }
    const pid_t pid = spawn(argv, client_env(host, options), run_dir_, fds[0], out, err);
    ::close(fds[0]);
    if (pid <= 0) {
        ::close(fds[1]);
        return nullptr;
    }
    clients_.push_back(pid);
    return std::make_unique<Background>(pid, fds[1], out, err);
}

bool Harness::console(const std::string& command) const {
    const std::string line = command + "\n";
    return console_fd_ >= 0 &&
           ::write(console_fd_, line.data(), line.size()) == static_cast<ssize_t>(line.size());
}

bool Harness::stop_opensm() {
    const int status = terminate(opensm_, kStopGrace);
    opensm_ = -1;
    return status == 0;
}

std::string Harness::opensm_log() const {
    return read_file(dir_ / "osm" / "opensm.log");
}

}  // namespace srpadm::ibsim_test
