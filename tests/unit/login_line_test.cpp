// Login-string lines: render (byte-identical to srp_daemon), parse (the kernel's grammar), errors.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <srpadm/model/login.hpp>

#include "login_test_ranges.hpp"

namespace srpadm::login {
namespace {

// The target of rdma-core's Documentation/ibsrpdm.md.
LoginSpec ibsrpdm_target() {
    LoginSpec spec;
    spec.id_ext = "20030003BA27CC7A";
    spec.ioc_guid = 0x0005ad00000013e7ULL;
    spec.ib =
        IbCmAddress{Gid::from_parts(0xfe80000000000000ULL, 0x0005ad00000013e9ULL), 0xffff, 0x66};
    return spec;
}

const std::string kIbsrpdmLine =
    "id_ext=20030003BA27CC7A,ioc_guid=0005ad00000013e7,dgid=fe800000000000000005ad00000013e9,"
    "pkey=ffff,service_id=0000000000000066";

LoginSpec rdma_target(std::string dest, std::optional<std::string> src = std::nullopt) {
    LoginSpec spec;
    spec.id_ext = "0002c90300a0b1c2";
    spec.ioc_guid = 0x0002c90300a0b1c2ULL;
    spec.rdma = RdmaCmAddress{std::move(dest), std::move(src)};
    return spec;
}

std::string error_of(const Result<std::string>& r) {
    return r ? "(rendered " + *r + ")" : r.error().message;
}

std::string error_of(const Result<LoginSpec>& r) {
    return r ? std::string("(parsed)") : r.error().message;
}

TEST(LoginRender, SrpDaemonPlainLine) {
    EXPECT_EQ(render(ibsrpdm_target()).value(), kIbsrpdmLine);
}

TEST(LoginRender, SrpDaemonLineWithEverySuffix) {
    // -n, -e -l 3, rule "a queue_size=128,max_cmd_per_lun=128", immediate data with SendSize 4096.
    SrpDaemonSuffix suffix;
    suffix.initiator_ext = 0x0005ad00000013e9ULL;
    suffix.tl_retry_count = 3;
    suffix.rule_options = {make_option(Key::queue_size, "128").value(),
                           make_option(Key::max_cmd_per_lun, "128").value()};
    suffix.max_it_iu_size = 4096;
    LoginSpec spec = ibsrpdm_target();
    spec.options = srp_daemon_options(suffix);
    EXPECT_EQ(render(spec).value(),
              "id_ext=20030003BA27CC7A,ioc_guid=0005ad00000013e7,dgid="
              "fe800000000000000005ad00000013e9,pkey=ffff,service_id=0000000000000066,"
              "initiator_ext=0005ad00000013e9,tl_retry_count=3,queue_size=128,max_cmd_per_lun=128,"
              "max_it_iu_size=4096");
}

TEST(LoginRender, SrpDaemonRev10IoClass) {
    SrpDaemonSuffix suffix;
    suffix.io_class = kIoClassRev10;
    LoginSpec spec = ibsrpdm_target();
    spec.options = srp_daemon_options(suffix);
    EXPECT_EQ(render(spec).value(), kIbsrpdmLine + ",io_class=ff00");
}

TEST(LoginRender, SrpDaemonSuffixOrder) {
    SrpDaemonSuffix suffix;
    suffix.io_class = kIoClassRev10;
    suffix.initiator_ext = 0x1ULL;
    suffix.tl_retry_count = 7;
    suffix.rule_options = {Option{Key::tl_retry_count, "2"}, Option{Key::max_sect, "1024"}};
    suffix.max_it_iu_size = 0;
    const std::vector<Option> want = {
        {Key::io_class, "ff00"},    {Key::initiator_ext, "0000000000000001"},
        {Key::tl_retry_count, "7"}, {Key::tl_retry_count, "2"},
        {Key::max_sect, "1024"},    {Key::max_it_iu_size, "0"},
    };
    EXPECT_EQ(srp_daemon_options(suffix), want);
    EXPECT_TRUE(srp_daemon_options(SrpDaemonSuffix{}).empty());
}

TEST(LoginRender, SrpDaemonIoClassTheKernelRefusesIsCaughtByRender) {
    SrpDaemonSuffix suffix;
    suffix.io_class = 0x1234;
    LoginSpec spec = ibsrpdm_target();
    spec.options = srp_daemon_options(suffix);
    EXPECT_EQ(error_of(render(spec)),
              "io_class=1234: must be 100 (SRP rev. 16a) or ff00 (SRP rev. 10), in hex");
}

TEST(LoginRender, IbCmFieldsUseFixedWidthLowerCaseHex) {
    LoginSpec spec;
    spec.id_ext = "1";
    spec.ioc_guid = 0xabcULL;
    spec.ib = IbCmAddress{Gid::from_parts(0xFE80000000000000ULL, 0xABULL), 0x8001, 0xFULL};
    EXPECT_EQ(render(spec).value(),
              "id_ext=1,ioc_guid=0000000000000abc,dgid=fe8000000000000000000000000000ab,"
              "pkey=8001,service_id=000000000000000f");
    spec.ib->pkey = 0x1;
    EXPECT_NE(render(spec).value().find(",pkey=0001,"), std::string::npos);
}

TEST(LoginRender, RdmaCmForms) {
    EXPECT_EQ(render(rdma_target("192.168.1.10:4420")).value(),
              "id_ext=0002c90300a0b1c2,ioc_guid=0002c90300a0b1c2,dest=192.168.1.10:4420");
    EXPECT_EQ(render(rdma_target("192.168.1.10:4420", "192.168.1.2")).value(),
              "id_ext=0002c90300a0b1c2,ioc_guid=0002c90300a0b1c2,dest=192.168.1.10:4420,"
              "src=192.168.1.2");
    EXPECT_EQ(render(rdma_target("[fe80::5054:ff:fe4a:b7b%rxe0]:4420", "[fe80::1%rxe0]")).value(),
              "id_ext=0002c90300a0b1c2,ioc_guid=0002c90300a0b1c2,"
              "dest=[fe80::5054:ff:fe4a:b7b%rxe0]:4420,src=[fe80::1%rxe0]");
    EXPECT_EQ(render(rdma_target("[2001:db8::10]:5000")).value(),
              "id_ext=0002c90300a0b1c2,ioc_guid=0002c90300a0b1c2,dest=[2001:db8::10]:5000");
}

TEST(LoginRender, BothFormsWriteIbCmFirst) {
    LoginSpec spec = ibsrpdm_target();
    spec.rdma = RdmaCmAddress{"10.0.0.1:4420", std::nullopt};
    spec.options = {Option{Key::queue_size, "32"}};
    EXPECT_TRUE(spec.uses_rdma_cm());
    EXPECT_EQ(render(spec).value(), kIbsrpdmLine + ",dest=10.0.0.1:4420,queue_size=32");
}

TEST(LoginRender, LongLineWithEveryOptionHasNoLengthLimit) {
    LoginSpec spec = ibsrpdm_target();
    spec.options = {{Key::io_class, "ff00"}, {Key::initiator_ext, "0xffffffffffffffff"}};
    for (const auto& r : test::kDecimalRanges) {
        spec.options.push_back({r.key, std::to_string(r.max)});
    }
    for (int i = 0; i < 40; ++i) {
        spec.options.push_back({Key::queue_size, std::to_string(100 + i)});
    }
    const auto line = render(spec);
    ASSERT_TRUE(line.has_value()) << line.error().message;
    EXPECT_GT(line->size(), 255U * 3);
    EXPECT_EQ(
        line->rfind(
            kIbsrpdmLine + ",io_class=ff00,initiator_ext=0xffffffffffffffff,max_sect=2147483647,",
            0),
        0U);
    EXPECT_EQ(line->substr(line->size() - 15), ",queue_size=139");
    EXPECT_EQ(parse(*line).value(), spec);
    EXPECT_EQ(effective_value(spec, Key::queue_size), "139");
}

TEST(LoginRender, RefusesWhatTheKernelWould) {
    LoginSpec spec = ibsrpdm_target();
    spec.id_ext = "SRP.T10:2003";
    EXPECT_EQ(error_of(render(spec)),
              "id_ext=SRP.T10:2003: must be 1-16 hex digits (the target's id_ext)");
    spec.id_ext = "";
    EXPECT_EQ(error_of(render(spec)), "id_ext=: must be 1-16 hex digits (the target's id_ext)");
    spec.id_ext = "20030003BA27CC7A0";
    EXPECT_NE(error_of(render(spec)).find("id_ext=20030003BA27CC7A0: "), std::string::npos);

    spec = ibsrpdm_target();
    spec.ib.reset();
    EXPECT_EQ(error_of(render(spec)),
              "login for id_ext=20030003BA27CC7A,ioc_guid=0005ad00000013e7 has no address: give "
              "dgid, pkey and service_id (IB/CM) or dest (RDMA/CM)");

    spec = ibsrpdm_target();
    spec.options = {Option{Key::queue_size, "64"}, Option{Key::tl_retry_count, "8"}};
    EXPECT_EQ(error_of(render(spec)), "tl_retry_count=8: must be 2..7");

    spec.options = {Option{Key::dgid, "fe800000000000000005ad00000013e9"}};
    EXPECT_EQ(error_of(render(spec)),
              "dgid=fe800000000000000005ad00000013e9: an address key belongs in the identity or "
              "address of the login, not among its options");

    EXPECT_EQ(error_of(render(rdma_target("10.0.0.1"))),
              "dest=10.0.0.1: needs a port: a.b.c.d:port");
    EXPECT_EQ(error_of(render(rdma_target("10.0.0.1:4420", "[::1]"))),
              "src=[::1]: must be of the same address family as dest=10.0.0.1:4420 "
              "(rdma_resolve_addr refuses a mix)");
    EXPECT_EQ(error_of(render(rdma_target("[::1]:4420", "storage"))),
              "src=storage: 'storage' is not an IP address (the kernel does not resolve host "
              "names; write a.b.c.d or [ipv6])");
}

TEST(LoginParse, SrpDaemonLinesRoundTrip) {
    const auto spec = parse(kIbsrpdmLine);
    ASSERT_TRUE(spec.has_value()) << spec.error().message;
    EXPECT_EQ(*spec, ibsrpdm_target());
    EXPECT_FALSE(spec->uses_rdma_cm());
    const std::string full = kIbsrpdmLine +
                             ",initiator_ext=0005ad00000013e9,tl_retry_count=3,queue_size=128,"
                             "max_cmd_per_lun=128,max_it_iu_size=4096";
    EXPECT_EQ(render(parse(full).value()).value(), full);
}

TEST(LoginParse, KernelSeparatorsAndEmptyItems) {
    const std::string messy =
        "\n,id_ext=20030003BA27CC7A\nioc_guid=0005ad00000013e7,,"
        "dgid=fe800000000000000005ad00000013e9,pkey=ffff\n\n"
        "service_id=0000000000000066,\n";
    EXPECT_EQ(parse(messy).value(), ibsrpdm_target());
    EXPECT_EQ(parse(kIbsrpdmLine + "\n").value(), ibsrpdm_target());
}

TEST(LoginParse, NonCanonicalValuesKeepTheirMeaning) {
    const auto spec = parse(
        "service_id=66,pkey=0xFFFF,dgid=FE800000000000000005AD00000013E9,ioc_guid=0x5ad00000013e7,"
        "id_ext=20030003BA27CC7A");
    ASSERT_TRUE(spec.has_value()) << spec.error().message;
    EXPECT_EQ(*spec, ibsrpdm_target());
    EXPECT_EQ(render(*spec).value(), kIbsrpdmLine);
}

TEST(LoginParse, OptionsKeepOrderAndDuplicates) {
    const auto spec = parse(kIbsrpdmLine +
                            ",queue_size=128,tl_retry_count=3,queue_size=64,allow_ext_sg=5,"
                            "initiator_ext=0x1,initiator_ext=2");
    ASSERT_TRUE(spec.has_value()) << spec.error().message;
    const std::vector<Option> want = {
        {Key::queue_size, "128"}, {Key::tl_retry_count, "3"},  {Key::queue_size, "64"},
        {Key::allow_ext_sg, "5"}, {Key::initiator_ext, "0x1"}, {Key::initiator_ext, "2"},
    };
    EXPECT_EQ(spec->options, want);
    EXPECT_EQ(effective_value(*spec, Key::queue_size), "64");
    EXPECT_EQ(effective_value(*spec, Key::initiator_ext), "2");
    EXPECT_EQ(effective_value(*spec, Key::allow_ext_sg), "5");
    EXPECT_EQ(effective_value(*spec, Key::ch_count), std::nullopt);
}

TEST(LoginParse, OptionsMayComeBeforeTheAddress) {
    const auto spec = parse("queue_size=16,id_ext=1,dest=10.0.0.1:4420,ioc_guid=2");
    ASSERT_TRUE(spec.has_value()) << spec.error().message;
    EXPECT_EQ(render(*spec).value(),
              "id_ext=1,ioc_guid=0000000000000002,dest=10.0.0.1:4420,queue_size=16");
}

TEST(LoginParse, RdmaCmWithIpv6) {
    const std::string line =
        "id_ext=0002c90300a0b1c2,ioc_guid=0002c90300a0b1c2,dest=[fe80::5054:ff:fe4a:b7b%rxe0]:4420,"
        "src=[fe80::1%rxe0],ch_count=2";
    const auto spec = parse(line);
    ASSERT_TRUE(spec.has_value()) << spec.error().message;
    ASSERT_TRUE(spec->rdma.has_value());
    EXPECT_EQ(spec->rdma->dest, "[fe80::5054:ff:fe4a:b7b%rxe0]:4420");
    EXPECT_EQ(spec->rdma->src, "[fe80::1%rxe0]");
    EXPECT_FALSE(spec->ib.has_value());
    EXPECT_EQ(render(*spec).value(), line);
}

TEST(LoginParse, DestWithTheFullIbCmSetKeepsBothAndUsesRdmaCm) {
    const std::string line = kIbsrpdmLine + ",dest=10.0.0.1:4420";
    const auto spec = parse(line);
    ASSERT_TRUE(spec.has_value()) << spec.error().message;
    EXPECT_TRUE(spec->ib.has_value());
    EXPECT_TRUE(spec->uses_rdma_cm());
    EXPECT_EQ(render(*spec).value(), line);
}

TEST(LoginParse, ItemErrorsNameTheItem) {
    EXPECT_EQ(error_of(parse(kIbsrpdmLine + ",queue_depth=4"))
                  .rfind("unknown option 'queue_depth=4' (ib_srp accepts: id_ext, ioc_guid, ", 0),
              0U);
    EXPECT_EQ(
        error_of(parse(kIbsrpdmLine + ", queue_size=4")).rfind("unknown option ' queue_size=4'", 0),
        0U);
}

struct ParseError {
    std::string line;
    const char* message;
};

// Lines the kernel would refuse, or accept while silently ignoring or overriding part of them.
const std::vector<ParseError> kParseErrors = {
    {kIbsrpdmLine + ",queue_size", "'queue_size' has no value (expected queue_size=VALUE)"},
    {kIbsrpdmLine + ",queue_size=",
     "queue_size=: empty value; it must be a decimal number 2..2147483647"},
    {kIbsrpdmLine + ",tl_retry_count=9", "tl_retry_count=9: must be 2..7"},
    {"id_ext=1=2,ioc_guid=1,dest=1.2.3.4:5",
     "id_ext=1=2: must be 1-16 hex digits (the target's id_ext)"},
    {kIbsrpdmLine + ",cmd_sg_entries=0x10",
     "cmd_sg_entries=0x10: must be a decimal number 1..255 (hex forms are refused)"},
    {"id_ext=1,ioc_guid=2,dest=1.2.3.4:5,dest=1.2.3.4:6",
     "dest given twice (dest=1.2.3.4:5 and dest=1.2.3.4:6); the kernel would silently "
     "use the last, so give it once"},
    {"id_ext=1,ioc_guid=2,dest=1.2.3.4:5,src=1.2.3.4,src=1.2.3.5",
     "src given twice (src=1.2.3.4 and src=1.2.3.5); the kernel would silently use the "
     "last, so give it once"},
    {"",
     "login string lacks a mandatory set: IB/CM needs id_ext, ioc_guid, dgid, pkey, "
     "service_id (missing: id_ext, ioc_guid, dgid, pkey, service_id); RDMA/CM needs "
     "id_ext, ioc_guid, dest (missing: id_ext, ioc_guid, dest)"},
    {"id_ext=1,ioc_guid=2,dgid=fe800000000000000005ad00000013e9,pkey=1",
     "login string lacks a mandatory set: IB/CM needs id_ext, ioc_guid, dgid, pkey, "
     "service_id (missing: service_id); RDMA/CM needs id_ext, ioc_guid, dest (missing: "
     "dest)"},
    {"ioc_guid=2,dest=1.2.3.4:5",
     "login string lacks a mandatory set: IB/CM needs id_ext, ioc_guid, dgid, pkey, "
     "service_id (missing: id_ext, dgid, pkey, service_id); RDMA/CM needs id_ext, "
     "ioc_guid, dest (missing: id_ext)"},
    {kIbsrpdmLine + ",src=10.0.0.2",
     "src=10.0.0.2: given without dest; the kernel uses src only for RDMA/CM logins, "
     "which need dest=IP:PORT"},
    {"id_ext=1,ioc_guid=2,dest=1.2.3.4:5,pkey=ffff",
     "dest=1.2.3.4:5: given with pkey but without dgid, service_id: with dest the "
     "kernel logs in through RDMA/CM and ignores the IB/CM keys; give all of dgid, "
     "pkey, service_id or none"},
    {"id_ext=1,ioc_guid=2,dest=1.2.3.4:5,src=[::1]",
     "src=[::1]: must be of the same address family as dest=1.2.3.4:5 "
     "(rdma_resolve_addr refuses a mix)"},
};

TEST(LoginParse, ErrorsNameTheItemAndSayWhatIsExpected) {
    for (const auto& e : kParseErrors) {
        EXPECT_EQ(error_of(parse(e.line)), e.message) << e.line;
    }
}

TEST(LoginParse, AddressKeysGivenTwiceAreRefused) {
    const std::vector<std::string> extra = {
        "id_ext=20030003BA27CC7A",
        "ioc_guid=0005ad00000013e7",
        "dgid=fe800000000000000005ad00000013e9",
        "pkey=ffff",
        "service_id=0000000000000066",
    };
    for (const auto& item : extra) {
        const auto spec = parse(kIbsrpdmLine + "," + item);
        ASSERT_FALSE(spec.has_value()) << item;
        const std::string key = item.substr(0, item.find('='));
        EXPECT_EQ(spec.error().message.rfind(key + " given twice (" + key + "=", 0), 0U)
            << spec.error().message;
    }
}

}  // namespace
}  // namespace srpadm::login
