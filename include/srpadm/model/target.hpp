// An SRP target found on the fabric: one SRP service of one I/O controller, reachable
// through one target port on one P_Key shared with the local port. This is what becomes one
// add_target line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/model/login.hpp>
#include <srpadm/result.hpp>
#include <srpadm/types.hpp>

namespace srpadm::model {

struct Target {
    // Login identity and address (the IB/CM add_target fields).
    std::string id_ext;  // as the target wrote it after "SRP.T10:" (1-16 hex digits)
    Guid ioc_guid = 0;
    Gid dgid;       // target port GID: subnet prefix and port GUID
    PKey pkey = 0;  // shared P_Key, membership bit as the SA returned it
    std::uint64_t service_id = 0;
    std::uint16_t io_class = 0x0100;
    // A target found by address (RoCE): logins go through RDMA/CM to this address, and the
    // IB/CM fields above only describe it (dgid: the GID its DM agent answered on).
    std::optional<login::RdmaCmAddress> rdma;

    // Where it was found.
    Lid lid = 0;  // target port LID
    std::uint16_t ioc_slot = 0;
    std::uint16_t service_index = 0;  // entry number in the IOC's ServiceEntries
    std::uint32_t send_size = 0;      // largest SRP request the IOC accepts (IOC profile)
    std::uint32_t vendor_id = 0;      // IOC profile VendorID, 24 bits as srp_daemon prints it
    std::uint32_t device_id = 0;
    // Display-safe text (non-printable bytes escaped as \xNN): never raw wire bytes.
    std::string ioc_id;
    std::string service_name;

    Guid port_guid() const { return dgid.guid(); }

    friend bool operator==(const Target&, const Target&) = default;
};

// Which initiator_ext a login uses. The kernel allows one login per (id_ext, ioc_guid,
// initiator_ext) on a local port, so a target reachable through two of its ports needs a
// different initiator_ext per path to get both paths (srp_daemon -n uses the target port
// GUID). The initiator_ext is also half of the initiator port ID that target ACLs name.
enum class InitiatorExtPolicy : std::uint8_t {
    none,              // leave it out: the kernel uses 0 (srp_daemon without -n)
    target_port_guid,  // srp_daemon -n
    fixed,             // the value given
};

// An initiator_ext policy as admins write it (--initiator-ext, the configuration's
// initiator-ext key): "none", "port-guid" (srp_daemon -n) or a 64-bit hex value (1-16 hex
// digits, optionally 0x-prefixed).
struct InitiatorExt {
    InitiatorExtPolicy policy = InitiatorExtPolicy::none;
    std::uint64_t value = 0;  // with InitiatorExtPolicy::fixed

    friend bool operator==(const InitiatorExt&, const InitiatorExt&) = default;
};
Result<InitiatorExt> parse_initiator_ext(std::string_view text);
// "none", "port-guid" or "0x%016llx".
std::string format_initiator_ext(const InitiatorExt& ext);

struct LoginPolicy {
    InitiatorExtPolicy initiator_ext = InitiatorExtPolicy::none;
    std::uint64_t fixed_initiator_ext = 0;
    std::optional<unsigned> tl_retry_count;  // srp_daemon -e -l N
    std::vector<login::Option> options;      // from the matching rule, in order
    // ib_srp's max_imm_data when its use_imm_data is on: a target whose SendSize is smaller
    // gets max_it_iu_size=SendSize (as srp_daemon does), so that the login is not refused.
    std::optional<std::uint32_t> max_imm_data;
};

void set_initiator_ext(LoginPolicy& policy, const InitiatorExt& ext);

// The add_target login for `target` under `policy`, with srp_daemon's suffixes in its order.
login::LoginSpec login_spec(const Target& target, const LoginPolicy& policy);

}  // namespace srpadm::model
