#include "host_options.hpp"

#include <cstdio>

#include <fmt/format.h>

namespace srpadm::cli {

void add_sysfs_root_option(CLI::App* cmd, std::string& root) {
    cmd->add_option("--sysfs-root", root, "Directory that stands for /sys")->capture_default_str();
}

void add_port_option(CLI::App* cmd, std::string& port, const std::string& what) {
    cmd->add_option("--port", port, "Local port DEV[:PORT], e.g. mlx5_0:1: " + what);
}

Result<std::optional<model::PortSelector>> port_option(const std::string& text) {
    if (text.empty()) {
        return std::optional<model::PortSelector>();
    }
    auto selector = model::parse_port_selector(text);
    if (!selector) {
        return fail(Errc::usage,
                    fmt::format("option --port: '{}': {}", text, selector.error().message));
    }
    return std::optional<model::PortSelector>(*selector);
}

void add_timeout_options(CLI::App* cmd, TimeoutArgs& args) {
    cmd->add_option("--fast-io-fail-tmo", args.fast_io_fail_tmo,
                    "Remote port: seconds before I/O fails after a transport error, or off");
    cmd->add_option("--dev-loss-tmo", args.dev_loss_tmo,
                    "Remote port: seconds before the SCSI host is removed, or off");
    cmd->add_option("--reconnect-delay", args.reconnect_delay,
                    "Remote port: seconds between reconnect attempts, or off");
}

Result<model::RemotePortTimeouts> timeouts_from(const TimeoutArgs& args) {
    model::RemotePortTimeouts out;
    const std::pair<model::TmoKey, const std::string*> given[] = {
        {model::TmoKey::fast_io_fail_tmo, &args.fast_io_fail_tmo},
        {model::TmoKey::dev_loss_tmo, &args.dev_loss_tmo},
        {model::TmoKey::reconnect_delay, &args.reconnect_delay},
    };
    for (const auto& [key, text] : given) {
        if (text->empty()) {
            continue;
        }
        auto value = model::parse_tmo(key, *text);
        if (!value) {
            return Unexpected(value.error());
        }
        out.at(key) = *value;
    }
    if (auto ok = model::check_tmo_given(out); !ok) {
        return Unexpected(ok.error());
    }
    return out;
}

void add_settings_options(CLI::App* cmd, SettingsArgs& args) {
    args.config_option = cmd->add_option("--config", args.config,
                                         "Configuration file, with drop-ins in FILE.d/*.conf "
                                         "(srpadm.conf(5)); none for no file")
                             ->capture_default_str();
    args.rules_option = cmd->add_option("--rules", args.rules,
                                        "srp_daemon's rules file, tried after the configuration's "
                                        "[target] rules (it must exist)");
    cmd->add_option("--default-deny", args.default_deny,
                    "yes: connect only targets an allow rule matches; no: also targets no rule "
                    "matches (srp_daemon's way)")
        ->check(CLI::IsMember({"yes", "no"}));
    cmd->add_option("--initiator-ext", args.initiator_ext,
                    "initiator_ext of the logins: none (the kernel uses 0), port-guid (srp_daemon "
                    "-n: the target port GUID) or a 64-bit hex value");
    const auto keys = model::tunable_login_keys();
    for (std::size_t i = 0; i < keys.size(); ++i) {
        cmd->add_option("--" + model::option_spelling(keys[i]), args.login_values[i],
                        fmt::format("Login option {} for every target (checked against the "
                                    "kernel's range)",
                                    login::key_name(keys[i])));
    }
    add_timeout_options(cmd, args.timeouts);
}

Result<ops::SettingsRequest> settings_request(const SettingsArgs& a) {
    model::Defaults d;
    if (!a.initiator_ext.empty()) {
        auto ext = model::parse_initiator_ext(a.initiator_ext);
        if (!ext) {
            return fail(Errc::invalid_input, "option --initiator-ext: " + ext.error().message);
        }
        d.initiator_ext = *ext;
    }
    if (!a.default_deny.empty()) {
        d.default_deny = a.default_deny == "yes";
    }
    const bool rules_given = a.rules_option != nullptr && a.rules_option->count() > 0;
    if (rules_given) {
        d.rules = a.rules;
    }
    const auto keys = model::tunable_login_keys();
    for (std::size_t i = 0; i < keys.size(); ++i) {
        if (a.login_values[i].empty()) {
            continue;
        }
        auto opt = login::make_option(keys[i], a.login_values[i]);
        if (!opt) {
            return fail(Errc::invalid_input,
                        fmt::format("option --{}: {}", model::option_spelling(keys[i]),
                                    opt.error().message));
        }
        d.options.push_back(*opt);
    }
    auto tmo = timeouts_from(a.timeouts);
    if (!tmo) {
        return Unexpected(tmo.error());
    }
    d.timeouts = *tmo;
    ops::SettingsRequest request;
    request.config = a.config;
    request.config_named = a.config_option != nullptr && a.config_option->count() > 0;
    request.overrides = std::move(d);
    return request;
}

void add_login_timing_options(CLI::App* cmd, LoginTimingArgs& args) {
    cmd->add_option("--login-timeout", args.login_timeout,
                    "Seconds to wait for an add_target write (path lookup, login, SCSI scan)")
        ->check(CLI::Range(1U, 3600U))
        ->capture_default_str();
    cmd->add_option("--settle", args.settle_ms,
                    "Milliseconds between a successful add_target write and the check that its "
                    "SCSI host is still there")
        ->check(CLI::Range(0U, 600000U))
        ->capture_default_str();
}

host::ActionOptions action_options(const LoginTimingArgs& args) {
    host::ActionOptions options;
    options.write_timeout = std::chrono::seconds(args.login_timeout);
    options.settle = std::chrono::milliseconds(args.settle_ms);
    return options;
}

void print_error_lines(const std::string& message) {
    std::size_t pos = 0;
    while (pos <= message.size()) {
        const std::size_t end = std::min(message.find('\n', pos), message.size());
        fmt::print(stderr, "srpadm: {}\n", message.substr(pos, end - pos));
        pos = end + 1;
    }
}

void print_warnings(const std::vector<std::string>& problems) {
    for (const std::string& p : problems) {
        fmt::print(stderr, "srpadm: warning: {}\n", p);
    }
}

}  // namespace srpadm::cli
