#include <fmt/format.h>

#include <srpadm/model/target.hpp>

namespace srpadm::model {

Result<InitiatorExt> parse_initiator_ext(std::string_view text) {
    if (text == "none") {
        return InitiatorExt{};
    }
    if (text == "port-guid") {
        return InitiatorExt{InitiatorExtPolicy::target_port_guid, 0};
    }
    auto value = login::parse_hex64(login::Key::initiator_ext, text);
    if (!value) {
        return fail(Errc::invalid_input,
                    fmt::format("initiator_ext '{}' is not none, port-guid or a 64-bit hex value "
                                "(1-16 hex digits, optionally with 0x)",
                                text));
    }
    return InitiatorExt{InitiatorExtPolicy::fixed, *value};
}

std::string format_initiator_ext(const InitiatorExt& ext) {
    switch (ext.policy) {
        case InitiatorExtPolicy::none:
            return "none";
        case InitiatorExtPolicy::target_port_guid:
            return "port-guid";
        case InitiatorExtPolicy::fixed:
            break;
    }
    return fmt::format("0x{:016x}", ext.value);
}

void set_initiator_ext(LoginPolicy& policy, const InitiatorExt& ext) {
    policy.initiator_ext = ext.policy;
    policy.fixed_initiator_ext = ext.value;
}

login::LoginSpec login_spec(const Target& target, const LoginPolicy& policy) {
    login::LoginSpec spec;
    spec.id_ext = target.id_ext;
    spec.ioc_guid = target.ioc_guid;
    if (target.rdma) {
        spec.rdma = target.rdma;
    } else {
        spec.ib = login::IbCmAddress{target.dgid, target.pkey, target.service_id};
    }
    login::SrpDaemonSuffix suffix;
    suffix.io_class = target.io_class;
    switch (policy.initiator_ext) {
        case InitiatorExtPolicy::none:
            break;
        case InitiatorExtPolicy::target_port_guid:
            suffix.initiator_ext = target.port_guid();
            break;
        case InitiatorExtPolicy::fixed:
            suffix.initiator_ext = policy.fixed_initiator_ext;
            break;
    }
    suffix.tl_retry_count = policy.tl_retry_count;
    suffix.rule_options = policy.options;
    if (policy.max_imm_data && *policy.max_imm_data > target.send_size) {
        suffix.max_it_iu_size = target.send_size;
    }
    spec.options = login::srp_daemon_options(suffix);
    return spec;
}

}  // namespace srpadm::model
