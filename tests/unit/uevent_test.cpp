// Uevents: the event struct built from libudev's fields (pure), the choice of source, and a
// real monitor receiving a uevent the kernel sends when "add" is written to
// /sys/class/net/lo/uevent (lib/kobject_uevent.c, kobject_synth_uevent). The monitor's tests
// need a netlink uevent socket and root (to write that file); where either is missing they are
// skipped and say why.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unistd.h>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <srpadm/host/sysfs.hpp>
#include <srpadm/host/uevent.hpp>
#include <srpadm/host/uevent_monitor.hpp>
#include <srpadm/model/login.hpp>
#include <srpadm/runtime/clock.hpp>
#include <srpadm/runtime/event_loop.hpp>

#include "error_text.hpp"

namespace srpadm::host {
namespace {

using srpadm::testing::error_of;
using namespace std::chrono_literals;
using namespace std::string_view_literals;

UeventFields net_lo(std::string_view action = "add") {
    UeventFields f;
    f.action = action;
    f.subsystem = "net";
    f.sysname = "lo";
    f.devpath = "/devices/virtual/net/lo";
    return f;
}

TEST(Uevent, EveryKernelActionByName) {
    for (const std::string_view name :
         {"add", "remove", "change", "move", "online", "offline", "bind", "unbind"}) {
        const auto a = parse_uevent_action(name);
        ASSERT_TRUE(a) << name;
        EXPECT_EQ(uevent_action_name(*a), name);
    }
    EXPECT_FALSE(parse_uevent_action("ADD"));
    EXPECT_FALSE(parse_uevent_action(""));
    EXPECT_FALSE(parse_uevent_action("add "));
}

TEST(Uevent, APlainEvent) {
    const auto e = make_uevent(net_lo());
    ASSERT_TRUE(e) << error_of(e);
    EXPECT_EQ(e->action, UeventAction::add);
    EXPECT_EQ(e->subsystem, "net");
    EXPECT_EQ(e->sysname, "lo");
    EXPECT_EQ(e->devpath, "/devices/virtual/net/lo");
    EXPECT_FALSE(e->ibdev);
    EXPECT_FALSE(e->port);
    EXPECT_EQ(describe(*e), "add net lo (/devices/virtual/net/lo)");
}

TEST(Uevent, TheNameDefaultsToTheLastComponentOfTheDevpath) {
    auto f = net_lo("remove");
    f.sysname.reset();
    const auto e = make_uevent(f);
    ASSERT_TRUE(e) << error_of(e);
    EXPECT_EQ(e->action, UeventAction::remove);
    EXPECT_EQ(e->sysname, "lo");
}

TEST(Uevent, AUmadDeviceWithItsPort) {
    UeventFields f;
    f.action = "add";
    f.subsystem = "infiniband_mad";
    f.sysname = "umad1";
    f.devpath = "/devices/pci0000:00/0000:00:02.0/0000:03:00.1/infiniband_mad/umad1";
    f.ibdev = "mlx5_1";
    f.port = "1";
    const auto e = make_uevent(f);
    ASSERT_TRUE(e) << error_of(e);
    EXPECT_EQ(e->ibdev, "mlx5_1");
    EXPECT_EQ(e->port, 1U);
    EXPECT_EQ(describe(*e),
              "add infiniband_mad umad1 "
              "(/devices/pci0000:00/0000:00:02.0/0000:03:00.1/infiniband_mad/umad1) "
              "ibdev=mlx5_1 port=1");
}

TEST(Uevent, AUmadRemovalHasNoAttributes) {
    UeventFields f;
    f.action = "remove";
    f.subsystem = "infiniband_mad";
    f.devpath = "/devices/virtual/infiniband_mad/umad0";
    const auto e = make_uevent(f);
    ASSERT_TRUE(e) << error_of(e);
    EXPECT_EQ(e->sysname, "umad0");
    EXPECT_FALSE(e->ibdev);
    EXPECT_FALSE(e->port);
}

TEST(Uevent, BadAttributesAreLeftOutAndTheEventKept) {
    UeventFields f;
    f.action = "add";
    f.subsystem = "infiniband_mad";
    f.sysname = "umad0";
    f.devpath = "/devices/virtual/infiniband_mad/umad0";
    for (const std::string_view port : {"", "0", "256", "1x", "-1", " 1", "0x1"}) {
        f.port = port;
        const auto e = make_uevent(f);
        ASSERT_TRUE(e) << error_of(e);
        EXPECT_FALSE(e->port) << port;
    }
    const std::string long_name(64, 'm');
    for (const std::string_view ibdev : {std::string_view(""), std::string_view(long_name)}) {
        f.ibdev = ibdev;
        const auto e = make_uevent(f);
        ASSERT_TRUE(e) << error_of(e);
        EXPECT_FALSE(e->ibdev);
    }
    f.ibdev = std::string_view(long_name).substr(0, 63);
    const auto e = make_uevent(f);
    ASSERT_TRUE(e) << error_of(e);
    EXPECT_EQ(e->ibdev, long_name.substr(0, 63));
}

TEST(Uevent, AnSrpHostNamesItsDeviceAndPort) {
    UeventFields f;
    f.action = "add";
    f.subsystem = "infiniband_srp";
    f.sysname = "srp-mlx5_0-2";
    f.devpath =
        "/devices/pci0000:00/0000:00:02.0/0000:03:00.0/infiniband/mlx5_0/"
        "infiniband_srp/srp-mlx5_0-2";
    const auto e = make_uevent(f);
    ASSERT_TRUE(e) << error_of(e);
    EXPECT_EQ(e->ibdev, "mlx5_0");
    EXPECT_EQ(e->port, 2U);

    EXPECT_EQ(parse_srp_host_name("srp-rxe-eth0-1"),
              (std::pair<std::string, std::uint32_t>("rxe-eth0", 1)));
    for (const std::string_view bad : {"srp-mlx5_0", "srp--1", "srp-mlx5_0-0", "srp-mlx5_0-",
                                       "srpmlx5_0-1", "host7", "srp-mlx5_0-1a"}) {
        EXPECT_FALSE(parse_srp_host_name(bad)) << bad;
    }
    // Only infiniband_srp devices are named so.
    f.subsystem = "scsi_host";
    const auto other = make_uevent(f);
    ASSERT_TRUE(other) << error_of(other);
    EXPECT_FALSE(other->ibdev);
}

TEST(Uevent, MalformedEventsAreRefusedWithTheirValuesEscaped) {
    auto f = net_lo("explode\x1b[2J");
    auto e = make_uevent(f);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, Errc::malformed);
    EXPECT_EQ(e.error().message,
              "uevent with an unknown action: action \"explode\\x1b[2J\", subsystem \"net\", "
              "devpath \"/devices/virtual/net/lo\"");

    f = net_lo();
    f.action.reset();
    EXPECT_NE(error_of(make_uevent(f)).find("without an action"), std::string::npos);
    f = net_lo();
    f.subsystem = "";
    EXPECT_NE(error_of(make_uevent(f)).find("without a subsystem"), std::string::npos);
    f = net_lo();
    f.devpath.reset();
    EXPECT_NE(error_of(make_uevent(f)).find("without a devpath"), std::string::npos);
    f.devpath = "devices/virtual/net/lo";
    EXPECT_NE(error_of(make_uevent(f)).find("without a devpath"), std::string::npos);
    f = net_lo();
    f.sysname.reset();
    f.devpath = "/devices/virtual/net/";
    EXPECT_NE(error_of(make_uevent(f)).find("without a device name"), std::string::npos);

    const std::string huge(kUeventFieldMax + 1, 'x');
    f = net_lo();
    f.devpath = huge;
    e = make_uevent(f);
    ASSERT_FALSE(e);
    EXPECT_NE(e.error().message.find("longer than 2048 bytes"), std::string::npos);
    EXPECT_LT(e.error().message.size(), 300U) << "a message shows a bounded part of a value";
    f = net_lo();
    f.port = huge;
    EXPECT_FALSE(make_uevent(f));
    f.port.reset();
    f.sysname = std::string_view(huge).substr(0, kUeventFieldMax);
    EXPECT_TRUE(make_uevent(f));
}

TEST(Uevent, DescribeEscapesEveryValue) {
    Uevent e;
    e.action = UeventAction::change;
    e.subsystem = "net\n";
    e.sysname = "lo\x1b";
    e.devpath = "/devices/\x7f";
    e.ibdev = "mlx\t5";
    e.port = 1;
    EXPECT_EQ(describe(e), "change net\\x0a lo\\x1b (/devices/\\x7f) ibdev=mlx\\x095 port=1");
}

TEST(Uevent, AttributesThatAreNotNumbersOrNamesAreLeftOut) {
    auto f = net_lo();
    for (const std::string_view port :
         {"4294967297"sv, "4294967296"sv, "+1"sv, "1\n"sv, "1 "sv, "1.0"sv, "255\0"sv, "\0"sv}) {
        f.port = port;
        const auto e = make_uevent(f);
        ASSERT_TRUE(e) << error_of(e);
        EXPECT_FALSE(e->port) << login::printable(port);
    }
    f.port = "255";
    EXPECT_EQ(make_uevent(f)->port, 255U);
    f.port = "1";
    EXPECT_EQ(make_uevent(f)->port, 1U);
    // An SRP host's name is taken apart only when it has exactly that shape.
    const std::string long_ibdev(kIbDeviceNameMax + 1, 'm');
    for (const std::string& bad : {"srp-" + long_ibdev + "-1", std::string("srp-mlx5_0-256"),
                                   std::string("srp-mlx5_0-+1"), std::string("SRP-mlx5_0-1")}) {
        EXPECT_FALSE(parse_srp_host_name(bad)) << bad;
    }
    EXPECT_EQ(parse_srp_host_name("srp-" + long_ibdev.substr(1) + "-255"),
              (std::pair<std::string, std::uint32_t>(long_ibdev.substr(1), 255)));
}

// Every byte value in any field: the event is built or refused, and neither its description
// nor the refusal's message holds a control or non-ASCII byte.
TEST(Uevent, HostileBytesNeverReachAMessageUnescaped) {
    std::string all;
    for (int b = 0; b < 256; ++b) {
        all.push_back(static_cast<char>(b));
    }
    const std::string slash_all = "/" + all;
    const auto clean = [](const std::string& text) {
        for (const char c : text) {
            const auto b = static_cast<unsigned char>(c);
            if (b < 0x20 || b >= 0x7f) {
                return false;
            }
        }
        return true;
    };
    using Field = std::optional<std::string_view> UeventFields::*;
    int built = 0;
    int refused = 0;
    for (const Field field :
         {&UeventFields::action, &UeventFields::subsystem, &UeventFields::sysname,
          &UeventFields::devpath, &UeventFields::ibdev, &UeventFields::port}) {
        for (const std::string_view value : {std::string_view(all), std::string_view(slash_all)}) {
            auto f = net_lo();
            f.subsystem = "infiniband_srp";
            f.*field = value;
            const auto e = make_uevent(f);
            if (e) {
                ++built;
                EXPECT_TRUE(clean(describe(*e))) << describe(*e);
            } else {
                ++refused;
                EXPECT_EQ(e.error().code, Errc::malformed);
                EXPECT_TRUE(clean(e.error().message)) << e.error().message;
            }
        }
    }
    // Refused: both actions, and the devpath that does not start with '/'. Built: the rest
    // (ibdev and port left out, the other values kept).
    EXPECT_EQ(refused, 3);
    EXPECT_EQ(built, 9);
    // Raw values are kept as they came (a consumer compares them with sysfs names).
    auto f = net_lo();
    f.sysname = std::string_view(all).substr(1);
    const auto e = make_uevent(f);
    ASSERT_TRUE(e) << error_of(e);
    EXPECT_EQ(e->sysname, all.substr(1));
    EXPECT_EQ(describe(*e).find('\x1b'), std::string::npos);
}

TEST(Uevent, TheSourceIsUdevWhenItsControlSocketExists) {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("srpadm-uevent-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    EXPECT_EQ(choose_uevent_source(dir / "control"), UeventSource::kernel);
    std::ofstream(dir / "control") << "";
    EXPECT_EQ(choose_uevent_source(dir / "control"), UeventSource::udev);
    std::filesystem::remove_all(dir);
    EXPECT_EQ(uevent_source_name(UeventSource::udev), "udev");
    EXPECT_EQ(uevent_source_name(UeventSource::kernel), "kernel");
}

// Writes "add" to lo's uevent file: the kernel sends lo's add uevent again (a synthetic one).
std::string trigger_lo_add() {
    const Sysfs sys("/sys");
    if (const auto ec = sys.write("class/net/lo/uevent", "add"); ec) {
        return "writing \"add\" to /sys/class/net/lo/uevent failed: " + ec.message() +
               " (this test needs root and a writable /sys)";
    }
    return {};
}

struct Received {
    std::vector<Uevent> events;
    bool has_lo_add() const {
        for (const auto& e : events) {
            if (e.action == UeventAction::add && e.subsystem == "net" && e.sysname == "lo") {
                return true;
            }
        }
        return false;
    }
};

TEST(UeventMonitor, ReceivesTheKernelsUeventOnTheLoop) {
    runtime::SteadyClock clock;
    runtime::EventLoop loop(clock);
    Received net;
    Received mad;
    UeventMonitorOptions options;
    options.subsystems = {"net"};
    auto monitor =
        UeventMonitor::open(loop, options, [&](const Uevent& e) { net.events.push_back(e); });
    if (!monitor) {
        GTEST_SKIP() << "cannot open a netlink uevent monitor here: " << error_of(monitor);
    }
    // Another monitor whose filter the event does not pass.
    options.subsystems = {std::string(kSrpUeventSubsystems[0])};
    auto other =
        UeventMonitor::open(loop, options, [&](const Uevent& e) { mad.events.push_back(e); });
    ASSERT_TRUE(other) << error_of(other);
    EXPECT_NE((*monitor)->source(), UeventSource::automatic);
    EXPECT_EQ((*monitor)->source(), choose_uevent_source());

    if (const std::string problem = trigger_lo_add(); !problem.empty()) {
        GTEST_SKIP() << problem;
    }
    bool expired = false;
    const auto deadline = loop.after(5s, [&] { expired = true; });
    loop.run_until([&] { return net.has_lo_add() || expired; });
    ASSERT_TRUE(net.has_lo_add()) << "no \"add net lo\" uevent within 5 s (source "
                                  << uevent_source_name((*monitor)->source()) << "; "
                                  << net.events.size() << " other net events; receive errors "
                                  << (*monitor)->receive_errors() << ": "
                                  << (*monitor)->last_problem() << ")";
    loop.cancel(deadline);
    const auto settle = loop.after(200ms, [&] { expired = true; });
    expired = false;
    loop.run_until([&] { return expired; });
    loop.cancel(settle);
    EXPECT_TRUE(mad.events.empty()) << describe(mad.events.front());
    EXPECT_GE((*monitor)->delivered(), 1U);
    EXPECT_EQ((*monitor)->malformed(), 0U);
    EXPECT_EQ((*monitor)->receive_errors(), 0U) << (*monitor)->last_problem();
}

TEST(UeventMonitor, AnExplicitSourceIsKeptAndTheWatchEndsWithTheMonitor) {
    runtime::SteadyClock clock;
    runtime::EventLoop loop(clock);
    const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                      ("srpadm-uevent-src-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "control") << "";
    UeventMonitorOptions options;
    options.source = UeventSource::kernel;
    options.udev_control = dir / "control";  // would choose udev
    options.receive_buffer = 0;
    auto opened = UeventMonitor::open(loop, options, [](const Uevent&) {});
    std::filesystem::remove_all(dir);
    if (!opened) {
        EXPECT_EQ(opened.error().code, Errc::io);
        EXPECT_NE(opened.error().message.find("source \"kernel\""), std::string::npos)
            << opened.error().message;
        EXPECT_EQ(loop.watches(), 0U);
        GTEST_SKIP() << "cannot open a netlink uevent monitor here: " << error_of(opened);
    }
    EXPECT_EQ((*opened)->source(), UeventSource::kernel);
    EXPECT_EQ(loop.watches(), 1U);
    EXPECT_EQ((*opened)->delivered(), 0U);
    EXPECT_EQ((*opened)->last_problem(), "");
    opened->reset();
    EXPECT_EQ(loop.watches(), 0U);
}

TEST(UeventMonitor, AHandlerMayDestroyTheMonitor) {
    runtime::SteadyClock clock;
    runtime::EventLoop loop(clock);
    std::unique_ptr<UeventMonitor> monitor;
    int seen = 0;
    UeventMonitorOptions options;
    options.subsystems = {"net"};
    auto opened = UeventMonitor::open(loop, options, [&](const Uevent&) {
        ++seen;
        monitor.reset();
    });
    if (!opened) {
        GTEST_SKIP() << "cannot open a netlink uevent monitor here: " << error_of(opened);
    }
    monitor = std::move(*opened);
    // Two events queued before the loop reads any: the second is dropped with the monitor.
    if (const std::string problem = trigger_lo_add(); !problem.empty()) {
        GTEST_SKIP() << problem;
    }
    ASSERT_EQ(trigger_lo_add(), "");
    bool expired = false;
    const auto deadline = loop.after(5s, [&] { expired = true; });
    loop.run_until([&] { return monitor == nullptr || expired; });
    loop.cancel(deadline);
    EXPECT_EQ(monitor, nullptr);
    EXPECT_EQ(seen, 1);
    EXPECT_EQ(loop.watches(), 0U);
}

}  // namespace
}  // namespace srpadm::host
