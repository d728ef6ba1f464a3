// The real srp_daemon as the oracle of srpadm's srp_daemon formats: Debian's srptools
// (/usr/sbin/srp_daemon and its ibsrpdm name) runs under libumad2sim.so with the libibverbs
// stand-in (fake_verbs.cpp) against the same stand-in SA and DM responders as srpadm, and their
// standard outputs must be equal byte for byte:
//   srp_daemon -o [-v]        the human listing (-v: with the controller slot list; the
//                             configuration report before it is srp_daemon's own)
//   srp_daemon -o -a -c [-n]  add_target lines (-n: with initiator_ext)
//   ibsrpdm [-c]              the same listing and lines under ibsrpdm's name
// srpadm's side of each comparison is the argv in its Case: the personality,
// `srpadm compat srp_daemon|ibsrpdm -- ARGS` (srpadm_compat()), and srpadm's own formats that
// claim the same bytes, `srpadm [-v] discover [-f add-target]` (srpadm_native()).
//
// One harness serves every scene of a test: OpenSM configures the fabric and stops, then for
// each scene the test writes a .fabric file (harness topology + the scene's targets), starts the
// stand-in SA on the SM's port and a DM responder on each target port, and runs both programs.
// The scenes use two target ports (Hca3, Hca4): the SA's PortInfoRecord table comes in one MAD
// (no RMPP under libumad2sim), and of its 224 delivered bytes two 64-byte records fit whole.
// srp_daemon reads a third record partly from undelivered bytes (its fields of interest lie
// before them); srpadm leaves the cut record out, with a warning.
//
// libumad2sim delivers 224 bytes of each MAD (umad/delivered.hpp): the fourth ServiceEntry of a
// block loses its last 16 name bytes and its ID, for both programs alike. The scenes put a
// filler entry there, or an SRP entry whose 24-byte name survives and whose ID reads as zero.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness.hpp"

namespace srpadm::ibsim_test {
namespace {

constexpr const char* kSm = "Hca1";
constexpr const char* kInitiator = "Hca2";
constexpr const char* kTargets[] = {"Hca3", "Hca4"};

std::vector<std::string> srpadm_native(std::vector<std::string> args) {
    args.insert(args.begin(), SRPADM_BINARY);
    return args;
}

// The personality: `srpadm compat PROGRAM -- ARGS`.
std::vector<std::string> srpadm_compat(const std::string& program, std::vector<std::string> args) {
    std::vector<std::string> argv{SRPADM_BINARY, "compat", program, "--"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

std::string srp_daemon() {
    return Harness::tool("srp_daemon");
}

// The ibsrpdm name of the same binary (srp_daemon.c chooses by the end of argv[0]).
std::string ibsrpdm() {
    return Harness::tool("ibsrpdm");
}

// srp_daemon -v prints its configuration report (print_config) before the listing; srpadm's
// own listing has none. Removes it: from " configuration report" to the second dashed line.
std::string without_config_report(const std::string& out) {
    static const std::regex report("^ configuration report\\n -+\\n(?:.*\\n)*? -+\\n");
    return std::regex_replace(out, report, "", std::regex_constants::format_first_only);
}

// The report's first line is the process's pid: "<pid>" on both sides.
std::string without_pid(const std::string& out) {
    static const std::regex pid("( Current pid[^:\\n]*: )[0-9]+");
    return std::regex_replace(out, pid, "$1<pid>", std::regex_constants::format_first_only);
}

struct Case {
    std::string what;
    std::vector<std::string> oracle;  // the real srp_daemon or ibsrpdm
    std::vector<std::string> srpadm;
    bool strip_config_report = false;
};

class Oracle : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        h_ = new Harness();
        if (!h_->ok()) {
            return;
        }
        // OpenSM never sets IsDeviceManagementSupported on an ibsim port: the stand-in SA takes
        // its port once it has configured the fabric (see ibsim_test.cpp).
        h_->stop_opensm();
        std::ofstream(h_->dir() / "empty.conf");  // srp_daemon -f: no rules, allow everything
        fs::create_directories(h_->dir() / "scsi_host");
    }
    static void TearDownTestSuite() {
        delete h_;
        h_ = nullptr;
    }

    void SetUp() override {
        ASSERT_TRUE(h_->ok()) << h_->error();
        ASSERT_EQ(::access(srp_daemon().c_str(), X_OK), 0)
            << "the real srp_daemon is missing: install srptools (scripts/install-deps.sh)";
    }

    void TearDown() override { stop_responders(); }

    // Writes the scene's .fabric file and starts the stand-in SA and one DM responder per
    // target port.
    void serve(const std::string& name, const std::string& targets) {
        stop_responders();
        const fs::path file = h_->dir() / (name + ".fabric");
        std::ofstream(file) << "topology ibnetdiscover.txt\n"
                            << "sm \"" << kSm << "\"/1\n"
                            << "initiator \"" << kInitiator << "\"/1 ibdev ibsim0\n"
                            << targets;
        sa_ = h_->start(kSm, {SRPADM_IBSIM_CLIENT, "sa-responder", file.string(), "--issm"});
        ASSERT_TRUE(sa_ && sa_->wait_for("\"ready\"")) << (sa_ ? sa_->errors() : "");
        for (const char* target : kTargets) {
            if (targets.find(fmt::format("target \"{}\"", target)) == std::string::npos) {
                continue;
            }
            auto dm = h_->start(target, {SRPADM_IBSIM_CLIENT, "dm-responder", file.string()}, true);
            ASSERT_TRUE(dm && dm->wait_for("\"ready\"")) << (dm ? dm->errors() : "");
            dms_.push_back(std::move(dm));
        }
    }

    void stop_responders() {
        dms_.clear();
        sa_.reset();
    }

    RunResult run_oracle(const std::vector<std::string>& argv) {
        ClientOptions options;
        options.preload = {Harness::fake_verbs_library()};
        options.env = {"SRPADM_FAKE_SCSI_HOST=" + (h_->dir() / "scsi_host").string()};
        return h_->run(kInitiator, argv, options);
    }

    // Runs both sides of `c` and compares their standard output and exit status. Returns the
    // oracle's output (for the scene's own checks).
    std::string compare(const Case& c) {
        const auto oracle = run_oracle(c.oracle);
        const auto ours = h_->run(kInitiator, c.srpadm);
        EXPECT_TRUE(oracle.ok()) << c.what << ": " << oracle.describe();
        EXPECT_TRUE(ours.ok()) << c.what << ": " << ours.describe();
        const std::string expected =
            without_pid(c.strip_config_report ? without_config_report(oracle.out) : oracle.out);
        EXPECT_FALSE(expected.empty()) << c.what << ": srp_daemon printed nothing\n"
                                       << oracle.describe();
        EXPECT_EQ(without_pid(ours.out), expected)
            << c.what << "\n  srp_daemon: " << fmt::format("{}", fmt::join(c.oracle, " "))
            << "\n  srpadm:     " << fmt::format("{}", fmt::join(c.srpadm, " "));
        return expected;
    }

    // Every format of the scene, each from both programs. Returns srp_daemon's add_target lines.
    std::string compare_all() {
        const std::string rules = (h_->dir() / "empty.conf").string();
        const std::vector<Case> cases = {
            {"human listing",
             {srp_daemon(), "-o", "-f", rules},
             srpadm_compat("srp_daemon", {"-o", "-f", rules})},
            {"human listing, verbose (configuration report, controller slots)",
             {srp_daemon(), "-o", "-v", "-f", rules},
             srpadm_compat("srp_daemon", {"-o", "-v", "-f", rules})},
            {"add_target lines",
             {srp_daemon(), "-o", "-a", "-c", "-f", rules},
             srpadm_compat("srp_daemon", {"-o", "-a", "-c", "-f", rules})},
            {"add_target lines of targets not logged in (none is)",
             {srp_daemon(), "-o", "-c", "-f", rules},
             srpadm_compat("srp_daemon", {"-o", "-c", "-f", rules})},
            {"add_target lines with initiator_ext",
             {srp_daemon(), "-o", "-a", "-c", "-n", "-f", rules},
             srpadm_compat("srp_daemon", {"-o", "-a", "-c", "-n", "-f", rules})},
            {"ibsrpdm listing", {ibsrpdm()}, srpadm_compat("ibsrpdm", {})},
            {"ibsrpdm add_target lines", {ibsrpdm(), "-c"}, srpadm_compat("ibsrpdm", {"-c"})},
            // srpadm's own formats claim the same bytes.
            {"discover's listing", {srp_daemon(), "-o", "-f", rules}, srpadm_native({"discover"})},
            {"discover's verbose listing",
             {srp_daemon(), "-o", "-v", "-f", rules},
             srpadm_native({"-v", "discover"}),
             true},
            {"discover's add_target lines",
             {srp_daemon(), "-o", "-a", "-c", "-f", rules},
             srpadm_native({"discover", "-f", "add-target"})},
            {"discover's add_target lines with initiator_ext",
             {srp_daemon(), "-o", "-a", "-c", "-n", "-f", rules},
             srpadm_native({"discover", "-f", "add-target", "--initiator-ext", "port-guid"})},
        };
        std::string lines;
        for (const auto& c : cases) {
            const std::string out = compare(c);
            if (c.what == "add_target lines") {
                lines = out;
            }
        }
        return lines;
    }

    static Harness* h_;
    std::unique_ptr<Background> sa_;
    std::vector<std::unique_ptr<Background>> dms_;
};

Harness* Oracle::h_ = nullptr;

// Several IOCs on one port, more than four services in one IOC (two ServiceEntries blocks) with
// non-SRP entries among them, an IOC with no SRP service, io_class 0xff00 (SRP rev. 10), slots
// left empty between present ones, and a second and third port.
TEST_F(Oracle, SeveralIocsAndServicesMatchSrpDaemon) {
    serve("iocs", R"(
target "Hca3"/1
    change-id 0x1234
    max-controllers 4
    ioc 1
        guid 0x0002c90300b00030
        vendor-id 0x0002c9
        device-id 0x001017
        io-class 0x0100
        send-size 8192
        id "srpadm oracle IOC one"
        service "SRP.T10:0002C90300B00030" 0x0002c90300b00030
        service "SRP.T10:0002C90300B000A1" 0x0002c90300b000a1
        service "vendor.management" 0x0000000000000001
        service "filler" 0x0000000000000002
        service "SRP.T10:0002C90300B000A4" 0x0002c90300b000a4
        service "SRP.T10:0002C90300B000A5" 0x0002c90300b000a5
    end
    ioc 2
        guid 0x0002c90300b00032
        vendor-id 0x0002c9
        device-id 0x001018
        io-class 0x0200
        send-size 4096
        id "not an SRP IOC"
        service "iSER.something" 0x0000000000000010
        service "NFS.T10:0002C90300B00032" 0x0000000000000011
    end
    ioc 4
        guid 0x00a0b80200402bd7
        vendor-id 0x00a0b8
        device-id 0x000001
        io-class 0xff00
        send-size 2048
        id "SRP rev. 10 target"
        service "SRP.T10:200500A0B81146A1" 0x200500a0b81146a1
    end
end
target "Hca4"/1
    change-id 0xffff
    max-controllers 8
    ioc 1
        guid 0x0002c90300a00040
        vendor-id 0x0002c9
        device-id 0x001003
        io-class 0x0100
        send-size 65536
        id "second port"
        service "SRP.T10:0002C90300A00040" 0x0002c90300a00040
    end
    ioc 2
        guid 0x0002c90300a00042
        vendor-id 0x0002c9
        device-id 0x00101b
        io-class 0x0100
        send-size 2147483648
        id "second port, slot 2"
        service "SRP.T10:0002C90300A00042" 0x0002c90300a00042
    end
    ioc 5
        guid 0x0002c90300a00045
        vendor-id 0x0002c9
        device-id 0x00101b
        io-class 0x0100
        send-size 0
        id "slot 5"
        service "SRP.T10:0002C90300A00045" 0x0002c90300a00045
        service "SRP.T10:0002C90300A00046" 0x0002c90300a00046
    end
    ioc 7
        guid 0x0002c90300a00047
        vendor-id 0x0002c9
        device-id 0x00101b
        io-class 0x0100
        send-size 1024
        id "no services"
    end
end
)");
    compare_all();
}

// id_ext as the target writes it: srp_daemon takes up to 16 characters after "SRP.T10:"
// (sscanf "%16s": leading blanks skipped, ends at a blank) and prints them as they are. Also a
// service name of 40 characters (no NUL: srp_daemon's "%s" runs on into the ID, whose first
// byte is 0 here) and an ID string of 63.
TEST_F(Oracle, OddIdExtStringsMatchSrpDaemon) {
    serve("id-ext", R"(
target "Hca3"/1
    ioc 1
        guid 0x0002c90300b00030
        vendor-id 0x0002c9
        device-id 0x001017
        io-class 0x0100
        send-size 8192
        id "odd id_ext strings, and an ID string of 63 characters ....... e"
        service "SRP.T10:0002c90300b00031" 0x0002c90300b00031
        service "SRP.T10:1234ABCD" 0x0000000000001234
        service "SRP.T10:ABC" 0x0000000000000abc
        service "filler" 0x0000000000000000
        service "SRP.T10:0002C90300B0003100FF" 0x0002c90300b00032
        service "SRP.T10: 42" 0x0000000000000042
        service "SRP.T10:" 0x0000000000000043
        service "filler" 0x0000000000000000
        service "srp.t10:0002C90300B00031" 0x0000000000000044
        service "SRP.T10:12 34" 0x0000000000000045
        service "SRP.T10:0002C90300B000C0 name of forty c" 0x00000000000000c0
    end
end
)");
    const std::string lines = compare_all();
    // What srp_daemon made of them: verbatim, at most 16 characters, up to a blank.
    for (const char* id_ext : {"id_ext=0002c90300b00031,", "id_ext=1234ABCD,", "id_ext=ABC,",
                               "id_ext=0002C90300B00031,ioc_guid=0002c90300b00030,"
                               "dgid=fe800000000000000002c90300b00031,pkey=ffff,"
                               "service_id=0002c90300b00032",
                               "id_ext=42,", "id_ext=12,"}) {
        EXPECT_NE(lines.find(id_ext), std::string::npos) << id_ext << " in\n" << lines;
    }
    EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 7) << lines;
}

// An IOC whose io_class is neither 0x0100 nor 0xff00: srp_daemon lists it, and prints its
// targets' add_target lines with ",io_class=1234" (srp_daemon.c: add_non_exist_target appends
// any io_class other than 0x0100), lines ib_srp refuses (ib_srp.c: srp_parse_options accepts
// only those two). srpadm lists it the same and leaves those lines out, naming the targets on
// standard error: a difference (the personality exits 0, discover -f add-target 6).
// And text from the wire: srp_daemon prints an ID string's bytes as they are, srpadm escapes
// a backslash (and anything not printable ASCII) as \xNN, a difference srpadm(8) lists.
TEST_F(Oracle, IoClassOutsideTheSrpRevisionsAndBackslashesAreTheDifferences) {
    serve("io-class", R"(
target "Hca3"/1
    ioc 1
        guid 0x0002c90300b00030
        vendor-id 0x0002c9
        device-id 0x001017
        io-class 0x0100
        send-size 8192
        id "SRP rev. 16a, C:\ and a\b"
        service "SRP.T10:0002C90300B00030" 0x0002c90300b00030
    end
    ioc 2
        guid 0x0002c90300b00032
        vendor-id 0x0002c9
        device-id 0x001017
        io-class 0x1234
        send-size 8192
        id "io_class neither 0100 nor ff00"
        service "SRP.T10:0002C90300B00032" 0x0002c90300b00032
        service "SRP.T10:0002C90300B00033" 0x0002c90300b00033
    end
end
)");
    const std::string rules = (h_->dir() / "empty.conf").string();
    const auto listing = run_oracle({srp_daemon(), "-o", "-f", rules});
    ASSERT_TRUE(listing.ok()) << listing.describe();
    EXPECT_NE(listing.out.find("ID:        SRP rev. 16a, C:\\ and a\\b\n"), std::string::npos)
        << listing.out;
    const auto escaped = std::regex_replace(listing.out, std::regex("\\\\"), "\\x5c");
    for (const auto& argv :
         {srpadm_compat("srp_daemon", {"-o", "-f", rules}), srpadm_native({"discover"})}) {
        const auto r = h_->run(kInitiator, argv);
        EXPECT_TRUE(r.ok()) << r.describe();
        EXPECT_EQ(r.out, escaped) << fmt::format("{}", fmt::join(argv, " "));
    }
    const auto oracle = run_oracle({srp_daemon(), "-o", "-a", "-c", "-f", rules});
    const auto ours =
        h_->run(kInitiator, srpadm_compat("srp_daemon", {"-o", "-a", "-c", "-f", rules}));
    const auto native = h_->run(kInitiator, srpadm_native({"discover", "-f", "add-target"}));
    EXPECT_EQ(native.exit_code, 6) << native.describe();
    EXPECT_EQ(native.out, ours.out) << native.describe();
    ASSERT_TRUE(oracle.ok()) << oracle.describe();
    EXPECT_EQ(oracle.out,
              "id_ext=0002C90300B00030,ioc_guid=0002c90300b00030,"
              "dgid=fe800000000000000002c90300b00031,pkey=ffff,service_id=0002c90300b00030\n"
              "id_ext=0002C90300B00032,ioc_guid=0002c90300b00032,"
              "dgid=fe800000000000000002c90300b00031,pkey=ffff,service_id=0002c90300b00032,"
              "io_class=1234\n"
              "id_ext=0002C90300B00033,ioc_guid=0002c90300b00032,"
              "dgid=fe800000000000000002c90300b00031,pkey=ffff,service_id=0002c90300b00033,"
              "io_class=1234\n");
    // The personality warns and goes on (status 0); discover's add-target format says some
    // targets were left out (6).
    EXPECT_EQ(ours.exit_code, 0) << ours.describe();
    EXPECT_EQ(ours.out, oracle.out.substr(0, oracle.out.find('\n') + 1)) << ours.describe();
    for (const char* id_ext : {"id_ext=0002C90300B00032,", "id_ext=0002C90300B00033,"}) {
        EXPECT_NE(ours.err.find(id_ext), std::string::npos) << ours.err;
    }
    EXPECT_NE(ours.err.find("io_class=1234: must be 100 (SRP rev. 16a) or ff00"), std::string::npos)
        << ours.err;
}

}  // namespace
}  // namespace srpadm::ibsim_test
