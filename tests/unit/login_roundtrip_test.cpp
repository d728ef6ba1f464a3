// Login strings, property style: over many generated specs, parse(render(s)) == s and
// render(parse(line)) == line; over mutated lines, whatever parses renders and parses back.
#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include <srpadm/model/login.hpp>

#include "login_test_ranges.hpp"

namespace srpadm::login {
namespace {

class SpecGenerator {
  public:
    explicit SpecGenerator(std::uint64_t seed) : rng_(seed) {}

    std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }
    bool coin() { return below(2) == 0; }
    std::uint64_t u64() { return rng_(); }

    std::string hex(std::size_t digits, bool mixed_case) {
        static constexpr std::string_view kLower = "0123456789abcdef";
        static constexpr std::string_view kUpper = "0123456789ABCDEF";
        std::string out;
        for (std::size_t i = 0; i < digits; ++i) {
            out += (mixed_case && coin() ? kUpper : kLower).at(below(16));
        }
        return out;
    }

    std::string ipv4() {
        return std::to_string(below(256)) + "." + std::to_string(below(256)) + "." +
               std::to_string(below(256)) + "." + std::to_string(below(256));
    }

    // One of the RFC 4291 text forms: 8 groups, or a run of them written "::", optionally
    // ending in a dotted IPv4 address; link-local ones may carry a scope.
    std::string ipv6() {
        const bool v4_tail = below(4) == 0;
        const std::size_t words = v4_tail ? 6 : 8;
        const bool compress = coin();
        const std::size_t from = compress ? below(words) : words;
        const std::size_t to = compress ? from + 1 + below(words - from) : words;
        const bool link_local = coin() && from > 0;
        std::string head;
        std::string tail;
        for (std::size_t i = 0; i < words; ++i) {
            if (i >= from && i < to) {
                continue;
            }
            std::string& side = i < from ? head : tail;
            side += side.empty() ? "" : ":";
            side += i == 0 && link_local ? "fe80" : group();
        }
        if (v4_tail) {
            tail += (tail.empty() ? "" : ":") + ipv4();
        }
        std::string out = compress ? head + "::" + tail : head + (tail.empty() ? "" : ":") + tail;
        // The kernel takes at most 48 characters inside the brackets (INET6_ADDRSTRLEN).
        static constexpr std::array<std::string_view, 4> kScopes = {"eth0", "ib0.8001", "2",
                                                                    "rxe_0"};
        const std::string_view scope = kScopes.at(below(kScopes.size()));
        if (link_local && coin() && out.size() + 1 + scope.size() <= 48) {
            out += "%" + std::string(scope);
        }
        return out;
    }

    std::string endpoint(bool v6, bool with_port) {
        std::string out = v6 ? "[" + ipv6() + "]" : ipv4();
        if (with_port) {
            out += ":" + std::to_string(1 + below(65535));
        }
        return out;
    }

    Option option() {
        const std::size_t pick = below(test::kDecimalRanges.size() + 2);
        const Key key = pick < test::kDecimalRanges.size()    ? test::kDecimalRanges.at(pick).key
                        : pick == test::kDecimalRanges.size() ? Key::io_class
                                                              : Key::initiator_ext;
        switch (key) {
            case Key::io_class: {
                static constexpr std::array<std::string_view, 6> kClasses = {
                    "100", "0100", "ff00", "FF00", "0xff00", "0x100"};
                return {key, std::string(kClasses.at(below(kClasses.size())))};
            }
            case Key::initiator_ext:
                return {key, (coin() ? "0x" : "") + hex(1 + below(16), true)};
            default:
                return {key, decimal_for(key)};
        }
    }

    LoginSpec spec() {
        LoginSpec s;
        s.id_ext = hex(1 + below(16), true);
        s.ioc_guid = u64();
        const std::size_t form = below(3);  // IB/CM, RDMA/CM, both
        if (form != 1) {
            s.ib = IbCmAddress{Gid::from_parts(u64(), u64()), static_cast<PKey>(below(0x10000)),
                               u64()};
        }
        if (form != 0) {
            const bool v6 = coin();
            s.rdma = RdmaCmAddress{endpoint(v6, true), std::nullopt};
            if (coin()) {
                s.rdma->src = endpoint(v6, coin());
            }
        }
        for (auto n = below(below(4) == 0 ? 60 : 8); n > 0; --n) {
            s.options.push_back(option());
        }
        return s;
    }

  private:
    // 1-4 hex digits, sometimes with leading zeros, sometimes upper case.
    std::string group() { return coin() ? "0" : hex(1 + below(4), true); }

    std::string decimal_for(Key key) {
        const auto& r = *std::find_if(test::kDecimalRanges.begin(), test::kDecimalRanges.end(),
                                      [key](const test::Range& range) { return range.key == key; });
        switch (below(4)) {
            case 0:
                return std::to_string(r.min);
            case 1:
                return std::to_string(r.max);
            default:
                return std::to_string(
                    r.min +
                    static_cast<long long>(u64() % static_cast<std::uint64_t>(r.max - r.min + 1)));
        }
    }

    std::mt19937_64 rng_;
};

TEST(LoginRoundTrip, GeneratedSpecsRenderAndParseBack) {
    SpecGenerator gen(0x5eed1234);
    for (int i = 0; i < 5000; ++i) {
        const LoginSpec spec = gen.spec();
        const auto line = render(spec);
        ASSERT_TRUE(line.has_value()) << i << ": " << line.error().message;
        const auto back = parse(*line);
        ASSERT_TRUE(back.has_value()) << *line << ": " << back.error().message;
        ASSERT_EQ(*back, spec) << *line;
        ASSERT_EQ(render(*back).value(), *line);
    }
}

TEST(LoginRoundTrip, EveryRenderedItemIsAValidOption) {
    SpecGenerator gen(42);
    for (int i = 0; i < 1000; ++i) {
        const std::string line = render(gen.spec()).value();
        std::size_t pos = 0;
        while (pos <= line.size()) {
            const std::size_t end = std::min(line.find(',', pos), line.size());
            const std::string item = line.substr(pos, end - pos);
            const std::size_t eq = item.find('=');
            ASSERT_NE(eq, std::string::npos) << line;
            const auto opt = make_option(item.substr(0, eq), item.substr(eq + 1));
            ASSERT_TRUE(opt.has_value()) << item << ": " << opt.error().message;
            pos = end + 1;
        }
    }
}

// Random edits of valid lines: most break them, some stay valid. Whatever parses must render,
// and the rendered line must parse to the same spec (the fuzz target's invariant).
TEST(LoginRoundTrip, MutatedLinesKeepTheInvariant) {
    SpecGenerator gen(7);
    static constexpr std::string_view kAlphabet = "0123456789abcdefABCDEFx,=\n:.[]%-+ _gz";
    int parsed = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string line = render(gen.spec()).value();
        for (auto edits = 1 + gen.below(3); edits > 0; --edits) {
            const std::size_t at = gen.below(line.size() + 1);
            switch (gen.below(4)) {
                case 0:
                    line.insert(at, 1, kAlphabet.at(gen.below(kAlphabet.size())));
                    break;
                case 1:
                    line.erase(std::min(at, line.size() - 1), 1);
                    break;
                case 2: {
                    const std::size_t len = gen.below(24);
                    line.insert(at, line.substr(gen.below(line.size()), len));
                    break;
                }
                default:
                    if (at < line.size()) {
                        line.at(at) = kAlphabet.at(gen.below(kAlphabet.size()));
                    }
                    break;
            }
        }
        const auto spec = parse(line);
        if (!spec) {
            EXPECT_EQ(spec.error().code, Errc::invalid_input);
            EXPECT_FALSE(spec.error().message.empty());
            continue;
        }
        ++parsed;
        const auto again = render(*spec);
        ASSERT_TRUE(again.has_value()) << line << ": " << again.error().message;
        const auto back = parse(*again);
        ASSERT_TRUE(back.has_value()) << *again << ": " << back.error().message;
        ASSERT_EQ(*back, *spec) << line;
    }
    EXPECT_GT(parsed, 1000);
}

}  // namespace
}  // namespace srpadm::login
