// Bookkeeping every MAD endpoint shares: transaction IDs, outstanding requests, deadlines,
// response matching and status classification, and the counters in EndpointStats.
#pragma once

#include <cstdint>
#include <unordered_map>

#include <srpadm/mad/endpoint.hpp>

namespace srpadm::mad {

class RequestTracker {
  public:
    explicit RequestTracker(runtime::EventLoop& loop, std::uint32_t first_tid = 1);
    ~RequestTracker();
    RequestTracker(const RequestTracker&) = delete;
    RequestTracker& operator=(const RequestTracker&) = delete;

    // Writes a fresh TID into the request (low 32 bits; never 0; upper 32 bits zero), records
    // it, counts it as sent and arms its deadline. Returns the TID's low 32 bits.
    std::uint32_t start(MadBuffer& mad, runtime::TimePoint deadline, MadCallback done);
    // The same with the request's header as the caller decoded it (its TID is not used).
    std::uint32_t start(MadBuffer& mad, const wire::MadHeader& header, runtime::TimePoint deadline,
                        MadCallback done);

    // Called on the loop thread with a MAD that arrived. If it answers an outstanding request
    // (response bit set, same TID low 32 bits, same class), completes that request and returns
    // true; otherwise counts it as unmatched and returns false.
    bool complete(MadResponse response);
    // The same with the MAD's header as the caller decoded it.
    bool complete(MadResponse response, const wire::MadHeader& header);

    // The request could not be sent: complete it now with a send error.
    void fail_send(std::uint32_t tid, std::string message);

    // The transport says no answer will come (umad status ETIMEDOUT: the kernel's own timeout
    // ran out, or ibsim could not deliver the request): complete it now as a timeout, without
    // waiting for the deadline. Does nothing when the request already completed.
    void fail_timeout(std::uint32_t tid, std::string message);

    // Completes every outstanding request with `error` (endpoint shutting down, port gone).
    void fail_all(const MadError& error);

    std::size_t outstanding() const { return pending_.size(); }
    EndpointStats& stats() { return stats_; }
    const EndpointStats& stats() const { return stats_; }

  private:
    struct Pending {
        std::uint8_t mgmt_class = 0;
        std::uint16_t attr_id = 0;
        runtime::EventLoop::TimerId timer = 0;
        MadCallback done;
    };

    void finish(std::unordered_map<std::uint32_t, Pending>::iterator it, MadResult result);
    // Completes `tid`, if it is outstanding, with `code` and counts it in `counter`.
    void fail_one(std::uint32_t tid, Errc code, std::string message, std::uint64_t& counter);

    runtime::EventLoop& loop_;
    std::uint32_t next_tid_;
    std::unordered_map<std::uint32_t, Pending> pending_;
    EndpointStats stats_;
};

}  // namespace srpadm::mad
