// The stand-in for ib_srp and scsi_transport_srp (see kernel.hpp). Kernel sources cited:
// drivers/infiniband/ulp/srp/ib_srp.c and drivers/scsi/scsi_transport_srp.c.
#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include <srpadm/host/host_ports.hpp>
#include <srpadm/host/srp_hosts.hpp>
#include <srpadm/model/initiator_id.hpp>
#include <srpadm/sim/host_tree.hpp>
#include <srpadm/sim/kernel.hpp>
#include <srpadm/text.hpp>

#include "sysfs_files.hpp"

namespace srpadm::sim {
namespace {

namespace fs = std::filesystem;

using TimerId = runtime::EventLoop::TimerId;

constexpr std::string_view kRunning = "running";
constexpr std::string_view kBlocked = "blocked";
constexpr std::string_view kFailFast = "fail-fast";
constexpr std::string_view kLost = "lost";

// srp_reconnect_work(): after ten failed attempts the delay grows, up to 100 times.
constexpr int kReconnectBackoffAfter = 10;
constexpr int kReconnectBackoffMax = 100;
// target->tl_retry_count's default in add_target_store().
constexpr unsigned kDefaultTlRetryCount = 7;
// The INQUIRY identification of every simulated LUN: a LIO RAM disk (the fabric does not
// describe the targets' LUNs).
constexpr std::string_view kLunVendor = "LIO-ORG";
constexpr std::string_view kLunModel = "RAMDISK-MCP";

std::error_code errno_code(int e) {
    return {e, std::generic_category()};
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

// sd's disk names (drivers/scsi/sd.c, sd_format_disk_name()): sda..sdz, sdaa, ...
std::string disk_name(unsigned index) {
    std::string letters;
    std::uint64_t n = index;
    while (true) {
        letters.insert(letters.begin(), static_cast<char>('a' + n % 26));
        if (n < 26) {
            break;
        }
        n = n / 26 - 1;
    }
    return "sd" + letters;
}

// The index of an sd disk name; nullopt for other names.
std::optional<unsigned> disk_index(std::string_view name) {
    if (!starts_with(name, "sd") || name.size() < 3 || name.size() > 8) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    for (const char c : name.substr(2)) {
        if (c < 'a' || c > 'z') {
            return std::nullopt;
        }
        value = value * 26 + static_cast<unsigned>(c - 'a') + 1;
    }
    return static_cast<unsigned>(value - 1);
}

// kstrtoint(buf, 0, &v): an optional sign, then decimal, 0x hex or 0 octal digits, then at
// most one newline; the value must fit an int.
std::optional<int> kstrtoint(std::string_view text) {
    if (!text.empty() && text.back() == '\n') {
        text.remove_suffix(1);
    }
    bool negative = false;
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text.remove_prefix(2);
    } else if (text.size() > 1 && text[0] == '0') {
        base = 8;
        text.remove_prefix(1);
    }
    const auto value = text::parse_number<std::uint64_t>(text, base);
    constexpr std::uint64_t kIntMax = 2147483647;
    if (!value || *value > kIntMax + (negative ? 1 : 0)) {
        return std::nullopt;
    }
    return negative ? static_cast<int>(-static_cast<std::int64_t>(*value))
                    : static_cast<int>(*value);
}

// srp_parse_tmo() (scsi_transport_srp.c) and srp_tmo_set() (ib_srp.c): "off" (the first
// three bytes), else kstrtoint. A negative number means off, as srp_tmo_valid() and the
// show functions treat it.
std::optional<int> parse_kernel_tmo(std::string_view text) {
    if (text.substr(0, 3) == "off") {
        return model::kTmoOff;
    }
    const auto value = kstrtoint(text);
    if (!value) {
        return std::nullopt;
    }
    return *value < 0 ? model::kTmoOff : *value;
}

std::optional<model::TmoKey> tmo_key(std::string_view name) {
    for (const model::TmoKey key : model::kTmoKeys) {
        if (model::tmo_name(key) == name) {
            return key;
        }
    }
    return std::nullopt;
}

std::string tmo_text(int value) {
    return model::format_tmo(value) + "\n";
}

// The target port ID of the remote port: id_ext then ioc_guid, as show_srp_rport_id()
// prints it (16 colon-separated bytes).
std::string rport_port_id(std::uint64_t id_ext, Guid ioc_guid) {
    std::string out;
    for (const std::uint64_t half : {id_ext, ioc_guid}) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            out += fmt::format("{}{:02x}", out.empty() ? "" : ":", (half >> shift) & 0xff);
        }
    }
    return out;
}

// The SRP target on `port` offers this login's target port ID and service: an IOC with its
// ioc_guid holds "SRP.T10:<id_ext>" with its service_id (ib_srpt checks the target port ID
// of SRP_LOGIN_REQ in srpt_cm_req_recv(); the CM refuses a service ID nobody listens on).
const Ioc* offered_ioc(const Port& port, std::uint64_t id_ext, const login::LoginSpec& spec) {
    if (!port.dm || !spec.ib) {
        return nullptr;
    }
    constexpr std::string_view kPrefix = "SRP.T10:";
    for (const Ioc& ioc : port.dm->iocs) {
        if (ioc.guid != spec.ioc_guid) {
            continue;
        }
        for (const ServiceEntry& service : ioc.services) {
            if (!starts_with(service.name, kPrefix) || service.id != spec.ib->service_id) {
                continue;
            }
            if (text::parse_hex(std::string_view(service.name).substr(kPrefix.size())) == id_ext) {
                return &ioc;
            }
        }
    }
    return nullptr;
}

struct LoginIdentity {
    std::uint64_t id_ext = 0;
    std::uint64_t initiator_ext = 0;
    std::uint16_t io_class = login::kIoClassRev16a;
};

LoginIdentity identity(const login::LoginSpec& spec) {
    LoginIdentity id;
    id.id_ext = text::parse_hex(spec.id_ext).value_or(0);
    if (const auto ext = login::effective_value(spec, login::Key::initiator_ext)) {
        id.initiator_ext = login::parse_hex64(login::Key::initiator_ext, *ext).value_or(0);
    }
    if (auto io_class = login::effective_value(spec, login::Key::io_class)) {
        std::string_view digits = *io_class;
        if (starts_with(digits, "0x") || starts_with(digits, "0X")) {
            digits.remove_prefix(2);
        }
        id.io_class = static_cast<std::uint16_t>(text::parse_hex(digits, 4).value_or(0x100));
    }
    return id;
}

// A tuning option of the login as a number, or `fallback` when it is absent.
unsigned option_or(const login::LoginSpec& spec, login::Key key, unsigned fallback) {
    const auto value = login::effective_value(spec, key);
    return value ? text::parse_number<unsigned>(*value).value_or(fallback) : fallback;
}

}  // namespace

std::string_view kernel_event_kind_name(KernelEvent::Kind kind) {
    switch (kind) {
        case KernelEvent::Kind::add:
            return "add";
        case KernelEvent::Kind::remove:
            return "remove";
        case KernelEvent::Kind::state:
            return "state";
    }
    return "?";
}

std::string describe(const KernelEvent& event) {
    std::string out =
        fmt::format("{} {} {}", kernel_event_kind_name(event.kind), event.subsystem, event.name);
    if (event.kind == KernelEvent::Kind::state) {
        out += " " + event.state;
    }
    return out;
}

// One SCSI host of ib_srp with its remote port (struct srp_target_port, struct srp_rport).
struct SimKernel::Host {
    unsigned no = 0;
    std::size_t local = 0;  // index into fabric().local_ports
    login::LoginSpec spec;
    LoginIdentity id;
    std::string state{kRunning};
    model::TmoValues tmo;
    unsigned failed_reconnects = 0;
    bool connected = true;  // false from a transport error to a reconnect that works
    bool removing = false;  // srp_remove_work() queued
    TimerId reconnect_timer = 0;
    TimerId fast_io_fail_timer = 0;
    TimerId dev_loss_timer = 0;
    unsigned disk = 0;  // the sd index of its LUN 0

    std::string name() const { return fmt::format("host{}", no); }
    std::string rport() const { return fmt::format("port-{}:1", no); }
    std::string hctl() const { return fmt::format("{}:0:0:0", no); }
};

struct SimKernel::PendingLogin {
    std::string data;
    std::function<void(std::error_code)> done;
    login::LoginSpec spec;
};

// Between the writer's threads and the loop: the writes waiting for the loop's answer.
struct SimKernel::Gate {
    struct Waiter {
        std::condition_variable cv;
        bool done = false;  // guarded by Gate::mutex
        std::error_code result;
    };

    explicit Gate(runtime::EventLoop& l) : loop(l), loop_thread(std::this_thread::get_id()) {}

    // Loop thread: hands `result` to the waiting thread.
    void complete(const std::shared_ptr<Waiter>& waiter, std::error_code result) {
        {
            const std::lock_guard<std::mutex> lock(mutex);
            if (waiter->done) {
                return;
            }
            waiter->done = true;
            waiter->result = result;
            waiting.erase(std::remove(waiting.begin(), waiting.end(), waiter), waiting.end());
        }
        waiter->cv.notify_all();
        // The thread returns now and its pool posts the return: on a VirtualClock the loop
        // waits its real-time grace for that post again (hold() restarts the grace) before
        // it moves time, so a write that completes in time is reported at this virtual time.
        loop.hold();
        loop.release();
    }

    runtime::EventLoop& loop;
    const std::thread::id loop_thread;
    std::mutex mutex;
    SimKernel* kernel = nullptr;  // guarded; set and cleared on the loop thread
    std::vector<std::shared_ptr<Waiter>> waiting;
};

// The SysfsWriter srpadm's HostActions writes through.
struct SimKernel::Writer final : host::SysfsWriter {
    explicit Writer(std::shared_ptr<Gate> g) : gate(std::move(g)) {}

    std::error_code write(const std::string& relative, const std::string& data) override {
        auto waiter = std::make_shared<Gate::Waiter>();
        {
            const std::lock_guard<std::mutex> lock(gate->mutex);
            if (gate->kernel == nullptr) {
                return errno_code(ENODEV);
            }
            if (std::this_thread::get_id() == gate->loop_thread) {
                return errno_code(EDEADLK);  // the loop would wait for itself
            }
            gate->waiting.push_back(waiter);
        }
        gate->loop.post([g = gate, waiter, relative, data] {
            SimKernel* kernel = nullptr;
            {
                const std::lock_guard<std::mutex> lock(g->mutex);
                kernel = waiter->done ? nullptr : g->kernel;
            }
            if (kernel != nullptr) {
                kernel->write(relative, data,
                              [g, waiter](std::error_code e) { g->complete(waiter, e); });
            }
        });
        std::unique_lock<std::mutex> lock(gate->mutex);
        waiter->cv.wait(lock, [&waiter] { return waiter->done; });
        return waiter->result;
    }

    std::shared_ptr<Gate> gate;
};

SimKernel::SimKernel(SimFabric& fabric, std::filesystem::path root, KernelOptions options)
    : fabric_(fabric),
      loop_(fabric.loop()),
      sysfs_(std::move(root)),
      options_(options),
      gate_(std::make_shared<Gate>(fabric.loop())),
      next_host_no_(options.first_host_no) {
    gate_->kernel = this;
    writer_ = std::make_shared<Writer>(gate_);
    const std::size_t ports = fabric_.fabric().local_ports.size();
    login_busy_.assign(ports, false);
    login_queue_.resize(ports);
    for (const std::string& name :
         sysfs_.list("class/scsi_host").value_or(std::vector<std::string>{})) {
        if (starts_with(name, "host")) {
            if (const auto n = text::parse_number<unsigned>(std::string_view(name).substr(4))) {
                next_host_no_ = std::max(next_host_no_, *n + 1);
            }
        }
    }
    for (const std::string& hctl :
         sysfs_.list("class/scsi_device").value_or(std::vector<std::string>{})) {
        for (const std::string& block : sysfs_.list("class/scsi_device/" + hctl + "/device/block")
                                            .value_or(std::vector<std::string>{})) {
            if (const auto index = disk_index(block)) {
                disks_.insert(*index);
            }
        }
    }
    observer_ = fabric_.observe([this](const FabricEvent& event) { fabric_changed(event); });
}

SimKernel::~SimKernel() {
    fabric_.unobserve(observer_);
    std::vector<std::shared_ptr<Gate::Waiter>> waiting;
    {
        const std::lock_guard<std::mutex> lock(gate_->mutex);
        gate_->kernel = nullptr;
        waiting.swap(gate_->waiting);
        for (const auto& waiter : waiting) {
            waiter->done = true;
            waiter->result = errno_code(ENODEV);
        }
    }
    for (const auto& waiter : waiting) {
        waiter->cv.notify_all();
    }
    for (const auto id : timers_) {
        loop_.cancel(id);
    }
}

TimerId SimKernel::timer(runtime::Duration delay, std::function<void()> task) {
    auto id = std::make_shared<TimerId>(0);
    *id =
        loop_.after(delay, [this, alive = std::weak_ptr<int>(alive_), id, task = std::move(task)] {
            if (alive.expired()) {
                return;
            }
            timers_.erase(*id);
            task();
        });
    timers_.insert(*id);
    return *id;
}

void SimKernel::cancel(TimerId& id) {
    if (id != 0) {
        loop_.cancel(id);
        timers_.erase(id);
        id = 0;
    }
}

void SimKernel::emit(KernelEvent::Kind kind, const Host& host, bool rport) {
    KernelEvent e;
    e.kind = kind;
    e.subsystem = rport ? "srp_remote_ports" : "scsi_host";
    e.name = rport ? host.rport() : host.name();
    e.host_no = host.no;
    e.state = rport ? host.state : std::string();
    e.at = loop_.now();
    events_.push_back(std::move(e));
    if (flush_posted_) {
        return;
    }
    flush_posted_ = true;
    loop_.post([this, alive = std::weak_ptr<int>(alive_)] {
        if (alive.expired()) {
            return;
        }
        flush_posted_ = false;
        const auto events = std::move(events_);
        events_.clear();
        for (const KernelEvent& event : events) {
            if (listener_) {
                listener_(event);
            }
        }
    });
}

void SimKernel::write(const std::string& relative, const std::string& data,
                      std::function<void(std::error_code)> done) {
    ++stats_.writes;
    handle(relative, data, std::move(done));
}

// Which attribute the write is for (sysfs paths below the root, as HostActions writes them).
void SimKernel::handle(const std::string& relative, const std::string& data,
                       std::function<void(std::error_code)> done) {
    const std::string_view path = relative;
    const auto absent_or_read_only = [&] {
        return errno_code(sysfs_.exists(path) ? EACCES : ENOENT);
    };
    constexpr std::string_view kSrp = "class/infiniband_srp/";
    constexpr std::string_view kAddTarget = "/add_target";
    if (starts_with(path, kSrp) && path.size() > kSrp.size() + kAddTarget.size() &&
        path.substr(path.size() - kAddTarget.size()) == kAddTarget) {
        const auto name = path.substr(kSrp.size(), path.size() - kSrp.size() - kAddTarget.size());
        const auto& locals = fabric_.fabric().local_ports;
        for (std::size_t i = 0; i < locals.size(); ++i) {
            if (srp_port_name(fabric_.fabric(), i) == name) {
                add_target(i, data, std::move(done));
                return;
            }
        }
        // An attribute of a port the simulated fabric does not have: no kernel behind it.
        done(errno_code(sysfs_.exists(path) ? ENODEV : ENOENT));
        return;
    }
    constexpr std::string_view kRports = "class/srp_remote_ports/port-";
    if (starts_with(path, kRports)) {
        const auto rest = path.substr(kRports.size());
        const auto colon = rest.find(":1/");
        const auto no = colon == std::string_view::npos
                            ? std::nullopt
                            : text::parse_number<unsigned>(rest.substr(0, colon));
        const auto it = no ? hosts_.find(*no) : hosts_.end();
        if (it == hosts_.end()) {
            done(errno_code(sysfs_.exists(path) ? ENODEV : ENOENT));
            return;
        }
        done(rport_write(*it->second, std::string(rest.substr(colon + 3)), data));
        return;
    }
    constexpr std::string_view kParams = "module/ib_srp/parameters/";
    if (starts_with(path, kParams)) {
        done(module_write(std::string(path.substr(kParams.size())), data));
        return;
    }
    done(absent_or_read_only());
}

// store_srp_rport_delete(), store_srp_rport_fast_io_fail_tmo(),
// store_srp_rport_dev_loss_tmo(), store_reconnect_delay() (scsi_transport_srp.c).
std::error_code SimKernel::rport_write(Host& host, const std::string& attribute,
                                       const std::string& data) {
    const std::string relative =
        fmt::format("class/srp_remote_ports/{}/{}", host.rport(), attribute);
    if (attribute == "delete") {
        // srp_rport_delete() queues srp_remove_work() whatever was written.
        if (!host.removing) {
            queue_removal(host, options_.removal_delay);
        }
        return {};
    }
    const auto key = tmo_key(attribute);
    if (!key) {
        return errno_code(sysfs_.exists(relative) ? EACCES : ENOENT);
    }
    const auto value = parse_kernel_tmo(data);
    if (!value) {
        return errno_code(EINVAL);
    }
    model::TmoValues values = host.tmo;
    values.at(*key) = *value;
    if (!model::check_tmo(values)) {
        return errno_code(EINVAL);  // srp_tmo_valid()
    }
    if (*key == model::TmoKey::reconnect_delay) {
        if (host.tmo.reconnect_delay <= 0 && *value > 0 && host.state != kRunning) {
            if (host.reconnect_timer == 0) {
                const unsigned no = host.no;
                host.reconnect_timer =
                    timer(std::chrono::seconds(*value), [this, no] { reconnect(no); });
            }
        } else if (*value <= 0) {
            cancel(host.reconnect_timer);
        }
    }
    host.tmo = values;
    (void)files::put(sysfs_.path(relative), tmo_text(*value));
    return {};
}

// srp_tmo_set() (ib_srp.c): the module parameters new remote ports start with.
std::error_code SimKernel::module_write(const std::string& attribute, const std::string& data) {
    const std::string relative = "module/ib_srp/parameters/" + attribute;
    const auto key = tmo_key(attribute);
    if (!key || !sysfs_.exists(relative)) {
        return errno_code(sysfs_.exists(relative) ? EACCES : ENOENT);
    }
    const auto value = parse_kernel_tmo(data);
    if (!value) {
        return errno_code(EINVAL);
    }
    model::TmoValues values = host::ib_srp_default_timeouts(sysfs_);
    values.at(*key) = *value;
    if (!model::check_tmo(values)) {
        return errno_code(EINVAL);
    }
    (void)files::put(sysfs_.path(relative), tmo_text(*value));
    return {};
}

void SimKernel::add_target(std::size_t local, std::string data,
                           std::function<void(std::error_code)> done) {
    login_queue_[local].push_back(PendingLogin{std::move(data), std::move(done), {}});
    next_login(local);
}

void SimKernel::next_login(std::size_t local) {
    auto& queue = login_queue_[local];
    if (login_busy_[local] || queue.empty()) {
        return;
    }
    login_busy_[local] = true;
    PendingLogin login = std::move(queue.front());
    queue.erase(queue.begin());
    start_login(local, std::move(login));
}

// add_target_store() up to the connection: parse, the uniqueness check, then the time the
// path lookup and the CM take.
void SimKernel::start_login(std::size_t local, PendingLogin login) {
    const auto refuse = [this, local](const PendingLogin& l, int error) {
        ++stats_.logins;
        ++stats_.logins_refused;
        login_busy_[local] = false;
        l.done(errno_code(error));
        next_login(local);
    };
    auto spec = login::parse(login.data);
    if (!spec) {
        return refuse(login, EINVAL);  // srp_parse_options()
    }
    login.spec = std::move(*spec);
    if (login.spec.rdma) {
        return refuse(login, ENXIO);
    }
    const LoginIdentity id = identity(login.spec);
    for (const auto& [no, host] : hosts_) {
        if (host->local == local && host->id.id_ext == id.id_ext &&
            host->spec.ioc_guid == login.spec.ioc_guid &&
            host->id.initiator_ext == id.initiator_ext) {
            return refuse(login, EEXIST);  // srp_conn_unique()
        }
    }
    runtime::Duration delay = options_.unreachable_delay;
    if (!path_error(local, login.spec)) {
        const auto target = fabric_.fabric().by_port_guid(login.spec.ib->dgid.guid());
        delay = fabric_.fabric().port(*target).login.delay;
    }
    if (delay <= runtime::Duration::zero()) {
        finish_login(local, login);
        return;
    }
    timer(delay, [this, local, login = std::move(login)] { finish_login(local, login); });
}

// The connection and srp_add_target(): the host appears, or the write fails.
void SimKernel::finish_login(std::size_t local, const PendingLogin& login) {
    ++stats_.logins;
    login_busy_[local] = false;
    if (const auto error = connect_error(local, login.spec)) {
        ++stats_.logins_refused;
        login.done(error);
        next_login(local);
        return;
    }
    Host* host = create_host(local, login.spec);
    Port& target =
        fabric_.fabric().port(*fabric_.fabric().by_port_guid(login.spec.ib->dgid.guid()));
    if (target.login.vanish > 0) {
        // "SCSI scan failed - removing SCSI host": the write still returns 0.
        if (target.login.vanish != kVanishAlways) {
            --target.login.vanish;
        }
        ++stats_.vanished;
        queue_removal(*host, runtime::Duration::zero());
    }
    login.done({});
    next_login(local);
}

std::error_code SimKernel::path_error(std::size_t local, const login::LoginSpec& spec) const {
    const Fabric& f = fabric_.fabric();
    const Port& from = f.port(f.local_ports.at(local).port);
    if (!spec.ib || from.state != model::PortState::active) {
        return errno_code(ETIMEDOUT);
    }
    const PKey pkey = spec.ib->pkey;
    // ib_find_cached_pkey() in srp_init_qp(): the P_Key must be in the local table.
    const bool local_pkey = std::any_of(from.pkeys.begin(), from.pkeys.end(), [&](PKey k) {
        return pkey_base(k) != 0 && pkey_base(k) == pkey_base(pkey);
    });
    const auto to = spec.ib->dgid.prefix() == f.subnet_prefix ? f.by_port_guid(spec.ib->dgid.guid())
                                                              : std::nullopt;
    if (!local_pkey || !to || !f.node(*to).is_end_port(f.port(*to))) {
        return errno_code(ETIMEDOUT);
    }
    const Port& target = f.port(*to);
    if (target.state != model::PortState::active || !ports_share_this_pkey(from, target, pkey)) {
        return errno_code(ETIMEDOUT);
    }
    return {};
}

std::error_code SimKernel::connect_error(std::size_t local, const login::LoginSpec& spec) const {
    if (const auto error = path_error(local, spec)) {
        return error;
    }
    const Fabric& f = fabric_.fabric();
    const LocalPort& lp = f.local_ports.at(local);
    const Port& target = f.port(*f.by_port_guid(spec.ib->dgid.guid()));
    const LoginIdentity id = identity(spec);
    if (offered_ioc(target, id.id_ext, spec) == nullptr) {
        return errno_code(ECONNRESET);
    }
    // The initiator port ID of SRP_LOGIN_REQ (srp_send_req()).
    const Guid port_guid = f.port(lp.port).guid;
    const model::PortId sent =
        model::has_topspin_oui(spec.ioc_guid) && host::ib_srp_topspin_workarounds(sysfs_)
            ? model::topspin_initiator_port_id(f.node(lp.port).node_guid)
            : model::initiator_port_id(id.initiator_ext, port_guid, id.io_class);
    if (!target.acl.admits(sent, port_guid)) {
        return errno_code(ECONNRESET);  // SRP_LOGIN_REJ
    }
    return {};
}

SimKernel::Host* SimKernel::create_host(std::size_t local, const login::LoginSpec& spec) {
    auto host = std::make_unique<Host>();
    host->no = next_host_no_++;
    host->local = local;
    host->spec = spec;
    host->id = identity(spec);
    // srp_rport_add(): the module parameters as they are now.
    host->tmo = host::ib_srp_default_timeouts(sysfs_);
    // sd_probe(): the lowest free disk index (sd_index_ida).
    while (disks_.contains(host->disk)) {
        ++host->disk;
    }
    disks_.insert(host->disk);
    Host& h = *host;
    hosts_.emplace(h.no, std::move(host));
    ++stats_.hosts_added;
    write_host_files(h);
    emit(KernelEvent::Kind::add, h, false);
    emit(KernelEvent::Kind::add, h, true);
    return &h;
}

// What ib_srp's host attributes (srp_host_attrs) and scsi_transport_srp's remote-port
// attributes show, written in a directory of another name first and renamed, so that a
// reader never sees half a host.
void SimKernel::write_host_files(const Host& h) {
    const Fabric& f = fabric_.fabric();
    const LocalPort& lp = f.local_ports.at(h.local);
    const login::IbCmAddress& ib = *h.spec.ib;
    const Port& target = f.port(*f.by_port_guid(ib.dgid.guid()));
    const Ioc* ioc = offered_ioc(target, h.id.id_ext, h.spec);
    const auto param = [this](const std::string& name) {
        return sysfs_.read("module/ib_srp/parameters/" + name).value_or("");
    };
    const auto ext_sg = login::effective_value(h.spec, login::Key::allow_ext_sg);
    const bool allow_ext_sg = ext_sg ? *ext_sg != "0" : param("allow_ext_sg") == "Y";
    const fs::path hosts = sysfs_.path("class/scsi_host");
    const fs::path rports = sysfs_.path("class/srp_remote_ports");
    const fs::path host_tmp = hosts / ("." + h.name() + ".new");
    const fs::path rport_tmp = rports / ("." + h.rport() + ".new");
    std::error_code ec;
    fs::remove_all(host_tmp, ec);
    fs::remove_all(rport_tmp, ec);
    (void)files::put_all({
        {host_tmp / "proc_name", "ib_srp\n"},
        {host_tmp / "id_ext", fmt::format("0x{:016x}\n", h.id.id_ext)},
        {host_tmp / "ioc_guid", fmt::format("0x{:016x}\n", h.spec.ioc_guid)},
        {host_tmp / "service_id", fmt::format("0x{:016x}\n", ib.service_id)},
        {host_tmp / "pkey", fmt::format("0x{:04x}\n", ib.pkey)},
        {host_tmp / "sgid", f.gid(lp.port).colon_groups() + "\n"},
        {host_tmp / "dgid", ib.dgid.colon_groups() + "\n"},
        {host_tmp / "orig_dgid", ib.dgid.colon_groups() + "\n"},
        {host_tmp / "req_lim", fmt::format("{}\n", ioc != nullptr ? ioc->send_queue_depth : 0)},
        {host_tmp / "zero_req_lim", "0\n"},
        {host_tmp / "local_ib_port", fmt::format("{}\n", lp.port.port)},
        {host_tmp / "local_ib_device", lp.ca_name + "\n"},
        {host_tmp / "ch_count", fmt::format("{}\n", option_or(h.spec, login::Key::ch_count, 1))},
        {host_tmp / "comp_vector",
         fmt::format("{}\n", option_or(h.spec, login::Key::comp_vector, 0))},
        {host_tmp / "tl_retry_count",
         fmt::format("{}\n", option_or(h.spec, login::Key::tl_retry_count, kDefaultTlRetryCount))},
        {host_tmp / "cmd_sg_entries",
         fmt::format(
             "{}\n",
             option_or(h.spec, login::Key::cmd_sg_entries,
                       text::parse_number<unsigned>(param("cmd_sg_entries")).value_or(12)))},
        {host_tmp / "allow_ext_sg", allow_ext_sg ? "true\n" : "false\n"},
        // The Scsi_Host's own device directory (the class entry's "device" link in the kernel)
        // holds its SCSI targets and their LUNs: the SCSI scan's LUN 0 below.
        {host_tmp / "device" / fmt::format("target{}:0:0", h.no) / h.hctl() / "uevent",
         "DEVTYPE=scsi_device\n"},
        {rport_tmp / "port_id", rport_port_id(h.id.id_ext, h.spec.ioc_guid) + "\n"},
        {rport_tmp / "roles", "SRP Target\n"},
        {rport_tmp / "state", h.state + "\n"},
        {rport_tmp / "fast_io_fail_tmo", tmo_text(h.tmo.fast_io_fail_tmo)},
        {rport_tmp / "dev_loss_tmo", tmo_text(h.tmo.dev_loss_tmo)},
        {rport_tmp / "reconnect_delay", tmo_text(h.tmo.reconnect_delay)},
        {rport_tmp / "failed_reconnects", fmt::format("{}\n", h.failed_reconnects)},
        {rport_tmp / "delete", ""},
    });
    // scsi_add_host() before srp_rport_add(), then the SCSI scan (scsi_scan_target()) finds
    // LUN 0: its identification attributes as drivers/scsi/scsi_sysfs.c shows them (vendor
    // and model blank-padded to 8 and 16 characters, wwid as an NAA designator of LIO's form,
    // the same for every path to the target) and its sd disk.
    fs::rename(host_tmp, hosts / h.name(), ec);
    fs::rename(rport_tmp, rports / h.rport(), ec);
    const fs::path devices = sysfs_.path("class/scsi_device");
    const fs::path device_tmp = devices / ("." + h.hctl() + ".new");
    fs::remove_all(device_tmp, ec);
    (void)files::put_all({
        {device_tmp / "device/vendor", fmt::format("{:<8}\n", kLunVendor)},
        {device_tmp / "device/model", fmt::format("{:<16}\n", kLunModel)},
        {device_tmp / "device/wwid",
         fmt::format("naa.6001405{:09x}{:016x}\n", h.id.id_ext & 0xfffffffffULL, h.spec.ioc_guid)},
        {device_tmp / "device/block" / disk_name(h.disk) / "size", "2097152\n"},
    });
    fs::rename(device_tmp, devices / h.hctl(), ec);
}

void SimKernel::write_rport_state(const Host& h) {
    const fs::path dir = sysfs_.path("class/srp_remote_ports") / h.rport();
    (void)files::put_all({
        {dir / "state", h.state + "\n"},
        {dir / "failed_reconnects", fmt::format("{}\n", h.failed_reconnects)},
    });
}

// srp_rport_set_state(): running from anything but lost, blocked only from running,
// fail-fast from anything but lost, lost from anything.
void SimKernel::set_state(Host& host, std::string_view state) {
    if (host.state == state) {
        return;
    }
    host.state = std::string(state);
    write_rport_state(host);
    emit(KernelEvent::Kind::state, host, true);
}

// A connected login lost its path: srp_tl_err_work() → srp_start_tl_fail_timers().
void SimKernel::transport_error(Host& host) {
    if (!host.connected || host.removing) {
        return;
    }
    host.connected = false;
    start_tl_fail_timers(host);
}

// __srp_start_tl_fail_timers(): the next reconnect attempt, and for a running port (with a
// timer on) blocked with its fast_io_fail and dev_loss timers. Work already queued stays
// as it is (queue_delayed_work() of pending work does nothing).
void SimKernel::start_tl_fail_timers(Host& host) {
    if (host.state == kLost) {
        return;
    }
    const unsigned no = host.no;
    if (host.tmo.reconnect_delay > 0 && host.reconnect_timer == 0) {
        host.reconnect_timer =
            timer(std::chrono::seconds(host.tmo.reconnect_delay), [this, no] { reconnect(no); });
    }
    if ((host.tmo.fast_io_fail_tmo >= 0 || host.tmo.dev_loss_tmo >= 0) && host.state == kRunning) {
        set_state(host, kBlocked);
        if (host.tmo.fast_io_fail_tmo >= 0 && host.fast_io_fail_timer == 0) {
            host.fast_io_fail_timer = timer(std::chrono::seconds(host.tmo.fast_io_fail_tmo),
                                            [this, no] { fast_io_fail(no); });
        }
        if (host.tmo.dev_loss_tmo >= 0 && host.dev_loss_timer == 0) {
            host.dev_loss_timer =
                timer(std::chrono::seconds(host.tmo.dev_loss_tmo), [this, no] { dev_loss(no); });
        }
    }
}

// srp_reconnect_work() → srp_reconnect_rport() → srp_rport_reconnect(): a whole new login
// to the target on the same host.
void SimKernel::reconnect(unsigned host_no) {
    const auto it = hosts_.find(host_no);
    if (it == hosts_.end()) {
        return;
    }
    Host& host = *it->second;
    host.reconnect_timer = 0;
    if (host.removing) {
        return;
    }
    const bool works = host.state != kLost && !connect_error(host.local, host.spec);
    if (works) {
        cancel(host.fast_io_fail_timer);
        cancel(host.dev_loss_timer);
        host.failed_reconnects = 0;
        host.connected = true;
        ++stats_.reconnects;
        write_rport_state(host);
        set_state(host, kRunning);
        return;
    }
    if (host.state == kRunning) {
        // Both timers off, so the port never went blocked: __rport_fail_io_fast(), then
        // __srp_start_tl_fail_timers() (which does not block a fail-fast port).
        set_state(host, kFailFast);
        start_tl_fail_timers(host);
    }
    ++host.failed_reconnects;
    ++stats_.failed_reconnects;
    write_rport_state(host);
    const int factor = std::clamp(static_cast<int>(host.failed_reconnects) - kReconnectBackoffAfter,
                                  1, kReconnectBackoffMax);
    const int delay = host.tmo.reconnect_delay * factor;
    if (delay > 0 && host.reconnect_timer == 0) {
        host.reconnect_timer =
            timer(std::chrono::seconds(delay), [this, host_no] { reconnect(host_no); });
    }
}

// rport_fast_io_fail_timedout(): only a blocked port becomes fail-fast.
void SimKernel::fast_io_fail(unsigned host_no) {
    const auto it = hosts_.find(host_no);
    if (it == hosts_.end()) {
        return;
    }
    it->second->fast_io_fail_timer = 0;
    if (it->second->state == kBlocked) {
        set_state(*it->second, kFailFast);
    }
}

// rport_dev_loss_timedout(): lost, then rport_delete (srp_rport_delete() queues the removal).
void SimKernel::dev_loss(unsigned host_no) {
    const auto it = hosts_.find(host_no);
    if (it == hosts_.end()) {
        return;
    }
    Host& host = *it->second;
    host.dev_loss_timer = 0;
    set_state(host, kLost);
    if (!host.removing) {
        queue_removal(host, options_.removal_delay);
    }
}

// srp_queue_remove_work(): srp_remove_target() runs on ib_srp's workqueue later.
void SimKernel::queue_removal(Host& host, runtime::Duration delay) {
    host.removing = true;
    cancel(host.reconnect_timer);
    cancel(host.fast_io_fail_timer);
    cancel(host.dev_loss_timer);
    const unsigned no = host.no;
    timer(delay, [this, no] { remove_host(no); });
}

// srp_remove_target(): srp_remove_host() takes the remote port away, scsi_remove_host() the
// SCSI host.
void SimKernel::remove_host(unsigned host_no) {
    const auto it = hosts_.find(host_no);
    if (it == hosts_.end()) {
        return;
    }
    const std::unique_ptr<Host> host = std::move(it->second);
    hosts_.erase(it);
    ++stats_.hosts_removed;
    std::error_code ec;
    const auto gone = [&ec](const fs::path& dir) {
        // Renamed first, so that a reader sees it whole or not at all.
        const fs::path tmp = dir.parent_path() / ("." + dir.filename().string() + ".gone");
        fs::rename(dir, tmp, ec);
        fs::remove_all(ec ? dir : tmp, ec);
    };
    gone(sysfs_.path("class/srp_remote_ports") / host->rport());
    emit(KernelEvent::Kind::remove, *host, true);
    // scsi_remove_host(): the SCSI devices, then the host.
    gone(sysfs_.path("class/scsi_device") / host->hctl());
    disks_.erase(host->disk);
    gone(sysfs_.path("class/scsi_host") / host->name());
    emit(KernelEvent::Kind::remove, *host, false);
}

void SimKernel::fabric_changed(const FabricEvent& event) {
    (void)event;
    if (options_.update_port_files) {
        for (std::size_t i = 0; i < fabric_.fabric().local_ports.size(); ++i) {
            (void)update_port_files(fabric_.fabric(), sysfs_.root(), i);
        }
    }
    // A connected login whose path or session the change broke sees a transport error (a
    // QP error, a DREQ from the target): srp_handle_qp_err(), srp_cm_handler().
    for (auto& [no, host] : hosts_) {
        if (host->connected && !host->removing && connect_error(host->local, host->spec)) {
            transport_error(*host);
        }
    }
}

}  // namespace srpadm::sim
