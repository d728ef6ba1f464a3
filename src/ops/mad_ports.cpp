// This host's ports through libibumad.
#include <fmt/format.h>

#include <srpadm/ops/mad_ports.hpp>
#include <srpadm/umad/umad_endpoint.hpp>

namespace srpadm::ops {
namespace {

class UmadPorts final : public MadPorts {
  public:
    UmadPorts(runtime::EventLoop& loop, UmadPortsOptions options)
        : loop_(loop), options_(std::move(options)) {}

    runtime::EventLoop& loop() override { return loop_; }
    bool simulated() const override { return false; }

    Result<OpenedPort> open(const PortChoice& choice) override {
        umad::UmadOptions options;
        options.sysfs_root = options_.sysfs_root;
        options.sa_reports = options_.sa_reports;
        options.port = choice.port;
        auto endpoint = umad::UmadEndpoint::open(loop_, options);
        if (!endpoint) {
            return Unexpected(endpoint.error());
        }
        const auto& sel = (*endpoint)->selected();
        OpenedPort opened;
        opened.description = fmt::format("{}:{} ({}): {}", sel.port.attributes.ca_name,
                                         sel.port.attributes.port_num, sel.umad.path(), sel.reason);
        opened.notes = (*endpoint)->notes();
        opened.endpoint = std::move(*endpoint);
        return opened;
    }

  private:
    runtime::EventLoop& loop_;
    UmadPortsOptions options_;
};

}  // namespace

std::unique_ptr<MadPorts> umad_ports(runtime::EventLoop& loop, UmadPortsOptions options) {
    return std::make_unique<UmadPorts>(loop, std::move(options));
}

}  // namespace srpadm::ops
