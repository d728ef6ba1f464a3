// srpadm login-string: render or check an ib_srp add_target line without touching the host.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <srpadm/model/login.hpp>

#include "commands.hpp"

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

// Which of the command-line options were given (an empty value counts as given).
struct Given {
    bool id_ext = false;
    bool ioc_guid = false;
    bool dgid = false;
    bool pkey = false;
    bool service_id = false;
    bool dest = false;
    bool src = false;
    bool check = false;
};

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

Result<login::IbCmAddress> ib_from_args(const LoginStringArgs& a, const Given& given) {
    if (!given.dgid || !given.pkey || !given.service_id) {
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

Result<login::LoginSpec> spec_from_args(const LoginStringArgs& a, const Given& given) {
    if (!given.id_ext || !given.ioc_guid) {
        return fail(Errc::usage, "login-string needs --id-ext and --ioc-guid, or --check LINE");
    }
    const bool ib = given.dgid || given.pkey || given.service_id;
    if (ib && given.dest) {
        return fail(Errc::usage,
                    "give either --dgid, --pkey and --service-id (IB/CM) or --dest [--src] "
                    "(RDMA/CM), not both");
    }
    if (given.src && !given.dest) {
        return fail(Errc::usage, "--src needs --dest (src is used only for RDMA/CM logins)");
    }
    login::LoginSpec spec;
    spec.id_ext = a.id_ext;
    auto ioc = login::parse_hex64(login::Key::ioc_guid, a.ioc_guid);
    if (!ioc) {
        return Unexpected(ioc.error());
    }
    spec.ioc_guid = *ioc;
    if (given.dest) {
        spec.rdma = login::RdmaCmAddress{a.dest, std::nullopt};
        if (given.src) {
            spec.rdma->src = a.src;
        }
    } else {
        auto address = ib_from_args(a, given);
        if (!address) {
            return Unexpected(address.error());
        }
        spec.ib = *address;
    }
    for (const auto& kv : a.options) {
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

}  // namespace

void register_login_string(CLI::App& app, Context& ctx) {
    auto args = std::make_shared<LoginStringArgs>();
    auto* cmd = app.add_subcommand(
        "login-string",
        "Render an ib_srp add_target line from its parts, or check one (--check); every option "
        "is validated against the kernel's rules. Nothing is written to the host.");
    auto* id_ext =
        cmd->add_option("--id-ext", args->id_ext, "Target port ID extension (1-16 hex digits)");
    auto* ioc_guid = cmd->add_option("--ioc-guid", args->ioc_guid, "I/O controller GUID (hex)");
    auto* dgid =
        cmd->add_option("--dgid", args->dgid, "IB/CM: target port GID (32 hex digits or 8 groups)");
    auto* pkey = cmd->add_option("--pkey", args->pkey, "IB/CM: P_Key (hex, at most ffff)");
    auto* service_id = cmd->add_option("--service-id", args->service_id, "IB/CM: service ID (hex)");
    auto* dest =
        cmd->add_option("--dest", args->dest, "RDMA/CM: target address IP:PORT or [IPv6]:PORT");
    auto* src = cmd->add_option("--src", args->src, "RDMA/CM: source address IP[:PORT]");
    auto* options =
        cmd->add_option("-o,--option", args->options,
                        "Login option KEY=VALUE, e.g. queue_size=128 (repeatable, kept in order)");
    auto* check = cmd->add_option(
        "--check", args->check,
        "Check an existing add_target line and print it in canonical form instead of rendering "
        "one");
    for (auto* part : {id_ext, ioc_guid, dgid, pkey, service_id, dest, src, options}) {
        check->excludes(part);
    }
    cmd->callback([=, &ctx] {
        const Given given{id_ext->count() > 0, ioc_guid->count() > 0,   dgid->count() > 0,
                          pkey->count() > 0,   service_id->count() > 0, dest->count() > 0,
                          src->count() > 0,    check->count() > 0};
        Result<std::string> line;
        if (given.check) {
            auto spec = login::parse(args->check);
            line = spec ? login::render(*spec) : Result<std::string>(Unexpected(spec.error()));
        } else {
            auto spec = spec_from_args(*args, given);
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
