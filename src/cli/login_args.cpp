#include "login_args.hpp"

#include <string_view>

#include <fmt/format.h>

namespace srpadm::cli {
namespace {

bool given(const CLI::Option* opt) {
    return opt != nullptr && opt->count() > 0;
}

// --dgid takes the add_target form (32 hex digits) or the sysfs form (eight groups).
Result<Gid> dgid_from_arg(const std::string& text) {
    auto gid = text.find(':') == std::string::npos ? login::parse_dgid(text) : Gid::parse(text);
    if (!gid || text.back() == '\n' || text.back() == ' ') {
        return fail(Errc::invalid_input,
                    fmt::format("dgid={}: must be 32 hex digits or eight ':'-separated groups of "
                                "1-4 hex digits",
                                text));
    }
    return gid;
}

Result<login::IbCmAddress> ib_from_args(const LoginArgs& a, const LoginOptions& o) {
    if (!given(o.dgid) || !given(o.pkey) || !given(o.service_id)) {
        return fail(Errc::usage,
                    "an IB/CM login needs --dgid, --pkey and --service-id "
                    "(or give --dest for RDMA/CM)");
    }
    auto gid = dgid_from_arg(a.dgid);
    if (!gid) {
        return Unexpected(gid.error());
    }
    auto pkey = login::parse_pkey(a.pkey);
    if (!pkey) {
        return Unexpected(pkey.error());
    }
    auto sid = login::parse_hex64(login::Key::service_id, a.service_id);
    if (!sid) {
        return Unexpected(sid.error());
    }
    return login::IbCmAddress{*gid, *pkey, *sid};
}

}  // namespace

bool LoginOptions::any() const {
    for (const CLI::Option* opt : all()) {
        if (given(opt)) {
            return true;
        }
    }
    return false;
}

LoginOptions add_login_options(CLI::App* cmd, LoginArgs& args) {
    LoginOptions o;
    o.id_ext =
        cmd->add_option("--id-ext", args.id_ext, "Target port ID extension (1-16 hex digits)");
    o.ioc_guid = cmd->add_option("--ioc-guid", args.ioc_guid, "I/O controller GUID (hex)");
    o.dgid =
        cmd->add_option("--dgid", args.dgid, "IB/CM: target port GID (32 hex digits or 8 groups)");
    o.pkey = cmd->add_option("--pkey", args.pkey, "IB/CM: P_Key (hex, at most ffff)");
    o.service_id = cmd->add_option("--service-id", args.service_id, "IB/CM: service ID (hex)");
    o.dest = cmd->add_option("--dest", args.dest, "RDMA/CM: target address IP:PORT or [IPv6]:PORT");
    o.src = cmd->add_option("--src", args.src, "RDMA/CM: source address IP[:PORT]");
    o.options =
        cmd->add_option("-o,--option", args.options,
                        "Login option KEY=VALUE, e.g. queue_size=128 (repeatable, kept in order)");
    return o;
}

Result<login::LoginSpec> login_from_options(const LoginArgs& args, const LoginOptions& options,
                                            const std::string& command,
                                            const std::string& alternative) {
    if (!given(options.id_ext) || !given(options.ioc_guid)) {
        return fail(Errc::usage,
                    fmt::format("{} needs --id-ext and --ioc-guid, or {}", command, alternative));
    }
    const bool ib = given(options.dgid) || given(options.pkey) || given(options.service_id);
    if (ib && given(options.dest)) {
        return fail(Errc::usage,
                    "give either --dgid, --pkey and --service-id (IB/CM) or --dest [--src] "
                    "(RDMA/CM), not both");
    }
    if (given(options.src) && !given(options.dest)) {
        return fail(Errc::usage, "--src needs --dest (src is used only for RDMA/CM logins)");
    }
    login::LoginSpec spec;
    spec.id_ext = args.id_ext;
    auto ioc = login::parse_hex64(login::Key::ioc_guid, args.ioc_guid);
    if (!ioc) {
        return Unexpected(ioc.error());
    }
    spec.ioc_guid = *ioc;
    if (given(options.dest)) {
        spec.rdma = login::RdmaCmAddress{args.dest, std::nullopt};
        if (given(options.src)) {
            spec.rdma->src = args.src;
        }
    } else {
        auto address = ib_from_args(args, options);
        if (!address) {
            return Unexpected(address.error());
        }
        spec.ib = *address;
    }
    for (const auto& kv : args.options) {
        const auto eq = kv.find('=');
        if (eq == std::string::npos) {
            return fail(Errc::usage, fmt::format("option --option: '{}' is not KEY=VALUE", kv));
        }
        const std::string_view name = std::string_view(kv).substr(0, eq);
        const auto key = login::key_from_name(name);
        if (key && login::is_address_key(*key)) {
            return fail(Errc::usage, fmt::format("option --option: '{}' is an address key; use "
                                                 "--{} instead",
                                                 kv, login::key_name(*key)));
        }
        auto opt = login::make_option(name, std::string_view(kv).substr(eq + 1));
        if (!opt) {
            return Unexpected(opt.error());
        }
        spec.options.push_back(*opt);
    }
    return spec;
}

}  // namespace srpadm::cli
