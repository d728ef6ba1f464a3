// The options that give one login by its parts (--id-ext, --ioc-guid, --dgid, --pkey,
// --service-id or --dest [--src], -o KEY=VALUE), shared by login-string and connect.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <srpadm/model/login.hpp>
#include <srpadm/result.hpp>

namespace srpadm::cli {

struct LoginArgs {
    std::string id_ext;
    std::string ioc_guid;
    std::string dgid;
    std::string pkey;
    std::string service_id;
    std::string dest;
    std::string src;
    std::vector<std::string> options;
};

// The options as added to a command, to ask which were given and to exclude them.
struct LoginOptions {
    CLI::Option* id_ext = nullptr;
    CLI::Option* ioc_guid = nullptr;
    CLI::Option* dgid = nullptr;
    CLI::Option* pkey = nullptr;
    CLI::Option* service_id = nullptr;
    CLI::Option* dest = nullptr;
    CLI::Option* src = nullptr;
    CLI::Option* options = nullptr;

    std::vector<CLI::Option*> all() const {
        return {id_ext, ioc_guid, dgid, pkey, service_id, dest, src, options};
    }
    // True when any of them was given.
    bool any() const;
};

LoginOptions add_login_options(CLI::App* cmd, LoginArgs& args);

// The login the options describe. The usage error without --id-ext and --ioc-guid names
// `command` and the `alternative` way to give a login (e.g. "--check LINE").
Result<login::LoginSpec> login_from_options(const LoginArgs& args, const LoginOptions& options,
                                            const std::string& command,
                                            const std::string& alternative);

}  // namespace srpadm::cli
