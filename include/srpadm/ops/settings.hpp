// The settings a login decision needs, assembled the same way for every front end: srpadm's
// configuration file with its drop-ins, the front end's own settings on top (command-line
// options, or srp_daemon's), srp_daemon's rules file after the configuration's rules, and
// ib_srp's parameters from sysfs. Everything that can be wrong is found here, before any
// discovery or write.
#pragma once

#include <string>

#include <srpadm/host/connect_plan.hpp>
#include <srpadm/host/sysfs.hpp>
#include <srpadm/model/config.hpp>
#include <srpadm/result.hpp>

namespace srpadm::ops {

// Files on disk for the configuration and rules readers.
model::ConfigSources file_sources();

struct SettingsRequest {
    // The configuration file; "none" reads none. A missing file is an error only when the
    // user named it (`config_named`): the default path may well not exist.
    std::string config = std::string(model::kDefaultConfigPath);
    bool config_named = false;
    // The front end's settings, over the configuration's [defaults]. Its `rules` (srp_daemon's
    // rules file) replaces the configuration's.
    model::Defaults overrides;
};

// The settings, or Errc::invalid_input naming file:line (or the option) of the first problem.
Result<host::ConnectSettings> connect_settings(const SettingsRequest& request,
                                               const host::Sysfs& sysfs,
                                               const model::ConfigSources& sources);

}  // namespace srpadm::ops
