// The agents that answer MADs in the simulated fabric: the SA on the SM's port, a DM agent on
// each SRP target port, and the kernel's answer for a class nobody registered. They work on
// bytes in and bytes out, encoded and decoded with the wire layer (srpadm/wire).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <srpadm/sim/fabric.hpp>

namespace srpadm::sim {

using Bytes = std::vector<std::uint8_t>;

// DM faults the agent builds into its answer (FaultAction max_controllers_lie,
// service_count_lie, unterminated_strings, binary_strings).
struct DmAnswerFaults {
    std::optional<std::uint8_t> max_controllers;
    std::optional<std::uint8_t> service_entries;
    bool unterminated_strings = false;
    bool binary_strings = false;
};

// The DM agent of a target port: the answer to `request` (a DM MAD of class 0x06), or
// nothing when the request is not one a DM agent answers (a response, a Report). `node`
// supplies nothing LIO does not report; it is passed for the generic flavour's defaults.
std::optional<Bytes> dm_answer(const DmAgent& agent, std::span<const std::uint8_t> request,
                               const DmAnswerFaults& faults = {});

// What the Linux kernel's MAD layer answers when no agent registered the request's class
// and method (mad.c generate_unmatched_resp): a Get or Set comes back whole as a GetResp
// with status 0x000C (unsupported method/attribute); any other method gets no answer.
std::optional<Bytes> unregistered_class_answer(std::span<const std::uint8_t> request);

// One InformInfo subscription the SA remembers.
struct Subscription {
    PortRef subscriber;
    Lid lid = 0;  // where Reports go
    std::uint16_t trap_number = 0;
    std::uint16_t type = 0;
    std::uint32_t producer_type = 0;
    Lid lid_range_begin = 0;
    Lid lid_range_end = 0;
    std::uint32_t qpn = 0;
};

// A trap the SA forwards to its subscribers.
struct Trap {
    std::uint16_t number = 0;           // 64, 65, 144, 145
    PortRef subject;                    // the port the trap is about
    std::uint32_t capability_mask = 0;  // 144: the new mask
};

struct Report {
    PortRef to;
    Lid lid = 0;
    std::uint64_t tid = 0;
    std::uint16_t trap_number = 0;
    Bytes mad;
};

// The subnet administrator, answering as OpenSM does (see sa_agent.cpp for the details of
// each query). It reads the fabric at the moment of each request.
class SaAgent {
  public:
    explicit SaAgent(const Fabric& fabric) : fabric_(fabric) {}

    // The answer to a request from `requester`, or nothing (not a request the SA answers).
    std::optional<Bytes> handle(PortRef requester, std::span<const std::uint8_t> request);

    // Reports of `trap` for every matching subscriber (a Report MAD each, with a new TID).
    std::vector<Report> reports(const Trap& trap);

    const std::vector<Subscription>& subscriptions() const { return subscriptions_; }
    // A new SM knows nothing of its predecessor's subscriptions.
    void forget_subscriptions() { subscriptions_.clear(); }

  private:
    std::optional<Bytes> inform_info(PortRef requester, std::span<const std::uint8_t> request);

    const Fabric& fabric_;
    std::vector<Subscription> subscriptions_;
    std::uint64_t next_tid_ = 0xabc;  // OpenSM's first SA TID
};

}  // namespace srpadm::sim
