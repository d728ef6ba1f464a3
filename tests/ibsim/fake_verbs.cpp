// libsrpadm_fake_verbs.so: what the real srp_daemon (rdma-core srp_daemon/srp_daemon.c and
// srp_handle_traps.c) needs, besides libumad2sim.so, to run as a client of ibsim. The ibsim tier
// preloads it after libumad2sim.so (LD_PRELOAD="libumad2sim.so:libsrpadm_fake_verbs.so"), so
// that libumad2sim's own wrappers of open() and opendir() reach the ones here through
// dlsym(RTLD_NEXT), after turning /sys/class/infiniband paths into its fake sysfs.
//
// - libibverbs: srp_daemon's alloc_res() opens the verbs device named like the umad device for
//   the UD QP it receives Reports on (srp_handle_traps.c: ud_resources_create), reads the port's
//   LID, SM LID and P_Key table with verbs, and fails without them. libumad2sim emulates no
//   verbs, so this library stands in for the part srp_daemon calls: one device, "ibsim0" (the
//   name libumad2sim gives its umad device), whose port attributes and P_Key table are read from
//   libumad2sim's sysfs; a UD QP that completes every send at once and never receives (no
//   InformInfo reaches the SA through it, so daemon mode sees no Reports); a completion channel
//   and an async event queue that stay empty (a read that a signal interrupts).
// - umad_register: srp_daemon sends its DM requests through its SA agent (class 0x03).
//   libumad2sim queues a received MAD on the file of the agent registered for the MAD's class
//   and crashes when there is none, so registering the SA agent registers a DM agent (class
//   0x06) on the same port as well. Answers still carry the SA agent's id (libumad2sim takes it
//   from the TID), so srp_daemon's send_and_get() accepts them.
// - link_layer: srp_daemon checks ports/N/link_layer, which libumad2sim's sysfs lacks; a read
//   of a missing link_layer in that tree creates it with "InfiniBand".
// - /sys/class/scsi_host: srp_daemon -c looks there for targets it is already logged in to
//   (add_non_exist_target) and prints nothing when the directory is missing (as on a machine
//   without SCSI hosts). With SRPADM_FAKE_SCSI_HOST=DIR in the environment, opendir() of it
//   opens DIR instead: an empty directory stands for an initiator with no SRP logins.
//
// Nothing here is called by srpadm; only the real srp_daemon and ibsrpdm run with it.
#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <dlfcn.h>
#include <endian.h>
#include <fcntl.h>
#include <mutex>
#include <string>
#include <string_view>
#include <unistd.h>

#include <infiniband/umad.h>
#include <infiniband/verbs.h>

namespace {

constexpr const char* kDeviceName = "ibsim0";
constexpr const char* kSysfsDevice = "/sys/class/infiniband/ibsim0";
constexpr int kMgmtClassSa = 0x03;
constexpr int kMgmtClassDm = 0x06;
constexpr int kDmClassVersion = 1;
constexpr int kMaxPkeys = 128;  // ibv_query_pkey stops at the first index sysfs lacks

template <class F>
F next_symbol(const char* name) {
    return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

// A sysfs attribute of the fake device's port, read through libumad2sim's open() (the global
// one), which redirects /sys/class/infiniband into its tree.
std::string port_attribute(std::uint8_t port, const std::string& name) {
    const std::string path =
        std::string(kSysfsDevice) + "/ports/" + std::to_string(port) + "/" + name;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return {};
    }
    char buf[128] = {};
    const ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
    ::close(fd);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

unsigned long port_number(std::uint8_t port, const std::string& name, unsigned long otherwise) {
    const std::string text = port_attribute(port, name);
    if (text.empty()) {
        return otherwise;
    }
    return std::strtoul(text.c_str(), nullptr, 0);  // "0x5", "4: ACTIVE"
}

struct Device {
    ibv_device device = {};
    ibv_device* list[2] = {&device, nullptr};
};

Device& the_device() {
    static Device d = [] {
        Device x;
        x.device.node_type = IBV_NODE_CA;
        x.device.transport_type = IBV_TRANSPORT_IB;
        std::strncpy(x.device.name, kDeviceName, sizeof(x.device.name) - 1);
        std::strncpy(x.device.dev_name, "uverbs0", sizeof(x.device.dev_name) - 1);
        std::strncpy(x.device.ibdev_path, kSysfsDevice, sizeof(x.device.ibdev_path) - 1);
        return x;
    }();
    return d;
}

// A completion queue: send completions waiting to be polled (receives never complete).
struct FakeCq {
    ibv_cq cq = {};
    std::mutex mutex;
    unsigned pending = 0;
    std::uint64_t last_wr_id = 0;
};

FakeCq* fake(ibv_cq* cq) {
    return reinterpret_cast<FakeCq*>(cq);  // cq is FakeCq's first member
}

int poll_cq(ibv_cq* cq, int num_entries, ibv_wc* wc) {
    FakeCq* f = fake(cq);
    std::lock_guard<std::mutex> lock(f->mutex);
    int n = 0;
    while (n < num_entries && f->pending > 0) {
        wc[n] = ibv_wc{};
        wc[n].wr_id = f->last_wr_id;
        wc[n].status = IBV_WC_SUCCESS;
        wc[n].opcode = IBV_WC_SEND;
        --f->pending;
        ++n;
    }
    return n;
}

int req_notify_cq(ibv_cq* /*cq*/, int /*solicited_only*/) {
    return 0;
}

// Every send "goes out" at once: nothing reaches ibsim, the send CQ gets its completion.
int post_send(ibv_qp* qp, ibv_send_wr* wr, ibv_send_wr** /*bad_wr*/) {
    for (; wr != nullptr; wr = wr->next) {
        FakeCq* f = fake(qp->send_cq);
        std::lock_guard<std::mutex> lock(f->mutex);
        ++f->pending;
        f->last_wr_id = wr->wr_id;
    }
    return 0;
}

int post_recv(ibv_qp* /*qp*/, ibv_recv_wr* /*wr*/, ibv_recv_wr** /*bad_wr*/) {
    return 0;
}

// Waits on a pipe nobody writes: returns -1 when a signal interrupts the read (srp_daemon's
// free_res() sends SIGINT to its threads) or the pipe is closed.
int wait_forever(int fd) {
    char c = 0;
    const ssize_t n = ::read(fd, &c, 1);
    if (n <= 0 && errno != EINTR) {
        errno = EIO;
    }
    return -1;
}

struct Pipe {
    int read_fd = -1;
    int write_fd = -1;
    bool open() {
        int fds[2] = {-1, -1};
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            return false;
        }
        read_fd = fds[0];
        write_fd = fds[1];
        return true;
    }
    void close() {
        for (int* fd : {&read_fd, &write_fd}) {
            if (*fd >= 0) {
                ::close(*fd);
                *fd = -1;
            }
        }
    }
};

struct FakeContext {
    ibv_context context = {};
    Pipe async_events;
};

struct FakeChannel {
    ibv_comp_channel channel = {};
    Pipe events;
};

}  // namespace

extern "C" {

// ---- libibverbs: devices ------------------------------------------------------------------

ibv_device**(ibv_get_device_list)(int* num_devices) {
    if (num_devices != nullptr) {
        *num_devices = 1;
    }
    return the_device().list;
}

void ibv_free_device_list(ibv_device** /*list*/) {}

const char* ibv_get_device_name(ibv_device* device) {
    return device->name;
}

ibv_context* ibv_open_device(ibv_device* device) {
    auto* f = new FakeContext;
    if (!f->async_events.open()) {
        delete f;
        return nullptr;
    }
    f->context.device = device;
    f->context.cmd_fd = -1;
    f->context.async_fd = f->async_events.read_fd;
    f->context.num_comp_vectors = 1;
    f->context.ops.poll_cq = poll_cq;
    f->context.ops.req_notify_cq = req_notify_cq;
    f->context.ops.post_send = post_send;
    f->context.ops.post_recv = post_recv;
    // abi_compat stays null: not an extended context, so verbs.h's inline wrappers fall back
    // to the plain entry points below.
    return &f->context;
}

int ibv_close_device(ibv_context* context) {
    auto* f = reinterpret_cast<FakeContext*>(context);
    f->async_events.close();
    delete f;
    return 0;
}

int(ibv_query_port)(ibv_context* /*context*/, std::uint8_t port_num,
                    _compat_ibv_port_attr* port_attr) {
    // The 1.1 entry point fills the part of ibv_port_attr that existed then; every field
    // written here is in that part.
    auto* a = reinterpret_cast<ibv_port_attr*>(port_attr);
    const unsigned long state = port_number(port_num, "state", 0);
    if (state == 0) {
        errno = EINVAL;
        return EINVAL;
    }
    a->state = static_cast<ibv_port_state>(state);
    a->max_mtu = IBV_MTU_2048;
    a->active_mtu = IBV_MTU_2048;
    a->gid_tbl_len = 1;
    a->port_cap_flags = static_cast<std::uint32_t>(port_number(port_num, "cap_mask", 0));
    a->max_msg_sz = 1U << 31;
    a->pkey_tbl_len = kMaxPkeys;
    a->lid = static_cast<std::uint16_t>(port_number(port_num, "lid", 0));
    a->sm_lid = static_cast<std::uint16_t>(port_number(port_num, "sm_lid", 0));
    a->lmc = static_cast<std::uint8_t>(port_number(port_num, "lid_mask_count", 0));
    a->sm_sl = static_cast<std::uint8_t>(port_number(port_num, "sm_sl", 0));
    a->active_width = 2;  // 4x
    a->active_speed = 1;
    a->phys_state = static_cast<std::uint8_t>(port_number(port_num, "phys_state", 5));
    a->link_layer = IBV_LINK_LAYER_INFINIBAND;
    return 0;
}

int ibv_query_pkey(ibv_context* /*context*/, std::uint8_t port_num, int index, __be16* pkey) {
    if (index < 0 || index >= kMaxPkeys) {
        return -1;
    }
    const std::string text = port_attribute(port_num, "pkeys/" + std::to_string(index));
    if (text.empty()) {
        return -1;
    }
    *pkey = htobe16(static_cast<std::uint16_t>(std::strtoul(text.c_str(), nullptr, 0)));
    return 0;
}

int ibv_get_pkey_index(ibv_context* context, std::uint8_t port_num, __be16 pkey) {
    for (int i = 0; i < kMaxPkeys; ++i) {
        __be16 value = 0;
        if (ibv_query_pkey(context, port_num, i, &value) != 0) {
            break;
        }
        if (value == pkey) {
            return i;
        }
    }
    return -1;
}

int ibv_get_async_event(ibv_context* context, ibv_async_event* /*event*/) {
    return wait_forever(context->async_fd);
}

void ibv_ack_async_event(ibv_async_event* /*event*/) {}

// ---- protection domain, memory, address handles ------------------------------------------

ibv_pd* ibv_alloc_pd(ibv_context* context) {
    auto* pd = new ibv_pd{};
    pd->context = context;
    return pd;
}

int ibv_dealloc_pd(ibv_pd* pd) {
    delete pd;
    return 0;
}

ibv_mr*(ibv_reg_mr)(ibv_pd* pd, void* addr, std::size_t length, int /*access*/) {
    static std::uint32_t keys = 0x100;
    auto* mr = new ibv_mr{};
    mr->context = pd->context;
    mr->pd = pd;
    mr->addr = addr;
    mr->length = length;
    mr->lkey = mr->rkey = ++keys;
    return mr;
}

int ibv_dereg_mr(ibv_mr* mr) {
    delete mr;
    return 0;
}

ibv_ah* ibv_create_ah(ibv_pd* pd, ibv_ah_attr* /*attr*/) {
    auto* ah = new ibv_ah{};
    ah->context = pd->context;
    ah->pd = pd;
    return ah;
}

int ibv_destroy_ah(ibv_ah* ah) {
    delete ah;
    return 0;
}

// ---- completion channels and queues -------------------------------------------------------

ibv_comp_channel* ibv_create_comp_channel(ibv_context* context) {
    auto* f = new FakeChannel;
    if (!f->events.open()) {
        delete f;
        return nullptr;
    }
    f->channel.context = context;
    f->channel.fd = f->events.read_fd;
    f->channel.refcnt = 0;
    return &f->channel;
}

int ibv_destroy_comp_channel(ibv_comp_channel* channel) {
    auto* f = reinterpret_cast<FakeChannel*>(channel);
    f->events.close();
    delete f;
    return 0;
}

ibv_cq* ibv_create_cq(ibv_context* context, int cqe, void* cq_context, ibv_comp_channel* channel,
                      int /*comp_vector*/) {
    auto* f = new FakeCq;
    f->cq.context = context;
    f->cq.channel = channel;
    f->cq.cq_context = cq_context;
    f->cq.cqe = cqe;
    return &f->cq;
}

int ibv_destroy_cq(ibv_cq* cq) {
    delete fake(cq);
    return 0;
}

int ibv_get_cq_event(ibv_comp_channel* channel, ibv_cq** /*cq*/, void** /*cq_context*/) {
    return wait_forever(channel->fd);
}

void ibv_ack_cq_events(ibv_cq* /*cq*/, unsigned int /*nevents*/) {}

// ---- queue pairs ------------------------------------------------------------------------

ibv_qp* ibv_create_qp(ibv_pd* pd, ibv_qp_init_attr* attr) {
    static std::uint32_t numbers = 0x40;
    auto* qp = new ibv_qp{};
    qp->context = pd->context;
    qp->pd = pd;
    qp->send_cq = attr->send_cq;
    qp->recv_cq = attr->recv_cq;
    qp->srq = attr->srq;
    qp->qp_context = attr->qp_context;
    qp->qp_type = attr->qp_type;
    qp->qp_num = ++numbers;
    qp->state = IBV_QPS_RESET;
    return qp;
}

int ibv_modify_qp(ibv_qp* qp, ibv_qp_attr* attr, int attr_mask) {
    if ((attr_mask & IBV_QP_STATE) != 0) {
        qp->state = attr->qp_state;
    }
    return 0;
}

int ibv_destroy_qp(ibv_qp* qp) {
    delete qp;
    return 0;
}

// ---- libibumad: a DM agent next to the SA agent --------------------------------------------

int umad_register(int portid, int mgmt_class, int mgmt_version, std::uint8_t rmpp_version,
                  long method_mask[16 / sizeof(long)]) {
    using Register = int (*)(int, int, int, std::uint8_t, long*);
    static const auto real = next_symbol<Register>("umad_register");
    if (real == nullptr) {
        errno = ENOSYS;
        return -1;
    }
    const int agent = real(portid, mgmt_class, mgmt_version, rmpp_version, method_mask);
    if (agent >= 0 && mgmt_class == kMgmtClassSa) {
        real(portid, kMgmtClassDm, kDmClassVersion, 0, nullptr);
    }
    return agent;
}

// ---- libc: the link_layer libumad2sim's sysfs lacks, and the SCSI host class ------------------

int open(const char* path, int flags, ...) {
    using Open = int (*)(const char*, int, ...);
    static const auto real = next_symbol<Open>("open");
    mode_t mode = 0;
    if ((flags & (O_CREAT | O_TMPFILE)) != 0) {
        va_list args;
        va_start(args, flags);
        mode = static_cast<mode_t>(va_arg(args, unsigned));
        va_end(args);
    }
    int fd = real(path, flags, mode);
    const std::string_view p = path;
    // Only in libumad2sim's tree (./sys-<pid>/...), never in the real sysfs.
    if (fd < 0 && errno == ENOENT && (flags & O_ACCMODE) == O_RDONLY && p.rfind("./sys-", 0) == 0 &&
        p.find("/class/infiniband/") != std::string_view::npos && p.size() > 11 &&
        p.substr(p.size() - 11) == "/link_layer") {
        const int w = real(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (w >= 0) {
            static constexpr std::string_view kText = "InfiniBand\n";
            const ssize_t n = ::write(w, kText.data(), kText.size());
            ::close(w);
            (void)n;
        }
        fd = real(path, flags, mode);
    }
    return fd;
}

DIR* opendir(const char* path) {
    using OpenDir = DIR* (*)(const char*);
    static const auto real = next_symbol<OpenDir>("opendir");
    const char* scsi_host = std::getenv("SRPADM_FAKE_SCSI_HOST");
    if (scsi_host != nullptr && *scsi_host != '\0' &&
        std::string_view(path).rfind("/sys/class/scsi_host", 0) == 0) {
        return real(scsi_host);
    }
    return real(path);
}

}  // extern "C"
