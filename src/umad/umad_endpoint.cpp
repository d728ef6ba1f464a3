// The only code that includes <infiniband/umad.h>: everything else reaches MADs through
// mad::MadEndpoint.
#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <infiniband/umad.h>

#include <srpadm/model/login.hpp>
#include <srpadm/umad/delivered.hpp>
#include <srpadm/umad/umad_endpoint.hpp>
#include <srpadm/wire/mad.hpp>

namespace srpadm::umad {
namespace {

constexpr std::uint8_t kSaClass = wire::mgmt_class::subn_adm;
constexpr std::uint8_t kDmClass = wire::mgmt_class::device_mgmt;
constexpr std::uint8_t kRmppVersion = 1;
constexpr std::uint8_t kDefaultHopLimit = 255;
constexpr auto kErrorPause = std::chrono::milliseconds(10);

// The 128-bit method mask umad_register() takes, as the kernel reads it: bit m is method m.
class MethodMask {
  public:
    explicit MethodMask(const std::vector<std::uint8_t>& methods) {
        for (const std::uint8_t m : methods) {
            const unsigned bit = m & 0x7fU;
            words_.at(bit / kBits) |= 1UL << (bit % kBits);
        }
    }
    long* data() { return reinterpret_cast<long*>(words_.data()); }

  private:
    static constexpr unsigned kBits = sizeof(unsigned long) * 8;
    std::array<unsigned long, 16 / sizeof(unsigned long)> words_{};
};

std::string port_label(const host::SelectedPort& s) {
    return fmt::format("{}:{} ({})", s.port.attributes.ca_name, s.port.attributes.port_num,
                       s.umad.path());
}

std::vector<std::uint8_t> served_methods(const UmadOptions& options, std::uint8_t mgmt_class) {
    std::vector<std::uint8_t> out;
    for (const auto& s : options.serve) {
        if (s.mgmt_class == mgmt_class) {
            out.insert(out.end(), s.methods.begin(), s.methods.end());
        }
    }
    return out;
}

// Whether ibsim's libumad2sim.so stands in for the kernel in this process: it exports
// sim_client_init (umad2sim/sim_client.c), which no libibumad does.
bool under_libumad2sim() {
    return ::dlsym(RTLD_DEFAULT, "sim_client_init") != nullptr;
}

}  // namespace

struct UmadEndpoint::Received {
    mad::MadResponse response;
    std::uint32_t status = 0;  // umad status: 0, or ETIMEDOUT when no answer will come
};

UmadEndpoint::UmadEndpoint(runtime::EventLoop& loop, host::Sysfs sysfs, host::SelectedPort selected,
                           const UmadOptions& options)
    : loop_(loop),
      sysfs_(std::move(sysfs)),
      selected_(std::move(selected)),
      receive_timeout_(std::max(options.receive_timeout, std::chrono::milliseconds(1))),
      port_poll_interval_(options.port_poll_interval),
      tracker_(loop) {}

Result<std::unique_ptr<UmadEndpoint>> UmadEndpoint::open(runtime::EventLoop& loop,
                                                         const UmadOptions& options) {
    host::Sysfs sysfs(options.sysfs_root);
    auto selected = host::select_port(sysfs, options.port);
    if (!selected) {
        return Unexpected(selected.error());
    }
    std::unique_ptr<UmadEndpoint> ep(
        new UmadEndpoint(loop, std::move(sysfs), std::move(*selected), options));
    const auto& attrs = ep->selected_.port.attributes;
    if (ep->selected_.port.link_layer_missing) {
        ep->notes_.push_back(fmt::format(
            "port {}:{} has no link_layer file in sysfs; assuming InfiniBand, as libibumad does "
            "(kernels before 2.6.37 and libumad2sim's fake sysfs have none)",
            attrs.ca_name, attrs.port_num));
    }
    if (umad_init() < 0) {
        return fail(Errc::port_state,
                    "libibumad cannot start: no readable /sys/class/infiniband_mad/abi_version "
                    "(is the ib_umad module loaded?)");
    }
    errno = 0;
    const int fd = umad_open_port(attrs.ca_name.c_str(), static_cast<int>(attrs.port_num));
    if (fd < 0) {
        const int err = errno != 0 ? errno : -fd;
        return fail(
            Errc::port_state,
            fmt::format("cannot open {}: {}{}", port_label(ep->selected_), std::strerror(err),
                        err == EACCES || err == EPERM
                            ? " (MAD access needs root or the rdma group's udev rule)"
                            : ""));
    }
    ep->fd_ = fd;
    if (under_libumad2sim()) {
        // After umad_open_port(): umad_size() is 64 only once the port has P_Key indexes
        // enabled (libibumad's new_user_mad_api; 56 before), and libumad2sim's umad2sim_read()
        // uses the same value.
        ep->delivered_limit_ = umad2sim_delivered_bytes(umad_size());
        ep->notes_.push_back(fmt::format(
            "libumad2sim (ibsim) delivers only the first {} bytes of each MAD it receives; the "
            "bytes after them read as zero",
            ep->delivered_limit_));
    }
    auto registered = ep->register_agents(options);
    if (!registered) {
        return Unexpected(registered.error());
    }
    if (options.issm) {
        char path[256] = {};
        if (umad_get_issm_path(attrs.ca_name.c_str(), static_cast<int>(attrs.port_num), path,
                               sizeof(path)) < 0 ||
            (ep->issm_fd_ = ::open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
            return fail(Errc::port_state,
                        fmt::format("cannot open the issm device of {}: {}",
                                    port_label(ep->selected_), std::strerror(errno)));
        }
    }
    ep->receiver_ = std::thread([p = ep.get()] { p->receive_loop(); });
    return ep;
}

Result<void> UmadEndpoint::register_agents(const UmadOptions& options) {
    const auto reg = [this](std::uint8_t mgmt_class, std::uint8_t version, std::uint8_t rmpp,
                            const std::vector<std::uint8_t>& methods) {
        MethodMask mask(methods);
        return umad_register(fd_, mgmt_class, version, rmpp,
                             methods.empty() ? nullptr : mask.data());
    };
    const auto refused = [this](std::uint8_t mgmt_class) {
        return fail(Errc::port_state,
                    fmt::format("cannot register a umad agent for management class 0x{:02x} on {}",
                                mgmt_class, port_label(selected_)));
    };

    // SA: Reports (and, for a test SA, the requests it serves).
    std::vector<std::uint8_t> sa_methods = served_methods(options, kSaClass);
    const bool serving_sa = !sa_methods.empty();
    if (options.sa_reports) {
        sa_methods.push_back(wire::method::report);
    }
    int sa = reg(kSaClass, wire::class_version::sa, kRmppVersion, sa_methods);
    reports_available_ = sa >= 0 && options.sa_reports;
    if (sa < 0 && options.sa_reports && !serving_sa) {
        sa = reg(kSaClass, wire::class_version::sa, kRmppVersion, {});
        if (sa >= 0) {
            notes_.push_back(fmt::format(
                "the SA agent on {} could not claim the Report method (another agent may hold "
                "it); SA Reports are unavailable",
                port_label(selected_)));
        }
    }
    if (sa < 0) {
        return refused(kSaClass);
    }
    agents_.emplace_back(kSaClass, sa);

    const int dm = reg(kDmClass, wire::class_version::dm, 0, served_methods(options, kDmClass));
    if (dm < 0) {
        return refused(kDmClass);
    }
    agents_.emplace_back(kDmClass, dm);

    for (const auto& s : options.serve) {
        if (s.mgmt_class == kSaClass || s.mgmt_class == kDmClass || agent_for(s.mgmt_class) >= 0) {
            continue;
        }
        const int id = reg(s.mgmt_class, s.class_version, 0, served_methods(options, s.mgmt_class));
        if (id < 0) {
            return refused(s.mgmt_class);
        }
        agents_.emplace_back(s.mgmt_class, id);
    }
    return {};
}

UmadEndpoint::~UmadEndpoint() {
    port_watcher_.reset();
    verbs_events_.reset();
    // The issm device first, while the agents are still registered: under libumad2sim the
    // IsSM change sends trap 144, which may come back to this very port (the SM's).
    if (issm_fd_ >= 0) {
        ::close(issm_fd_);
    }
    stop_.store(true);
    if (receiver_.joinable()) {
        receiver_.join();
    }
    alive_.reset();
    tracker_.fail_all(mad::MadError{Errc::port_state, 0, "the MAD endpoint was closed"});
    if (fd_ >= 0) {
        for (const auto& [mgmt_class, id] : agents_) {
            umad_unregister(fd_, id);
        }
        umad_close_port(fd_);
    }
}

int UmadEndpoint::agent_for(std::uint8_t mgmt_class) const {
    for (const auto& [c, id] : agents_) {
        if (c == mgmt_class) {
            return id;
        }
    }
    return -1;
}

Result<model::PortAttributes> UmadEndpoint::port_attributes() {
    const auto& a = selected_.port.attributes;
    auto port = host::read_local_port(sysfs_, a.ca_name, a.port_num);
    if (!port) {
        return Unexpected(port.error());
    }
    return std::move(port->attributes);
}

Result<std::vector<model::GidEntry>> UmadEndpoint::gid_table() {
    const auto& a = selected_.port.attributes;
    return host::read_gid_table(sysfs_, a.ca_name, a.port_num);
}

Result<void> UmadEndpoint::write(int agent, const mad::MadAddress& to,
                                 std::span<const std::uint8_t> mad, int timeout_ms) {
    std::vector<std::uint8_t> buf(umad_size() + mad.size(), 0);
    void* umad = buf.data();
    std::memcpy(umad_get_mad(umad), mad.data(), mad.size());
    umad_set_addr(umad, to.dlid, static_cast<int>(to.qpn), to.sl, static_cast<int>(to.qkey));
    umad_set_pkey(umad, to.pkey_index);
    if (to.dgid) {
        ib_mad_addr_t* addr = umad_get_mad_addr(umad);
        addr->grh_present = 1;
        addr->gid_index = to.sgid_index;
        std::memcpy(addr->gid, to.dgid->raw.data(), sizeof(addr->gid));
        addr->hop_limit = kDefaultHopLimit;
    }
    errno = 0;
    if (umad_send(fd_, agent, umad, static_cast<int>(mad.size()), timeout_ms, 0) < 0) {
        const int err = errno != 0 ? errno : EIO;
        return fail(Errc::send_failed, fmt::format("sending to LID {} on {} failed: {}", to.dlid,
                                                   port_label(selected_), std::strerror(err)));
    }
    return {};
}

void UmadEndpoint::send(mad::MadRequest request, runtime::TimePoint deadline,
                        mad::MadCallback done) {
    // The loop must not finish while this MAD is in flight; the tracker completes every
    // request exactly once (answer, deadline, error or close), which releases it.
    loop_.hold();
    runtime::EventLoop* loop = &loop_;
    const wire::MadHeader header = wire::header_of(request.mad);
    const std::uint32_t tid = tracker_.start(request.mad, header, deadline,
                                             [loop, done = std::move(done)](mad::MadResult r) {
                                                 done(std::move(r));
                                                 loop->release();
                                             });
    if (!closed_.empty()) {
        tracker_.fail_all(mad::MadError{Errc::port_state, 0, closed_});
        return;
    }
    const std::uint8_t mgmt_class = header.mgmt_class;
    const int agent = agent_for(mgmt_class);
    if (agent < 0 || fd_ < 0) {
        tracker_.fail_send(tid, fmt::format("no umad agent for management class 0x{:02x} on {}",
                                            mgmt_class, port_label(selected_)));
        return;
    }
    // The kernel matches an answer only while the request is outstanding: give it the time
    // left until the deadline (at least 1 ms). libumad2sim ignores it.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - loop_.now()).count();
    const int timeout_ms = static_cast<int>(std::clamp<long long>(left, 1, INT_MAX));
    auto sent = write(agent, request.to, request.mad, timeout_ms);
    if (!sent) {
        tracker_.fail_send(tid, sent.error().message);
    }
}

void UmadEndpoint::close(const std::string& why, Errc code) {
    closed_ = why.empty() ? std::string("the MAD endpoint was closed") : why;
    tracker_.fail_all(mad::MadError{code, 0, closed_});
}

Result<void> UmadEndpoint::send_unanswered(const mad::MadAddress& to, const mad::MadBuffer& mad) {
    return send_unanswered(to, std::span<const std::uint8_t>(mad));
}

Result<void> UmadEndpoint::send_unanswered(const mad::MadAddress& to,
                                           std::span<const std::uint8_t> mad) {
    const auto header = wire::MadHeader::decode(mad);
    if (!header) {
        return fail(Errc::send_failed,
                    fmt::format("a MAD of {} bytes has no whole header", mad.size()));
    }
    const int agent = agent_for(header->mgmt_class);
    if (agent < 0 || fd_ < 0) {
        return fail(Errc::send_failed,
                    fmt::format("no umad agent for management class 0x{:02x} on {}",
                                header->mgmt_class, port_label(selected_)));
    }
    return write(agent, to, mad, 0);
}

void UmadEndpoint::set_unsolicited_handler(std::function<void(const mad::MadResponse&)> handler) {
    unsolicited_ = std::move(handler);
}

void UmadEndpoint::set_note(std::string_view prefix, std::string note) {
    const auto old = std::find_if(notes_.begin(), notes_.end(),
                                  [prefix](const std::string& n) { return n.starts_with(prefix); });
    if (old != notes_.end()) {
        *old = std::move(note);
    } else {
        notes_.push_back(std::move(note));
    }
}

void UmadEndpoint::set_port_event_handler(std::function<void(const mad::PortEvent&)> handler) {
    port_watcher_.reset();
    verbs_events_.reset();
    if (!handler) {
        return;
    }
    constexpr std::string_view kNote = "port events: ";
    const auto& attrs = selected_.port.attributes;
    // The verbs device is the kernel's own, found by name: it is this port only when the
    // port was read from the kernel's /sys, not from libumad2sim's fake tree or a stand-in.
    std::string why;
    std::error_code ec;
    if (under_libumad2sim()) {
        why =
            "libumad2sim (ibsim) simulates umad devices only, and libibverbs would see this "
            "host's real devices";
    } else if (!std::filesystem::equivalent(sysfs_.root(), "/sys", ec) || ec) {
        why = fmt::format(
            "the sysfs root is {}, not /sys, and libibverbs sees only this host's "
            "real devices",
            login::printable(sysfs_.root().string()));
    } else {
        auto verbs = VerbsPortEvents::open(loop_, attrs.ca_name, attrs.port_num, handler);
        if (verbs) {
            verbs_events_ = std::move(*verbs);
            set_note(kNote, fmt::format("{}verbs asynchronous events", kNote));
            return;
        }
        why = verbs.error().message;
    }
    port_watcher_ = std::make_unique<mad::PortWatcher>(
        loop_, [this] { return port_attributes(); }, port_poll_interval_, std::move(handler));
    set_note(kNote, fmt::format("{}sysfs read every {} ms because {}", kNote,
                                port_poll_interval_.count(), why));
}

// The receive thread: umad_recv() with a finite timeout, so that stop_ is seen within one
// timeout; every MAD goes to the loop thread.
void UmadEndpoint::receive_loop() {
    const std::size_t header = umad_size();
    std::vector<std::uint8_t> buf(header + mad::kMadSize);
    const int wait_ms = static_cast<int>(std::min<long long>(receive_timeout_.count(), INT_MAX));
    const std::weak_ptr<int> token = alive_;
    while (!stop_.load()) {
        int length = static_cast<int>(buf.size() - header);
        const int rc = umad_recv(fd_, buf.data(), &length, wait_ms);
        if (rc >= 0) {
            void* umad = buf.data();
            const auto n = static_cast<std::size_t>(
                std::clamp(length, 0, static_cast<int>(buf.size() - header)));
            const auto* bytes = static_cast<const std::uint8_t*>(umad_get_mad(umad));
            const ib_mad_addr_t* addr = umad_get_mad_addr(umad);
            Received r;
            r.status = static_cast<std::uint32_t>(umad_status(umad));
            r.response.mad.assign(bytes, bytes + n);
            if (delivered_limit_ != 0 && clear_undelivered(r.response.mad, delivered_limit_)) {
                cut_.fetch_add(1);
            }
            r.response.slid = ntohs(addr->lid);
            r.response.sqpn = ntohl(addr->qpn);
            r.response.pkey_index = addr->pkey_index;
            if (addr->grh_present != 0) {
                Gid g;
                std::memcpy(g.raw.data(), addr->gid, g.raw.size());
                r.response.sgid = g;
            }
            loop_.post([this, token, r = std::move(r)]() mutable {
                if (!token.expired()) {
                    deliver(std::move(r));
                }
            });
            continue;
        }
        const int err = -rc;
        if (err == ETIMEDOUT || err == EWOULDBLOCK || err == EAGAIN || err == EINTR) {
            continue;  // nothing yet (libumad2sim's read() says EWOULDBLOCK as a return value)
        }
        if (err == ENOSPC && length > 0 && static_cast<std::size_t>(length) + header > buf.size()) {
            // The kernel kept the MAD (a reassembled RMPP answer) and said how long it is.
            buf.resize(header + static_cast<std::size_t>(length));
            continue;
        }
        receive_errors_.fetch_add(1);
        std::this_thread::sleep_for(kErrorPause);
    }
}

void UmadEndpoint::deliver(Received received) {
    auto header = wire::MadHeader::decode(received.response.mad);
    if (!header) {
        ++tracker_.stats().unmatched;  // shorter than a MAD header
        return;
    }
    if (received.status != 0) {
        // Our own request came back: no answer will come for it.
        if (!header->response) {
            tracker_.fail_timeout(
                static_cast<std::uint32_t>(header->tid),
                fmt::format("no answer: umad status {} ({}): the kernel's "
                            "timeout ran out or the request was not delivered",
                            received.status, std::strerror(static_cast<int>(received.status))));
        }
        return;
    }
    if (!header->response) {
        ++tracker_.stats().unsolicited;
        if (unsolicited_) {
            unsolicited_(received.response);
        }
        return;
    }
    tracker_.complete(std::move(received.response), *header);
}

}  // namespace srpadm::umad
