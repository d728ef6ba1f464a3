#include <algorithm>
#include <iterator>
#include <memory>
#include <utility>
#include <vector>

#include <srpadm/discovery/mad_queue.hpp>
#include <srpadm/wire/mad.hpp>

namespace srpadm::discovery {

MadQueue::MadQueue(mad::MadEndpoint& endpoint, QueueLimits limits, RetryPolicy policy,
                   std::uint64_t jitter_seed)
    : endpoint_(endpoint),
      limits_(limits),
      policy_(policy),
      jitter_(static_cast<std::minstd_rand::result_type>(jitter_seed == 0 ? 1 : jitter_seed)) {
    limits_.window = std::max<std::size_t>(1, limits_.window);
    limits_.sa_window = std::clamp<std::size_t>(limits_.sa_window, 1, limits_.window);
    limits_.sa_burst = std::max<std::size_t>(1, limits_.sa_burst);
    sa_tokens_ = static_cast<double>(limits_.sa_burst);
    sa_tokens_at_ = endpoint_.loop().now();
}

MadQueue::~MadQueue() {
    for (auto& [key, waiting] : backoff_) {
        endpoint_.loop().cancel(waiting.first);
    }
    if (pace_timer_ != 0) {
        endpoint_.loop().cancel(pace_timer_);
    }
}

bool MadQueue::sa_paced_ok() {
    if (limits_.sa_interval <= runtime::Duration::zero()) {
        return true;
    }
    const auto now = endpoint_.loop().now();
    const auto burst = static_cast<double>(limits_.sa_burst);
    sa_tokens_ = std::min(burst, sa_tokens_ + static_cast<double>((now - sa_tokens_at_).count()) /
                                                  static_cast<double>(limits_.sa_interval.count()));
    sa_tokens_at_ = now;
    if (sa_tokens_ >= 1.0) {
        return true;
    }
    if (pace_timer_ == 0) {
        ++stats_.paced;
        const auto wait = runtime::Duration(static_cast<runtime::Duration::rep>(
            (1.0 - sa_tokens_) * static_cast<double>(limits_.sa_interval.count())));
        pace_timer_ = endpoint_.loop().after(std::max(wait, runtime::Duration(1)), [this] {
            pace_timer_ = 0;
            pump();
        });
    }
    return false;
}

void MadQueue::submit(const mad::MadRequest& request, mad::MadCallback done) {
    ++stats_.submitted;
    if (cancelled_) {
        ++stats_.failed;
        done(tl::unexpected(*cancelled_));
        return;
    }
    const auto header = wire::MadHeader::decode(request.mad);
    const bool sa = header && header->mgmt_class == wire::mgmt_class::subn_adm;
    enqueue(Item{request, std::move(done), 0, next_seq_++, sa}, false);
    pump();
}

void MadQueue::enqueue(Item item, bool front) {
    auto& queue = is_sa(item) ? sa_queue_ : other_queue_;
    if (front) {
        queue.push_front(std::move(item));
    } else {
        queue.push_back(std::move(item));
    }
}

void MadQueue::cancel(const mad::MadError& error) {
    if (cancelled_) {
        return;
    }
    cancelled_ = error;
    std::vector<Item> ended;
    for (auto& [key, waiting] : backoff_) {
        endpoint_.loop().cancel(waiting.first);
        ended.push_back(std::move(waiting.second));
    }
    backoff_.clear();
    for (auto* queue : {&sa_queue_, &other_queue_}) {
        std::move(queue->begin(), queue->end(), std::back_inserter(ended));
        queue->clear();
    }
    for (auto& item : ended) {
        ++stats_.failed;
        item.done(tl::unexpected(error));
    }
}

// Sends queued requests in submission order while the windows allow. An SA request that does
// not fit the SA window waits without blocking the requests queued behind it.
//
// An endpoint may complete a request inside send() (a send that fails at once), and the
// completion may submit more and call pump() again. Only the outermost pump() takes requests
// off the queues; a nested call asks it to look once more, since a request it passed over
// may fit the windows now.
void MadQueue::pump() {
    if (pumping_) {
        pump_again_ = true;
        return;
    }
    pumping_ = true;
    do {
        pump_again_ = false;
        while (outstanding_ < limits_.window) {
            const bool sa_ok =
                !sa_queue_.empty() && sa_outstanding_ < limits_.sa_window && sa_paced_ok();
            const bool other_ok = !other_queue_.empty();
            if (!sa_ok && !other_ok) {
                break;
            }
            const bool take_sa =
                sa_ok && (!other_ok || sa_queue_.front().seq < other_queue_.front().seq);
            auto& queue = take_sa ? sa_queue_ : other_queue_;
            Item item = std::move(queue.front());
            queue.pop_front();
            launch(std::move(item));
        }
    } while (pump_again_);
    pumping_ = false;
}

void MadQueue::launch(Item item) {
    ++outstanding_;
    if (is_sa(item)) {
        ++sa_outstanding_;
        sa_tokens_ -= 1.0;
    }
    stats_.peak_outstanding = std::max(stats_.peak_outstanding, outstanding_);
    stats_.peak_sa_outstanding = std::max(stats_.peak_sa_outstanding, sa_outstanding_);
    ++stats_.attempts;
    if (item.attempt > 0) {
        ++stats_.retries;
    }
    const auto deadline = endpoint_.loop().now() + policy_.timeout;
    const mad::MadRequest request = item.request;
    auto shared = std::make_shared<Item>(std::move(item));
    endpoint_.send(request, deadline,
                   [this, shared, token = std::weak_ptr<int>(alive_)](mad::MadResult result) {
                       if (!token.expired()) {
                           on_result(std::move(*shared), std::move(result));
                       }
                   });
}

runtime::Duration MadQueue::backoff_for(unsigned attempt) {
    runtime::Duration delay = policy_.backoff;
    for (unsigned i = 1; i < attempt && delay < policy_.backoff_max; ++i) {
        delay *= 2;
    }
    delay = std::min(delay, policy_.backoff_max);
    // Up to 25 % jitter so that many ports retrying together do not hit the SA in step.
    const auto quarter = delay.count() / 4;
    if (quarter > 0) {
        std::uniform_int_distribution<runtime::Duration::rep> dist(0, quarter);
        delay += runtime::Duration(dist(jitter_));
    }
    return delay;
}

void MadQueue::on_result(Item item, mad::MadResult result) {
    --outstanding_;
    if (is_sa(item)) {
        --sa_outstanding_;
    }
    bool retry = false;
    if (!result) {
        switch (result.error().code) {
            case Errc::timeout:
                ++stats_.timeouts;
                retry = true;
                break;
            case Errc::busy:
                ++stats_.busy;
                retry = true;
                break;
            case Errc::send_failed:
                retry = true;
                break;
            default:
                break;
        }
    }
    if (retry && !cancelled_ && item.attempt < policy_.retries) {
        ++item.attempt;
        const auto delay = backoff_for(item.attempt);
        const std::uint64_t key = next_backoff_++;
        const auto timer = endpoint_.loop().after(delay, [this, key] {
            const auto it = backoff_.find(key);
            if (it == backoff_.end()) {
                return;
            }
            enqueue(std::move(it->second.second), true);
            backoff_.erase(it);
            pump();
        });
        backoff_.emplace(key, std::make_pair(timer, std::move(item)));
        pump();
        return;
    }
    if (!result) {
        ++stats_.failed;
    }
    auto done = std::move(item.done);
    done(std::move(result));
    pump();
}

}  // namespace srpadm::discovery
