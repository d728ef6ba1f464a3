#include <srpadm/model/target.hpp>

namespace srpadm::model {

login::LoginSpec login_spec(const Target& target, const LoginPolicy& policy) {
    login::LoginSpec spec;
    spec.id_ext = target.id_ext;
    spec.ioc_guid = target.ioc_guid;
    spec.ib = login::IbCmAddress{target.dgid, target.pkey, target.service_id};
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
