#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include <srpadm/ops/settings.hpp>

namespace srpadm::ops {

model::ConfigSources file_sources() {
    model::ConfigSources sources;
    sources.read = [](const std::string& path) -> Result<std::optional<std::string>> {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) {
            return std::optional<std::string>();
        }
        std::ifstream in(path, std::ios::binary);
        if (std::filesystem::is_directory(path, ec) || !in.is_open()) {
            return fail(Errc::invalid_input, fmt::format("{}: cannot be read", path));
        }
        std::ostringstream text;
        text << in.rdbuf();
        if (in.bad()) {
            return fail(Errc::invalid_input, fmt::format("{}: read failed", path));
        }
        return std::optional<std::string>(text.str());
    };
    sources.list = [](const std::string& dir) -> Result<std::vector<std::string>> {
        std::vector<std::string> names;
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec)) {
            return names;
        }
        for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
            names.push_back(entry.path().filename().string());
        }
        if (ec) {
            return fail(Errc::invalid_input, fmt::format("{}: {}", dir, ec.message()));
        }
        return names;
    };
    return sources;
}

Result<host::ConnectSettings> connect_settings(const SettingsRequest& request,
                                               const host::Sysfs& sysfs,
                                               const model::ConfigSources& sources) {
    model::Config config;
    if (request.config != "none") {
        auto loaded = model::load_config(request.config, request.config_named, sources);
        if (!loaded) {
            return Unexpected(loaded.error());
        }
        config = std::move(*loaded);
    }
    host::ConnectSettings s;
    s.defaults = config.defaults.overridden_by(request.overrides);
    s.rules.rules = std::move(config.rules);
    if (s.defaults.rules && !s.defaults.rules->empty()) {
        auto rules = model::load_srp_daemon_rules(*s.defaults.rules, sources);
        if (!rules) {
            return Unexpected(rules.error());
        }
        s.rules.rules.insert(s.rules.rules.end(), rules->begin(), rules->end());
    }
    if (auto ok = model::check_tmo_given(s.defaults.timeouts); !ok) {
        return fail(Errc::invalid_input, "timeouts: " + ok.error().message);
    }
    s.rules.otherwise = s.defaults.default_deny.value_or(false) ? model::RuleAction::deny
                                                                : model::RuleAction::allow;
    s.max_imm_data = host::ib_srp_max_imm_data(sysfs);
    s.new_port_timeouts = host::ib_srp_default_timeouts(sysfs);
    return s;
}

}  // namespace srpadm::ops
