// Options and helpers shared by the host-side commands (connect, connect-all, disconnect,
// list, initiator-id, config).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <srpadm/host/actions.hpp>
#include <srpadm/host/sysfs.hpp>
#include <srpadm/model/config.hpp>
#include <srpadm/model/port.hpp>
#include <srpadm/model/remote_port.hpp>
#include <srpadm/ops/settings.hpp>
#include <srpadm/result.hpp>

namespace srpadm::cli {

// --sysfs-root DIR (default /sys).
void add_sysfs_root_option(CLI::App* cmd, std::string& root);

// --port DEV[:PORT]; `what` completes the help text.
void add_port_option(CLI::App* cmd, std::string& port, const std::string& what);
// The selector in `text`, nullopt when empty; errors are usage errors naming --port.
Result<std::optional<model::PortSelector>> port_option(const std::string& text);

// --fast-io-fail-tmo, --dev-loss-tmo, --reconnect-delay (seconds or off).
struct TimeoutArgs {
    std::string fast_io_fail_tmo;
    std::string dev_loss_tmo;
    std::string reconnect_delay;
};
void add_timeout_options(CLI::App* cmd, TimeoutArgs& args);
Result<model::RemotePortTimeouts> timeouts_from(const TimeoutArgs& args);

// The settings a login decision takes from the command line (connect-all, daemon): --config,
// --rules, --default-deny, --initiator-ext, every tunable login option and the timeouts.
struct SettingsArgs {
    std::string config = std::string(model::kDefaultConfigPath);
    std::string rules;
    std::string default_deny;
    std::string initiator_ext;
    std::vector<std::string> login_values = std::vector<std::string>(
        model::tunable_login_keys().size());  // one per tunable key, "" = not given
    TimeoutArgs timeouts;
    CLI::Option* config_option = nullptr;
    CLI::Option* rules_option = nullptr;
};
void add_settings_options(CLI::App* cmd, SettingsArgs& args);
// What the options say, for ops::connect_settings(); option errors name the option
// (Errc::invalid_input).
Result<ops::SettingsRequest> settings_request(const SettingsArgs& args);

// --login-timeout SECONDS for add_target writes, --settle MS before their re-check.
struct LoginTimingArgs {
    unsigned login_timeout = 60;
    unsigned settle_ms = 500;
};
void add_login_timing_options(CLI::App* cmd, LoginTimingArgs& args);
host::ActionOptions action_options(const LoginTimingArgs& args);

// Prints each line of `message` as "srpadm: <line>" on standard error.
void print_error_lines(const std::string& message);
// Prints each problem as "srpadm: warning: <problem>" on standard error.
void print_warnings(const std::vector<std::string>& problems);

}  // namespace srpadm::cli
