#include <condition_variable>
#include <mutex>
#include <thread>

#include <srpadm/host/writer.hpp>

namespace srpadm::host {

WriteOutcome write_with_timeout(const std::shared_ptr<SysfsWriter>& writer, std::string relative,
                                std::string data, std::chrono::milliseconds timeout) {
    struct Shared {
        std::mutex mutex;
        std::condition_variable cv;
        bool done = false;
        std::error_code error;
    };
    auto shared = std::make_shared<Shared>();
    std::thread worker([shared, writer, relative = std::move(relative), data = std::move(data)] {
        const std::error_code error = writer->write(relative, data);
        const std::lock_guard<std::mutex> lock(shared->mutex);
        shared->done = true;
        shared->error = error;
        shared->cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(shared->mutex);
    const bool done = shared->cv.wait_for(lock, timeout, [&shared] { return shared->done; });
    WriteOutcome outcome;
    if (done) {
        outcome.error = shared->error;
        lock.unlock();
        worker.join();
    } else {
        outcome.timed_out = true;
        lock.unlock();
        worker.detach();
    }
    return outcome;
}

}  // namespace srpadm::host
