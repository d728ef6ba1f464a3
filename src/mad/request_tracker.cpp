#include <utility>

#include <fmt/format.h>

#include <srpadm/mad/request_tracker.hpp>
#include <srpadm/wire/mad.hpp>

namespace srpadm::mad {
namespace {

std::size_t class_slot(std::uint8_t mgmt_class) {
    return mgmt_class == wire::mgmt_class::subn_adm ? 0 : 1;
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
    return start(mad, wire::header_of(mad), deadline, std::move(done));
}

std::uint32_t RequestTracker::start(MadBuffer& mad, const wire::MadHeader& header,
                                    runtime::TimePoint deadline, MadCallback done) {
    std::uint32_t tid = next_tid_++;
    while (tid == 0 || pending_.count(tid) != 0) {
        tid = next_tid_++;
    }
    wire::set_tid(mad, tid);  // the upper 32 bits zero: the kernel and umad2sim write them
    Pending p;
    p.mgmt_class = header.mgmt_class;
    p.attr_id = header.attr_id;
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
    ++stats_.requests_sent[class_slot(header.mgmt_class)];
    stats_.outstanding = pending_.size();
    if (stats_.outstanding > stats_.peak_outstanding) {
        stats_.peak_outstanding = stats_.outstanding;
    }
    return tid;
}

bool RequestTracker::complete(MadResponse response) {
    const auto header = wire::MadHeader::decode(response.mad);
    if (!header) {
        ++stats_.unmatched;  // shorter than a MAD header
        return false;
    }
    return complete(std::move(response), *header);
}

bool RequestTracker::complete(MadResponse response, const wire::MadHeader& header) {
    if (!header.response) {
        ++stats_.unmatched;
        return false;
    }
    const auto tid = static_cast<std::uint32_t>(header.tid);  // the low 32 bits are ours
    auto it = pending_.find(tid);
    if (it == pending_.end() || it->second.mgmt_class != header.mgmt_class) {
        ++stats_.unmatched;
        return false;
    }
    stats_.response_segments[class_slot(header.mgmt_class)] +=
        wire_segments(header.mgmt_class, response.mad.size());
    const std::uint16_t status = header.status;
    if (status != 0) {
        ++stats_.status_errors;
        const Errc code = wire::status_busy(status) ? Errc::busy : Errc::mad_status;
        finish(it,
               tl::unexpected(MadError{code, status, fmt::format("MAD status 0x{:04x}", status)}));
        return true;
    }
    if (header.attr_id != it->second.attr_id) {
        ++stats_.status_errors;
        finish(it, tl::unexpected(MadError{
                       Errc::malformed, 0,
                       fmt::format("response attribute 0x{:04x} does not match request 0x{:04x}",
                                   header.attr_id, it->second.attr_id)}));
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
