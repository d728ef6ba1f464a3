// srpadm config validate | convert: check srpadm's configuration, or turn srp_daemon's rules
// file into one.
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include <srpadm/model/config.hpp>
#include <srpadm/ops/settings.hpp>

#include "commands.hpp"
#include "host_options.hpp"

namespace srpadm::cli {
namespace {

struct ConfigArgs {
    std::string file = std::string(model::kDefaultConfigPath);
    std::string rules;
    std::string output;
};

ExitStatus validate(const ConfigArgs& args, bool file_given) {
    const auto sources = ops::file_sources();
    auto config = model::load_config(args.file, file_given, sources);
    if (!config) {
        return report(config.error());
    }
    if (config->files.empty()) {
        fmt::print("{}: no configuration file; the defaults apply\n", args.file);
    }
    for (const std::string& f : config->files) {
        fmt::print("{}: OK\n", f);
    }
    std::size_t rules = config->rules.size();
    if (config->defaults.rules && !config->defaults.rules->empty()) {
        auto file_rules = model::load_srp_daemon_rules(*config->defaults.rules, sources);
        if (!file_rules) {
            return report(file_rules.error());
        }
        fmt::print("{}: OK ({} rule{})\n", *config->defaults.rules, file_rules->size(),
                   file_rules->size() == 1 ? "" : "s");
        rules += file_rules->size();
    }
    fmt::print("{} rule{}; a target no rule matches is {}\n", rules, rules == 1 ? "" : "s",
               config->defaults.default_deny.value_or(false) ? "not connected (default-deny)"
                                                             : "connected");
    return ExitStatus::ok;
}

ExitStatus convert(const ConfigArgs& args) {
    auto rules = model::load_srp_daemon_rules(args.rules, ops::file_sources());
    if (!rules) {
        return report(rules.error());
    }
    const std::string header = fmt::format(
        "srpadm configuration converted from srp_daemon's rules file {}\n"
        "by srpadm config convert. The [target] rules are tried in order and the first that\n"
        "matches decides. A target no rule matches is connected, as srp_daemon does; set\n"
        "default-deny = yes under [defaults] to refuse it. See srpadm.conf(5).",
        args.rules);
    const std::string text = model::render_config({}, *rules, header);
    if (args.output.empty() || args.output == "-") {
        fmt::print("{}", text);
        return ExitStatus::ok;
    }
    std::ofstream out(args.output, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
        return report(Error{Errc::io, fmt::format("{}: cannot be written", args.output)});
    }
    return ExitStatus::ok;
}

}  // namespace

void register_config(CLI::App& app, Context& ctx) {
    auto args = std::make_shared<ConfigArgs>();
    auto* cmd = app.add_subcommand(
        "config", "Check srpadm's configuration, or convert srp_daemon's rules file into it");
    cmd->require_subcommand(1);
    auto* validate_cmd = cmd->add_subcommand(
        "validate",
        "Check a configuration file, its drop-ins (FILE.d/*.conf) and the rules file it names, "
        "without connecting anything; print FILE: OK, or every problem with file:line");
    auto* file = validate_cmd->add_option("file", args->file, "The configuration file")
                     ->capture_default_str();
    validate_cmd->callback([args, file, &ctx] { ctx.status = validate(*args, file->count() > 0); });
    auto* convert_cmd = cmd->add_subcommand(
        "convert",
        "Print srp_daemon's rules file as srpadm configuration ([target] sections in the same "
        "order, with the same options)");
    convert_cmd->add_option("rules", args->rules, "srp_daemon's rules file")->required();
    convert_cmd->add_option("-o,--output", args->output,
                            "Write to FILE instead of standard output");
    convert_cmd->callback([args, &ctx] { ctx.status = convert(*args); });
}

}  // namespace srpadm::cli
