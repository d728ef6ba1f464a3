// Placeholder until the login-string module lands; every call fails loudly.
#include <srpadm/model/login.hpp>

namespace srpadm::login {

std::string_view key_name(Key /*key*/) { return "?"; }
std::optional<Key> key_from_name(std::string_view /*name*/) { return std::nullopt; }
bool is_address_key(Key /*key*/) { return false; }
Result<Option> make_option(Key /*key*/, std::string_view /*value*/) {
    return fail(Errc::internal, "login strings not implemented yet");
}
Result<Option> make_option(std::string_view /*name*/, std::string_view /*value*/) {
    return fail(Errc::internal, "login strings not implemented yet");
}
Result<std::string> render(const LoginSpec& /*spec*/) {
    return fail(Errc::internal, "login strings not implemented yet");
}
Result<LoginSpec> parse(std::string_view /*line*/) {
    return fail(Errc::internal, "login strings not implemented yet");
}
std::vector<Option> srp_daemon_options(const SrpDaemonSuffix& /*suffix*/) { return {}; }

}  // namespace srpadm::login
