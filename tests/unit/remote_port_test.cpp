// Remote-port timeouts: the kernel's srp_tmo_valid() rules and the order of writes.
#include <gtest/gtest.h>

#include <srpadm/model/remote_port.hpp>

namespace srpadm::model {
namespace {

constexpr int kOff = kTmoOff;

std::string error_of(const Result<void>& r) {
    return r ? "(valid)" : r.error().message;
}

TEST(RemotePortTimeouts, ParseAndFormat) {
    EXPECT_EQ(parse_tmo(TmoKey::dev_loss_tmo, "off").value(), kOff);
    EXPECT_EQ(parse_tmo(TmoKey::dev_loss_tmo, "0").value(), 0);
    EXPECT_EQ(parse_tmo(TmoKey::dev_loss_tmo, "2147483647").value(), 2147483647);
    for (const char* bad : {"", "-1", "+5", "05", "0x10", "2147483648", "Off", "5s", " 5"}) {
        EXPECT_FALSE(parse_tmo(TmoKey::fast_io_fail_tmo, bad)) << bad;
    }
    EXPECT_EQ(parse_tmo(TmoKey::fast_io_fail_tmo, "5s").error().message,
              "fast_io_fail_tmo=5s: must be off or a number of seconds 0..2147483647 (decimal, "
              "without leading zeros)");
    EXPECT_EQ(format_tmo(kOff), "off");
    EXPECT_EQ(format_tmo(15), "15");
}

TEST(RemotePortTimeouts, KernelRules) {
    EXPECT_EQ(error_of(check_tmo({15, 600, 10})), "(valid)");  // ib_srp's defaults
    EXPECT_EQ(error_of(check_tmo({kOff, kOff, kOff})),
              "reconnect_delay, fast_io_fail_tmo and dev_loss_tmo cannot all be off "
              "(fast_io_fail_tmo=off, dev_loss_tmo=off, reconnect_delay=off)");
    EXPECT_EQ(error_of(check_tmo({15, 600, 0})),
              "reconnect_delay must not be 0 (give a positive number of seconds or off) "
              "(fast_io_fail_tmo=15, dev_loss_tmo=600, reconnect_delay=0)");
    EXPECT_EQ(error_of(check_tmo({601, kOff, 10})),
              "fast_io_fail_tmo=601 must be at most 600 (SCSI_DEVICE_BLOCK_MAX_TIMEOUT) "
              "(fast_io_fail_tmo=601, dev_loss_tmo=off, reconnect_delay=10)");
    EXPECT_EQ(error_of(check_tmo({kOff, 601, 10})),
              "dev_loss_tmo=601 must be at most 600 while fast_io_fail_tmo is off (I/O would "
              "stay blocked longer than SCSI_DEVICE_BLOCK_MAX_TIMEOUT) (fast_io_fail_tmo=off, "
              "dev_loss_tmo=601, reconnect_delay=10)");
    EXPECT_EQ(error_of(check_tmo({kOff, 600, 10})), "(valid)");
    EXPECT_EQ(error_of(check_tmo({60, 60, 10})),
              "fast_io_fail_tmo=60 must be smaller than dev_loss_tmo=60 (fast_io_fail_tmo=60, "
              "dev_loss_tmo=60, reconnect_delay=10)");
    EXPECT_EQ(error_of(check_tmo({5, 3600, kOff})), "(valid)");  // fast_io on: dev_loss unbounded
    EXPECT_EQ(error_of(check_tmo({kOff, kOff, 10})), "(valid)");
    EXPECT_EQ(error_of(check_tmo({0, 1, 1})), "(valid)");
}

TEST(RemotePortTimeouts, GivenValuesOnly) {
    RemotePortTimeouts given;
    given.dev_loss_tmo = 10;  // fine alone; against ib_srp's default fast_io_fail_tmo 15 not
    EXPECT_TRUE(check_tmo_given(given));
    EXPECT_EQ(apply_tmo(TmoValues{}, given).error().message,
              "fast_io_fail_tmo=15 must be smaller than dev_loss_tmo=10 (asked for "
              "dev_loss_tmo=10; with the other values the result would be fast_io_fail_tmo=15, "
              "dev_loss_tmo=10, reconnect_delay=10)");
    given.fast_io_fail_tmo = 20;
    EXPECT_EQ(check_tmo_given(given).error().message,
              "fast_io_fail_tmo=20 must be smaller than dev_loss_tmo=10");
    RemotePortTimeouts zero;
    zero.reconnect_delay = 0;
    EXPECT_FALSE(check_tmo_given(zero));
}

TEST(RemotePortTimeouts, WritesInAnOrderTheKernelAccepts) {
    RemotePortTimeouts wanted;
    wanted.fast_io_fail_tmo = 5;
    wanted.dev_loss_tmo = 10;
    // From 15/600: dev_loss 10 first would be refused (15 >= 10), so fast_io_fail goes first.
    EXPECT_EQ(plan_tmo_writes(TmoValues{}, wanted).value(),
              (std::vector<TmoWrite>{{TmoKey::fast_io_fail_tmo, 5}, {TmoKey::dev_loss_tmo, 10}}));
    // From 5/10 up to 100/600: fast_io_fail 100 first would be refused (100 >= 10).
    RemotePortTimeouts up;
    up.fast_io_fail_tmo = 100;
    up.dev_loss_tmo = 600;
    EXPECT_EQ(
        plan_tmo_writes(TmoValues{5, 10, 10}, up).value(),
        (std::vector<TmoWrite>{{TmoKey::dev_loss_tmo, 600}, {TmoKey::fast_io_fail_tmo, 100}}));
    // Turning fast_io_fail off with dev_loss above 600 needs dev_loss lowered first.
    RemotePortTimeouts off;
    off.fast_io_fail_tmo = kOff;
    off.dev_loss_tmo = 300;
    EXPECT_EQ(
        plan_tmo_writes(TmoValues{15, 3600, 10}, off).value(),
        (std::vector<TmoWrite>{{TmoKey::dev_loss_tmo, 300}, {TmoKey::fast_io_fail_tmo, kOff}}));
}

TEST(RemotePortTimeouts, NothingToWriteAndRefusals) {
    RemotePortTimeouts same;
    same.fast_io_fail_tmo = 15;
    EXPECT_TRUE(plan_tmo_writes(TmoValues{}, same).value().empty());
    RemotePortTimeouts bad;
    bad.reconnect_delay = 0;
    EXPECT_FALSE(plan_tmo_writes(TmoValues{}, bad));
}

}  // namespace
}  // namespace srpadm::model
