// A stand-in for the kernel's SRP initiator (ib_srp with scsi_transport_srp) on a simulated
// fabric: it acts on a sysfs tree under a root directory (host_tree.hpp lays one out) exactly
// as srpadm's host layer reads it, and takes srpadm's writes through a host::SysfsWriter, so
// that srpadm's real write path (host::HostActions on a runtime::BlockingPool) drives it.
//
// What it models (kernel drivers/infiniband/ulp/srp/ib_srp.c, drivers/scsi/scsi_transport_srp.c):
//
// - class/infiniband_srp/srp-<ca>-<n>/add_target (add_target_store(), one login at a time per
//   local port, as its add_target_mutex makes them):
//     the line is parsed (login::parse): EINVAL, nothing created;
//     a login with the same id_ext, ioc_guid and initiator_ext on this local port exists
//       (srp_conn_unique()), also one whose remote port is lost and whose removal is pending:
//       EEXIST;
//     an RDMA/CM login (dest=): ENXIO, the simulated fabric has no IP addresses
//       (RDMA_CM_EVENT_ADDR_ERROR in srp_rdma_cm_handler());
//     the target port cannot be reached from the local port (either port down, the DGID not
//       in the fabric, the P_Key not in the local table or not shared): ETIMEDOUT, standing
//       for the path record query or the CM REQ that gets no answer;
//     no SRP target runs on the port, or none with this id_ext, ioc_guid and service_id:
//       ECONNRESET (a CM REJ for the service ID, or SRP_LOGIN_REJ from ib_srpt's check of the
//       target port ID; srp_cm_rej_handler());
//     the target's access list (Port::acl) does not admit the initiator port ID ib_srp sends
//       (initiator_ext and the port GUID per io_class, or the Topspin form: model/
//       initiator_id.hpp, srp_send_req()): ECONNRESET (SRP_LOGIN_REJ);
//     otherwise class/scsi_host/host<H>/ and class/srp_remote_ports/port-<H>:1/ appear, with
//       the next host number, then the SCSI scan's LUN 0, class/scsi_device/<H>:0:0:0/, with
//       device/{vendor,model,wwid} and the next free sd disk under device/block/ (the fabric
//       describes no LUNs: every one is a LIO RAM disk, vendor "LIO-ORG", model
//       "RAMDISK-MCP", a wwid made of the target's id_ext and ioc_guid), and the write returns 0.
//       Port::login can make a login block for a time first, or vanish right after
//       (srp_add_target(): "SCSI scan failed - removing SCSI host"; the write still returns 0).
// - class/srp_remote_ports/port-<H>:1/{fast_io_fail_tmo,dev_loss_tmo,reconnect_delay}:
//   parsed as srp_parse_tmo() does and checked with srp_tmo_valid() against the other two
//   (EINVAL), then stored; delete: the host and its remote port are removed (srp_rport_delete()
//   queues srp_remove_work(), so the removal comes removal_delay later). module/ib_srp/
//   parameters/{fast_io_fail_tmo,dev_loss_tmo,reconnect_delay} as srp_tmo_set() does.
//   Any other existing file: EACCES (no store method); a missing one: ENOENT.
// - Recovery (srp_start_tl_fail_timers(), srp_reconnect_work(), srp_reconnect_rport(),
//   rport_fast_io_fail_timedout(), rport_dev_loss_timedout()): when a connected login's path
//   breaks (either port down, the target removed, its P_Key no longer shared, the access list
//   no longer admitting it), its remote port goes blocked and a reconnect is tried every
//   reconnect_delay (growing after 10 failures), counting failed_reconnects; fast_io_fail_tmo
//   later it is fail-fast, dev_loss_tmo later lost and then removed. A reconnect that works
//   before that makes it running again, with the same host (the kernel's own reconnect:
//   nothing for a daemon to do). dev_loss_tmo off: never removed.
//
// Threading: everything lives on the fabric's event loop thread, as the SimFabric and the
// timers do. A write through writer() (a BlockingPool thread) hands the write to the loop
// (post) and waits until the loop has decided it; the loop keeps running meanwhile. So the
// model needs no lock of its own, and in virtual time the outcome is deterministic: the write
// is decided at the virtual time the loop takes it, and a blocking login completes at a
// virtual time set by the loop's timers (while a pool job holds the loop, a VirtualClock
// loop waits its real-time grace for the thread before it moves time: runtime/event_loop.hpp).
// No thread of its own.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include <srpadm/host/sysfs.hpp>
#include <srpadm/host/writer.hpp>
#include <srpadm/model/login.hpp>
#include <srpadm/model/remote_port.hpp>
#include <srpadm/runtime/event_loop.hpp>
#include <srpadm/sim/simulator.hpp>

namespace srpadm::sim {

// What the kernel reports as uevents when ib_srp adds or removes a SCSI host and
// scsi_transport_srp its remote port; plus remote-port state changes, for which the kernel
// sends none (a daemon on a real host must read the state from sysfs).
struct KernelEvent {
    enum class Kind : std::uint8_t {
        add,     // uevent "add": scsi_host host<H>, then srp_remote_ports port-<H>:1
        remove,  // uevent "remove": srp_remote_ports port-<H>:1, then scsi_host host<H>
        state,   // model only: the remote port's state changed
    };
    Kind kind = Kind::add;
    std::string subsystem;  // "scsi_host" or "srp_remote_ports"
    std::string name;       // "host7" or "port-7:1"
    unsigned host_no = 0;
    std::string state;        // srp_remote_ports: running, blocked, fail-fast, lost
    runtime::TimePoint at{};  // the loop's time

    friend bool operator==(const KernelEvent&, const KernelEvent&) = default;
};
std::string_view kernel_event_kind_name(KernelEvent::Kind kind);  // "add", "remove", "state"
// "add scsi_host host7", "state srp_remote_ports port-7:1 blocked".
std::string describe(const KernelEvent& event);

struct KernelOptions {
    // How long an add_target write to a target it cannot reach blocks before ETIMEDOUT (on a
    // real fabric the path record query and the CM REQ retries take about a minute).
    runtime::Duration unreachable_delay{};
    // From a remote port's loss (dev_loss_tmo) or a delete write to the removal of the SCSI
    // host and the remote port (srp_remove_work() on ib_srp's workqueue). A login that
    // vanishes is removed at once.
    runtime::Duration removal_delay = std::chrono::seconds(1);
    // The first SCSI host number; the hosts already in the tree push it past the highest.
    unsigned first_host_no = 0;
    // Keep the local ports' files (state, LID, SM LID, P_Keys) up to date on fabric events.
    bool update_port_files = true;
};

// Counters, for tests and the daemon's demonstration.
struct KernelStats {
    std::uint64_t writes = 0;          // every write taken
    std::uint64_t logins = 0;          // add_target writes decided
    std::uint64_t logins_refused = 0;  // of which returned an errno
    std::uint64_t hosts_added = 0;
    std::uint64_t hosts_removed = 0;
    std::uint64_t vanished = 0;
    std::uint64_t reconnects = 0;         // reconnect attempts that worked
    std::uint64_t failed_reconnects = 0;  // that failed, over all remote ports
};

class SimKernel {
  public:
    using Listener = std::function<void(const KernelEvent&)>;

    // Loop thread (the fabric's loop). `fabric` must outlive this object. The tree under
    // `root` has the add_target files of the fabric's initiator ports (lay_out_host()).
    // SCSI hosts already in the tree are not the model's: it never changes them, and writes
    // to their remote ports give ENODEV (as do add_target files of ports the fabric does not
    // have). The tree changes on the loop thread only; a host appears and goes whole (its
    // directory is written under another name and renamed).
    SimKernel(SimFabric& fabric, std::filesystem::path root, KernelOptions options = {});
    // Loop thread. Cancels the model's timers; writes still waiting for an answer get ENODEV
    // (so destroy it before the BlockingPool whose threads may be waiting: the pool joins
    // them). The hosts stay in the tree.
    ~SimKernel();
    SimKernel(const SimKernel&) = delete;
    SimKernel& operator=(const SimKernel&) = delete;
    SimKernel(SimKernel&&) = delete;
    SimKernel& operator=(SimKernel&&) = delete;

    // What srpadm writes through: write() blocks until the model has decided (for as long
    // as the simulated kernel blocks: Port::login.delay, KernelOptions::unreachable_delay).
    // Thread-safe; call it from a thread other than the loop's while the loop runs (a
    // BlockingPool job). Once this object is gone, writes return ENODEV.
    std::shared_ptr<host::SysfsWriter> writer() const { return writer_; }

    // The same write from the loop thread, without blocking: `done` runs on the loop with the
    // errno ({} on success), at once or when the blocking login completes (not at all if this
    // object is destroyed first). writer()'s write() from the loop thread gives EDEADLK.
    void write(const std::string& relative, const std::string& data,
               std::function<void(std::error_code)> done);

    // The uevents (and remote-port state changes), delivered on the loop in order, each after
    // the tree shows it (posted: never from inside a write or a fabric event). Loop thread.
    void set_listener(Listener listener) { listener_ = std::move(listener); }

    // Loop thread.
    const std::filesystem::path& root() const { return sysfs_.root(); }
    const KernelStats& stats() const { return stats_; }

  private:
    struct Host;
    struct Gate;
    struct Writer;
    struct PendingLogin;

    void handle(const std::string& relative, const std::string& data,
                std::function<void(std::error_code)> done);
    void add_target(std::size_t local, std::string data, std::function<void(std::error_code)> done);
    void next_login(std::size_t local);
    void start_login(std::size_t local, PendingLogin login);
    void finish_login(std::size_t local, const PendingLogin& login);
    std::error_code rport_write(Host& host, const std::string& attribute, const std::string& data);
    std::error_code module_write(const std::string& attribute, const std::string& data);

    // The errno a connection attempt from `local` for `spec` ends with; {} when it works.
    std::error_code connect_error(std::size_t local, const login::LoginSpec& spec) const;
    std::error_code path_error(std::size_t local, const login::LoginSpec& spec) const;
    Host* create_host(std::size_t local, const login::LoginSpec& spec);
    void write_host_files(const Host& host);
    void write_rport_state(const Host& host);
    void set_state(Host& host, std::string_view state);
    void transport_error(Host& host);
    void start_tl_fail_timers(Host& host);
    void reconnect(unsigned host_no);
    void fast_io_fail(unsigned host_no);
    void dev_loss(unsigned host_no);
    void queue_removal(Host& host, runtime::Duration delay);
    void remove_host(unsigned host_no);
    void fabric_changed(const FabricEvent& event);
    void cancel(runtime::EventLoop::TimerId& id);
    runtime::EventLoop::TimerId timer(runtime::Duration delay, std::function<void()> task);
    void emit(KernelEvent::Kind kind, const Host& host, bool rport);

    SimFabric& fabric_;
    runtime::EventLoop& loop_;
    host::Sysfs sysfs_;
    KernelOptions options_;
    std::shared_ptr<Gate> gate_;
    std::shared_ptr<host::SysfsWriter> writer_;
    Listener listener_;
    KernelStats stats_;
    std::uint64_t observer_ = 0;
    unsigned next_host_no_ = 0;
    std::set<unsigned> disks_;  // the sd indexes in use (the tree's and the model's)
    std::map<unsigned, std::unique_ptr<Host>> hosts_;
    // Per local port (index into fabric().local_ports): the login being decided, and the
    // ones waiting for it (ib_srp's add_target_mutex).
    std::vector<bool> login_busy_;
    std::vector<std::vector<PendingLogin>> login_queue_;
    std::set<runtime::EventLoop::TimerId> timers_;
    std::vector<KernelEvent> events_;  // not yet delivered
    bool flush_posted_ = false;
    // The loop's tasks hold it weakly: a task that runs after this object is gone does nothing.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace srpadm::sim
