// Login-string values: every key's accepted and refused values at the boundaries.
#include <arpa/inet.h>
#include <array>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <srpadm/model/login.hpp>

#include "login_test_ranges.hpp"

namespace srpadm::login {
namespace {

struct Values {
    Key key;
    std::vector<std::string> good;
    std::vector<std::string> bad;
};

// Checks that every good value is kept verbatim and every bad one is refused with a message
// that starts with "key=value: ".
void expect_values(const Values& v) {
    for (const auto& value : v.good) {
        const auto opt = make_option(v.key, value);
        ASSERT_TRUE(opt.has_value())
            << key_name(v.key) << "=" << value << ": " << opt.error().message;
        EXPECT_EQ(opt->key, v.key);
        EXPECT_EQ(opt->value, value);
    }
    for (const auto& value : v.bad) {
        const auto opt = make_option(v.key, value);
        ASSERT_FALSE(opt.has_value()) << key_name(v.key) << "=" << value << " was accepted";
        EXPECT_EQ(opt.error().code, Errc::invalid_input);
        const std::string prefix = std::string(key_name(v.key)) + "=" + value + ": ";
        EXPECT_EQ(opt.error().message.substr(0, prefix.size()), prefix) << opt.error().message;
    }
}

std::string error_of(Key key, const std::string& value) {
    const auto opt = make_option(key, value);
    return opt ? std::string("(accepted)") : opt.error().message;
}

TEST(LoginKeys, NamesRoundTripInKernelBitOrder) {
    const std::array<const char*, kKeyCount> names = {"id_ext",
                                                      "ioc_guid",
                                                      "dgid",
                                                      "pkey",
                                                      "service_id",
                                                      "max_sect",
                                                      "max_cmd_per_lun",
                                                      "io_class",
                                                      "initiator_ext",
                                                      "cmd_sg_entries",
                                                      "allow_ext_sg",
                                                      "sg_tablesize",
                                                      "comp_vector",
                                                      "tl_retry_count",
                                                      "queue_size",
                                                      "src",
                                                      "dest",
                                                      "target_can_queue",
                                                      "max_it_iu_size",
                                                      "ch_count"};
    for (std::size_t i = 0; i < names.size(); ++i) {
        const auto key = static_cast<Key>(i);
        EXPECT_EQ(key_name(key), names.at(i));
        EXPECT_EQ(key_from_name(names.at(i)), key);
    }
    for (const char* unknown : {"", "ID_EXT", "id_ext ", " id_ext", "idext", "srp_sg_tablesize",
                                "indirect_sg_entries", "id_ext="}) {
        EXPECT_EQ(key_from_name(unknown), std::nullopt) << unknown;
    }
}

TEST(LoginKeys, AddressKeysAreTheMandatorySetsAndSrc) {
    for (std::size_t i = 0; i < kKeyCount; ++i) {
        const auto key = static_cast<Key>(i);
        const bool address = key == Key::id_ext || key == Key::ioc_guid || key == Key::dgid ||
                             key == Key::pkey || key == Key::service_id || key == Key::src ||
                             key == Key::dest;
        EXPECT_EQ(is_address_key(key), address) << key_name(key);
    }
}

TEST(LoginKeys, UnknownNameIsRefusedByName) {
    const auto opt = make_option("queue_depth", "4");
    ASSERT_FALSE(opt.has_value());
    EXPECT_EQ(opt.error().code, Errc::invalid_input);
    EXPECT_NE(opt.error().message.find("unknown option 'queue_depth'"), std::string::npos);
    EXPECT_EQ(make_option("queue_size", "4").value(), (Option{Key::queue_size, "4"}));
}

TEST(LoginValues, IdExtIsOneToSixteenHexDigitsKeptVerbatim) {
    expect_values({Key::id_ext,
                   {"0", "1", "20030003BA27CC7A", "20030003ba27cc7a", "ffffffffffffffff", "aBc"},
                   {"", "0x1", "0X1", "+1", "-1", "12345678901234567", "g", " 1", "1 ", "1,2"}});
}

TEST(LoginValues, SixtyFourBitHexKeysTakeAnOptional0xPrefix) {
    for (const Key key : {Key::ioc_guid, Key::service_id, Key::initiator_ext}) {
        expect_values({key,
                       {"0", "0005ad00000013e7", "0x0005ad00000013e7", "0XFF", "ffffffffffffffff",
                        "0xFFFFFFFFFFFFFFFF", "1"},
                       {"", "0x", "0x00000000000000001", "10000000000000000", "+1", "-1", "1g",
                        "0x-1", "x1", "1 "}});
    }
    EXPECT_EQ(parse_hex64(Key::ioc_guid, "0x0005ad00000013e7").value(), 0x0005ad00000013e7ULL);
    EXPECT_EQ(parse_hex64(Key::service_id, "66").value(), 0x66ULL);
    EXPECT_EQ(parse_hex64(Key::initiator_ext, "FFFFFFFFFFFFFFFF").value(), ~0ULL);
    const auto wrong = parse_hex64(Key::pkey, "1");
    ASSERT_FALSE(wrong.has_value());
    EXPECT_EQ(wrong.error().code, Errc::internal);
}

TEST(LoginValues, DgidIsExactly32HexDigits) {
    expect_values({Key::dgid,
                   {"fe800000000000000005ad00000013e9", "FE800000000000000005AD00000013E9"},
                   {"", "fe800000000000000005ad00000013e", "fe800000000000000005ad00000013e90",
                    "0xfe800000000000000005ad00000013", "fe80:0000:0000:0000:0005:ad00:0000:13e9",
                    "fe800000000000000005ad00000013eg"}});
    EXPECT_EQ(parse_dgid("fe800000000000000005ad00000013e9").value(),
              Gid::from_parts(0xfe80000000000000ULL, 0x0005ad00000013e9ULL));
}

TEST(LoginValues, PkeyIsSixteenBitHexAndNeverTruncated) {
    expect_values({Key::pkey,
                   {"0", "ffff", "FFFF", "0xffff", "7fff", "8001", "1", "0x0"},
                   {"", "0x", "10000", "0x10000", "fffff", "-1", "+1", "g", "ffff ", "00ffff"}});
    EXPECT_EQ(parse_pkey("0x8001").value(), 0x8001);
    EXPECT_EQ(parse_pkey("ffff").value(), 0xffff);
}

TEST(LoginValues, IoClassIsRev16aOrRev10Only) {
    expect_values({Key::io_class,
                   {"100", "0100", "ff00", "FF00", "0xff00", "0x100", "0X0100"},
                   {"", "0", "ff01", "200", "00ff00", "ff000", "1000", "0x", "-100", "+100"}});
}

struct Message {
    Key key;
    std::string value;
    const char* message;
};

// Exact messages: the option, the value, and what is expected.
const std::vector<Message> kMessages = {
    {Key::id_ext, "0x12",
     "id_ext=0x12: must be 1-16 hex digits without a 0x prefix (it is written verbatim, "
     "as the target's service name gives it)"},
    {Key::ioc_guid, "0x", "ioc_guid=0x: must be 1-16 hex digits, optionally with a 0x prefix"},
    {Key::pkey, "1ffff",
     "pkey=1ffff: must be at most ffff (the kernel would silently keep only the low 16 "
     "bits)"},
    {Key::pkey, "",
     "pkey=: empty value; it must be a hex number 0..ffff (1-4 hex digits, optionally "
     "with a 0x prefix)"},
    {Key::io_class, "ff01",
     "io_class=ff01: must be 100 (SRP rev. 16a) or ff00 (SRP rev. 10), in hex"},
    {Key::tl_retry_count, "9", "tl_retry_count=9: must be 2..7"},
    {Key::tl_retry_count, "1", "tl_retry_count=1: must be 2..7"},
    {Key::cmd_sg_entries, "256", "cmd_sg_entries=256: must be 1..255"},
    {Key::sg_tablesize, "2049", "sg_tablesize=2049: must be 1..2048"},
    {Key::max_sect, "0",
     "max_sect=0: must be 1..2147483647 (the kernel does not check it, but 0 or a "
     "negative size in 512-byte sectors is nonsense)"},
    {Key::queue_size, "1",
     "queue_size=1: must be 2..2147483647 (the kernel's parser takes 1, but its ABI "
     "document names 2 as the lowest supported value)"},
    {Key::queue_size, "010",
     "queue_size=010: must be a decimal number 2..2147483647 without leading zeros "
     "(the kernel would read 010 as octal)"},
    {Key::queue_size, "0x40",
     "queue_size=0x40: must be a decimal number 2..2147483647 (hex forms are refused)"},
    {Key::ch_count, "2147483648", "ch_count=2147483648: must be 1..2147483647"},
    {Key::comp_vector, "-1", "comp_vector=-1: must be 0..2147483647"},
    {Key::dest, "1.2.3.4", "dest=1.2.3.4: needs a port: a.b.c.d:port"},
    {Key::dest, "[::1]", "dest=[::1]: needs a port: [ipv6]:port"},
    {Key::dest, "storage1:4420",
     "dest=storage1:4420: 'storage1' is not an IP address (the kernel does not resolve "
     "host names; write a.b.c.d or [ipv6])"},
    {Key::dest, "1.2.3.4:0",
     "dest=1.2.3.4:0: port '0' must be a decimal number 1..65535 without leading zeros"},
    {Key::dest, "[2001:db8::1%eth0]:1",
     "dest=[2001:db8::1%eth0]:1: a %scope only applies to a link-local fe80::/10 "
     "address (the kernel ignores it elsewhere)"},
    {Key::dest, "fe80::1:4420",
     "dest=fe80::1:4420: an IPv6 address must be written in brackets: [addr]:port"},
    {Key::queue_size, std::string("1\x01", 2),
     "queue_size=1\\x01: must be a decimal number 2..2147483647"},
};

TEST(LoginValues, MessagesSayWhatIsExpected) {
    for (const auto& m : kMessages) {
        EXPECT_EQ(error_of(m.key, m.value), m.message);
    }
}

// Decimal keys: the lowest and highest accepted value, the values just outside, and the forms
// match_int would read differently (octal, hex) or that srp_daemon's rules never pass.
TEST(LoginValues, DecimalKeysAtTheirBoundaries) {
    for (const auto& r : test::kDecimalRanges) {
        SCOPED_TRACE(std::string(key_name(r.key)));
        std::vector<std::string> bad = {"",    "-1", "+1", "0x1", "0X1", "01", "1.0",
                                        "1e3", " 1", "1 ", "one", "-0",  "00", "99999999999"};
        bad.push_back(std::to_string(r.min - 1));
        bad.push_back(std::to_string(r.max + 1));
        expect_values({r.key, {std::to_string(r.min), std::to_string(r.max)}, bad});
        const std::string above = std::to_string(r.max + 1);
        const std::string want = std::string(key_name(r.key)) + "=" + above + ": must be " +
                                 std::to_string(r.min) + ".." + std::to_string(r.max);
        EXPECT_EQ(error_of(r.key, above).rfind(want, 0), 0U) << error_of(r.key, above);
    }
}

TEST(LoginValues, AllowExtSgKeepsAnyNonNegativeIntAsWritten) {
    for (const char* value : {"0", "1", "5", "2147483647"}) {
        EXPECT_EQ(make_option(Key::allow_ext_sg, value).value().value, value);
    }
}

TEST(LoginValues, DestNeedsAnIpAddressAndAPort) {
    expect_values({Key::dest,
                   {"1.2.3.4:5", "0.0.0.0:65535", "255.255.255.255:1", "192.168.10.1:4420",
                    "[::1]:4420", "[fe80::1%eth0]:4420", "[fe80::1%2]:1", "[FE80::A:B%ib0.8001]:5",
                    "[::ffff:10.0.0.1]:4420", "[1:2:3:4:5:6:7:8]:1", "[2001:db8::1]:5",
                    "[1:2:3:4:5:6:1.2.3.4]:9", "[::]:1", "[1::]:1", "[1:2:3:4:5:6:7::]:1",
                    "[::2:3:4:5:6:7:8]:1", "[fe80:ffff:ffff:ffff:ffff:ffff:ffff:ffff%abcdefgh]:1"},
                   {"",
                    "1.2.3.4",
                    "1.2.3.4:",
                    "1.2.3.4:0",
                    "1.2.3.4:65536",
                    "1.2.3.4:080",
                    "1.2.3.4:0x50",
                    "1.2.3.4:+80",
                    "256.1.1.1:1",
                    "1.2.3:1",
                    "1.2.3.4.5:1",
                    "01.2.3.4:1",
                    "1..3.4:1",
                    "host:1",
                    "target.example.com:4420",
                    "fe80::1:4420",
                    "[fe80::1]",
                    "[::1]:",
                    "[2001:db8::1%eth0]:1",
                    "[fe80::1%]:1",
                    "[fe80::1%abcdefghijklmnop]:1",
                    "[fe80::1%a/b]:1",
                    "[fe80::1%a b]:1",
                    "[1::2::3]:1",
                    "[1:2:3:4:5:6:7:8:9]:1",
                    "[::1:2:3:4:5:6:7:8]:1",
                    "[12345::]:1",
                    "[::1]x",
                    "[::1",
                    "[:::]:1",
                    "[1:::2]:1",
                    "[1:2:3:4:5:6:7]:1",
                    "[::1.2.3]:1",
                    "[::1.2.3.4:5]:1",
                    "[1.2.3.4]:1",
                    "[]:1",
                    "[::g]:1",
                    "[fe80:ffff:ffff:ffff:ffff:ffff:ffff:ffff%abcdefghi]:1",
                    "1.2.3.4:5:6"}});
}

TEST(LoginValues, SrcTakesAnOptionalPort) {
    expect_values({Key::src,
                   {"1.2.3.4", "1.2.3.4:5", "[::1]", "[fe80::1%ib0]", "[fe80::1%ib0]:7"},
                   {"", "1.2.3.4:0", "host", "[::1]:", "1.2.3.4:", "[2001:db8::1%x]"}});
}

// The IP syntax we accept is a subset of the kernel's (in4_pton/in6_pton are looser: leading
// zeros, "::" for no group). Cross-check with glibc's inet_pton, which implements the strict
// RFC text forms: on random strings over the address alphabet both must agree.
TEST(LoginValues, IpSyntaxAgreesWithInetPton) {
    const std::vector<std::string> v6_seeds = {"::",
                                               "::1",
                                               "1::",
                                               "fe80::1",
                                               "::ffff:1.2.3.4",
                                               "1:2:3:4:5:6:7:8",
                                               "1:2:3:4:5:6:1.2.3.4",
                                               "0:0:0:0:0:0:0:0",
                                               "ABCD:ef01::9",
                                               "2001:db8:0:1::10",
                                               "1:2:3:4:5:6:7::",
                                               "::2:3:4:5:6:7:8"};
    const std::vector<std::string> v4_seeds = {"1.2.3.4", "0.0.0.0", "255.255.255.255",
                                               "10.200.30.4"};
    const std::string v6_alphabet = "0123456789abcdefABCDEF:.";
    const std::string v4_alphabet = "0123456789.";
    std::mt19937_64 rng(20240611);
    int accepted = 0;
    int refused = 0;
    for (int i = 0; i < 100000; ++i) {
        const bool v6 = (i % 2) == 0;
        const auto& seeds = v6 ? v6_seeds : v4_seeds;
        const std::string& alphabet = v6 ? v6_alphabet : v4_alphabet;
        std::string text = seeds.at(rng() % seeds.size());
        for (auto edits = rng() % 4; edits > 0; --edits) {
            const auto at = rng() % (text.size() + 1);
            const char c = alphabet.at(rng() % alphabet.size());
            switch (rng() % 3) {
                case 0:
                    text.insert(at, 1, c);
                    break;
                case 1:
                    if (at < text.size()) {
                        text.erase(at, 1);
                    }
                    break;
                default:
                    if (at < text.size()) {
                        text.at(at) = c;
                    }
                    break;
            }
        }
        std::array<unsigned char, 16> buf{};
        const bool libc = inet_pton(v6 ? AF_INET6 : AF_INET, text.c_str(), buf.data()) == 1;
        const bool ours = make_option(Key::src, v6 ? "[" + text + "]" : text).has_value();
        ASSERT_EQ(ours, libc) << text;
        (ours ? accepted : refused) += 1;
    }
    EXPECT_GT(accepted, 10000);
    EXPECT_GT(refused, 10000);
}

}  // namespace
}  // namespace srpadm::login
