#include <chrono>
#include <csignal>
#include <vector>

#include <gtest/gtest.h>

#include <srpadm/runtime/signals.hpp>

namespace srpadm::runtime {
namespace {

using HandlerFn = void (*)(int);

HandlerFn current_handler(int signal) {
    struct sigaction now = {};
    sigaction(signal, nullptr, &now);
    return now.sa_handler;
}

// Sets a known disposition for the test and puts the old one back after it.
class Disposition {
  public:
    Disposition(int signal, HandlerFn handler) : signal_(signal) {
        struct sigaction action = {};
        action.sa_handler = handler;
        sigemptyset(&action.sa_mask);
        sigaction(signal_, &action, &old_);
    }
    Disposition(const Disposition&) = delete;
    Disposition& operator=(const Disposition&) = delete;
    ~Disposition() { sigaction(signal_, &old_, nullptr); }

  private:
    int signal_;
    struct sigaction old_ = {};
};

TEST(SignalWatch, RaisedSignalReachesTheHandlerOnTheLoop) {
    SteadyClock clock;
    EventLoop loop(clock);
    Disposition ignored(SIGUSR1, SIG_IGN);
    std::vector<int> seen;
    SignalWatch watch(loop, {SIGUSR1, SIGHUP}, [&](int signal) { seen.push_back(signal); });
    EXPECT_EQ(watch.last(), 0);
    // A timer that ends the run if the signal never reaches the loop.
    const auto guard = loop.after(std::chrono::seconds(5), [&] { loop.stop(); });
    ASSERT_EQ(raise(SIGUSR1), 0);  // handled at once, on this thread, before the loop runs
    EXPECT_TRUE(seen.empty());
    EXPECT_TRUE(loop.run_until([&] { return !seen.empty(); }));
    EXPECT_TRUE(loop.cancel(guard));
    EXPECT_EQ(seen, std::vector<int>{SIGUSR1});
    EXPECT_EQ(watch.last(), SIGUSR1);
}

TEST(SignalWatch, EachSignalOncePerBatch) {
    SteadyClock clock;
    EventLoop loop(clock);
    Disposition usr1(SIGUSR1, SIG_IGN);
    Disposition usr2(SIGUSR2, SIG_IGN);
    std::vector<int> seen;
    SignalWatch watch(loop, {SIGUSR1, SIGUSR2}, [&](int signal) {
        seen.push_back(signal);
        if (seen.size() == 2) {
            loop.stop();
        }
    });
    ASSERT_EQ(raise(SIGUSR2), 0);
    ASSERT_EQ(raise(SIGUSR1), 0);
    ASSERT_EQ(raise(SIGUSR2), 0);
    const auto guard = loop.after(std::chrono::seconds(5), [&] { loop.stop(); });
    loop.run();
    EXPECT_TRUE(loop.cancel(guard));
    // Both in one batch, each once, in the order the watch lists them.
    EXPECT_EQ(seen, (std::vector<int>{SIGUSR1, SIGUSR2}));
    EXPECT_EQ(watch.last(), SIGUSR2);
}

TEST(SignalWatch, DestructorRestoresDispositionsAndUnwatches) {
    SteadyClock clock;
    EventLoop loop(clock);
    Disposition usr1(SIGUSR1, SIG_IGN);
    Disposition hup(SIGHUP, SIG_DFL);
    {
        SignalWatch watch(loop, {SIGUSR1, SIGHUP}, [](int) {});
        EXPECT_NE(current_handler(SIGUSR1), SIG_IGN);
        EXPECT_NE(current_handler(SIGHUP), SIG_DFL);
        struct sigaction installed = {};
        sigaction(SIGUSR1, nullptr, &installed);
        EXPECT_NE(installed.sa_flags & SA_RESTART, 0);
        EXPECT_EQ(loop.watches(), 1U);
    }
    EXPECT_EQ(current_handler(SIGUSR1), SIG_IGN);
    EXPECT_EQ(current_handler(SIGHUP), SIG_DFL);
    EXPECT_EQ(loop.watches(), 0U);
    loop.run();  // the watch no longer keeps it running
}

TEST(SignalWatch, NestedWatchGivesTheSignalBack) {
    SteadyClock clock;
    EventLoop loop(clock);
    Disposition usr1(SIGUSR1, SIG_IGN);
    int outer = 0;
    int inner = 0;
    SignalWatch first(loop, {SIGUSR1}, [&](int) {
        ++outer;
        loop.stop();
    });
    {
        SignalWatch second(loop, {SIGUSR1}, [&](int) {
            ++inner;
            loop.stop();
        });
        ASSERT_EQ(raise(SIGUSR1), 0);
        loop.run();
    }
    ASSERT_EQ(raise(SIGUSR1), 0);
    const auto guard = loop.after(std::chrono::seconds(5), [&] { loop.stop(); });
    loop.run();
    EXPECT_TRUE(loop.cancel(guard));
    EXPECT_EQ(inner, 1);
    EXPECT_EQ(outer, 1);
}

TEST(SignalWatch, UncatchableSignalThrowsAndChangesNothing) {
    SteadyClock clock;
    EventLoop loop(clock);
    Disposition usr1(SIGUSR1, SIG_IGN);
    EXPECT_THROW(SignalWatch(loop, {SIGUSR1, SIGKILL}, [](int) {}), std::system_error);
    EXPECT_THROW(SignalWatch(loop, {0}, [](int) {}), std::system_error);
    EXPECT_EQ(current_handler(SIGUSR1), SIG_IGN);
    EXPECT_EQ(loop.watches(), 0U);
}

}  // namespace
}  // namespace srpadm::runtime
