#include <utility>

#include <fmt/format.h>

#include <srpadm/mad/request_tracker.hpp>

namespace srpadm::mad {
namespace {

constexpr std::size_t kHeaderSize = 24;
constexpr std::uint8_t kResponseBit = 0x80;
constexpr std::uint16_t kStatusBusy = 0x0001;
constexpr std::uint8_t kSaClass = 0x03;

std::uint16_t be16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

std::uint32_t be32(const std::uint8_t* p) {
    return (static_cast<std::uint32_t>(p[0]) << 24) | (static_cast<std::uint32_t>(p[1]) << 16) |
           (static_cast<std::uint32_t>(p[2]) << 8) | p[3];
}

std::size_t class_slot(std::uint8_t mgmt_class) {
    return mgmt_class == kSaClass ? 0 : 1;
}

}  // namespace

RequestTracker::RequestTracker(runtime::EventLoop& loop, std::uint32_t first_tid)
    : loop_(loop), next_tid_(first_tid == 0 ? 1 : first_tid) {}

RequestTracker::~RequestTracker() {
    for (auto& [tid, pending] : pending_) {
        loop_.cancel(pending.timer);
    }
}

std::uint32_t RequestTracker::start(MadBuffer& mad, runtime::TimePoint deadline, MadCallback done) {
    std::uint32_t tid = next_tid_++;
    while (tid == 0 || pending_.count(tid) != 0) {
        tid = next_tid_++;
    }
    for (std::size_t i = 0; i < 4; ++i) {
        mad[8 + i] = 0;
        mad[12 + i] = static_cast<std::uint8_t>(tid >> (24 - 8 * i));
    }
    Pending p;
    p.mgmt_class = mad[1];
    p.attr_id = be16(&mad[16]);
    p.done = std::move(done);
    p.timer = loop_.at(deadline, [this, tid] {
        auto it = pending_.find(tid);
        if (it == pending_.end()) {
            return;
        }
        ++stats_.timeouts;
        it->second.timer = 0;
        finish(it, tl::unexpected(MadError{Errc::timeout, 0, "no response before the deadline"}));
    });
    pending_.emplace(tid, std::move(p));
    ++stats_.requests_sent[class_slot(mad[1])];
    stats_.outstanding = pending_.size();
    if (stats_.outstanding > stats_.peak_outstanding) {
        stats_.peak_outstanding = stats_.outstanding;
    }
    return tid;
}

bool RequestTracker::complete(MadResponse response) {
    const auto& m = response.mad;
    if (m.size() < kHeaderSize || (m[3] & kResponseBit) == 0) {
        ++stats_.unmatched;
        return false;
    }
    const std::uint32_t tid = be32(&m[12]);
    auto it = pending_.find(tid);
    if (it == pending_.end() || it->second.mgmt_class != m[1]) {
        ++stats_.unmatched;
        return false;
    }
    stats_.response_segments[class_slot(m[1])] += wire_segments(m[1], m.size());
    const std::uint16_t status = be16(&m[4]);
    const std::uint16_t attr = be16(&m[16]);
    if (status != 0) {
        ++stats_.status_errors;
        const Errc code = (status & kStatusBusy) != 0 ? Errc::busy : Errc::mad_status;
        finish(it,
               tl::unexpected(MadError{code, status, fmt::format("MAD status 0x{:04x}", status)}));
        return true;
    }
    if (attr != it->second.attr_id) {
        ++stats_.status_errors;
        finish(it, tl::unexpected(MadError{
                       Errc::malformed, 0,
                       fmt::format("response attribute 0x{:04x} does not match request 0x{:04x}",
                                   attr, it->second.attr_id)}));
        return true;
    }
    ++stats_.responses_ok;
    finish(it, std::move(response));
    return true;
}

void RequestTracker::fail_send(std::uint32_t tid, std::string message) {
    fail_one(tid, Errc::send_failed, std::move(message), stats_.send_errors);
}

void RequestTracker::fail_timeout(std::uint32_t tid, std::string message) {
    fail_one(tid, Errc::timeout, std::move(message), stats_.timeouts);
}

void RequestTracker::fail_one(std::uint32_t tid, Errc code, std::string message,
                              std::uint64_t& counter) {
    auto it = pending_.find(tid);
    if (it == pending_.end()) {
        return;
    }
    ++counter;
    finish(it, tl::unexpected(MadError{code, 0, std::move(message)}));
}

void RequestTracker::fail_all(const MadError& error) {
    while (!pending_.empty()) {
        finish(pending_.begin(), tl::unexpected(error));
    }
}

void RequestTracker::finish(std::unordered_map<std::uint32_t, Pending>::iterator it,
                            MadResult result) {
    if (it->second.timer != 0) {
        loop_.cancel(it->second.timer);
    }
    MadCallback done = std::move(it->second.done);
    pending_.erase(it);
    stats_.outstanding = pending_.size();
    done(std::move(result));
}

}  // namespace srpadm::mad
