// srpadm login-string: render or check an ib_srp add_target line without touching the host.
#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include <srpadm/model/login.hpp>

namespace srpadm::cli {
namespace {

struct LoginStringArgs {
    std::string id_ext;
    std::string ioc_guid;
    std::string dgid;
    std::string pkey;
    std::string service_id;
    std::string dest;
    std::string src;
    std::vector<std::string> options;
    std::string check;
};

Result<std::uint64_t> parse_hex_option(std::string_view option, std::string_view text,
                                       std::uint64_t max) {
    std::string_view digits = text;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        digits.remove_prefix(2);
    }
    std::uint64_t value = 0;
    const auto* end = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), end, value, 16);
    if (digits.empty() || ec != std::errc{} || ptr != end || value > max) {
        return fail(Errc::usage, fmt::format("option {}: '{}' is not a hex number of at most "
                                             "{} digits",
                                             option, text, max > 0xffff ? 16 : 4));
    }
    return value;
}

Result<login::LoginSpec> spec_from_args(const LoginStringArgs& a) {
    login::LoginSpec spec;
    spec.id_ext = a.id_ext;
    auto ioc = parse_hex_option("--ioc-guid", a.ioc_guid, UINT64_MAX);
    if (!ioc) {
        return Unexpected(ioc.error());
    }
    spec.ioc_guid = *ioc;
    if (!a.dest.empty()) {
        spec.rdma = login::RdmaCmAddress{a.dest, std::nullopt};
        if (!a.src.empty()) {
            spec.rdma->src = a.src;
        }
    } else {
        if (a.dgid.empty() || a.pkey.empty() || a.service_id.empty()) {
            return fail(Errc::usage,
                        "an IB/CM login needs --dgid, --pkey and --service-id "
                        "(or give --dest for RDMA/CM)");
        }
        auto gid = Gid::parse(a.dgid);
        if (!gid) {
            return fail(Errc::usage, "option --dgid: " + gid.error().message);
        }
        auto pkey = parse_hex_option("--pkey", a.pkey, 0xffff);
        if (!pkey) {
            return Unexpected(pkey.error());
        }
        auto sid = parse_hex_option("--service-id", a.service_id, UINT64_MAX);
        if (!sid) {
            return Unexpected(sid.error());
        }
        spec.ib = login::IbCmAddress{*gid, static_cast<PKey>(*pkey), *sid};
    }
    for (const auto& kv : a.options) {
        const auto eq = kv.find('=');
        if (eq == std::string::npos) {
            return fail(Errc::usage, fmt::format("option --option: '{}' is not KEY=VALUE", kv));
        }
        auto opt = login::make_option(std::string_view(kv).substr(0, eq),
                                      std::string_view(kv).substr(eq + 1));
        if (!opt) {
            return Unexpected(opt.error());
        }
        if (login::is_address_key(opt->key)) {
            return fail(Errc::usage, fmt::format("option --option: '{}' is an address key; use "
                                                 "--{} instead",
                                                 kv, login::key_name(opt->key)));
        }
        spec.options.push_back(*opt);
    }
    return spec;
}

}  // namespace

void register_login_string(CLI::App& app, Context& ctx) {
    auto args = std::make_shared<LoginStringArgs>();
    auto* cmd = app.add_subcommand(
        "login-string",
        "Render an ib_srp add_target line from its parts, or check one (--check); every option "
        "is validated against the kernel's rules. Nothing is written to the host.");
    cmd->add_option("--id-ext", args->id_ext, "Target port ID extension (1-16 hex digits)");
    cmd->add_option("--ioc-guid", args->ioc_guid, "I/O controller GUID (hex)");
    cmd->add_option("--dgid", args->dgid, "IB/CM: target port GID (32 hex digits or 8 groups)");
    cmd->add_option("--pkey", args->pkey, "IB/CM: P_Key (hex)");
    cmd->add_option("--service-id", args->service_id, "IB/CM: service ID (hex)");
    cmd->add_option("--dest", args->dest, "RDMA/CM: target address IP:PORT or [IPv6]:PORT");
    cmd->add_option("--src", args->src, "RDMA/CM: source address");
    cmd->add_option("-o,--option", args->options,
                    "Login option KEY=VALUE, e.g. queue_size=128 (repeatable, kept in order)");
    cmd->add_option("--check", args->check,
                    "Check an existing add_target line instead of rendering one");
    cmd->callback([args, &ctx] {
        Result<std::string> line;
        if (!args->check.empty()) {
            auto spec = login::parse(args->check);
            line = spec ? login::render(*spec) : Result<std::string>(Unexpected(spec.error()));
        } else {
            if (args->id_ext.empty() || args->ioc_guid.empty()) {
                ctx.status = report(
                    Error{Errc::usage, "login-string needs --id-ext and --ioc-guid, or --check"});
                return;
            }
            auto spec = spec_from_args(*args);
            line = spec ? login::render(*spec) : Result<std::string>(Unexpected(spec.error()));
        }
        if (!line) {
            ctx.status = report(line.error());
            return;
        }
        fmt::print("{}\n", *line);
    });
}

}  // namespace srpadm::cli
