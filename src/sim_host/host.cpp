#include <cerrno>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <srpadm/sim/host.hpp>
#include <srpadm/sim/sim_endpoint.hpp>

namespace srpadm::sim {

void WriterSlot::set(std::shared_ptr<host::SysfsWriter> target) {
    const std::lock_guard lock(mutex_);
    target_ = std::move(target);
}

std::error_code WriterSlot::write(const std::string& relative, const std::string& data) {
    std::shared_ptr<host::SysfsWriter> target;
    {
        const std::lock_guard lock(mutex_);
        target = target_;
    }
    if (!target) {
        return {ENODEV, std::generic_category()};
    }
    return target->write(relative, data);
}

namespace {

// Whether `root` holds the tree lay_out_host() made for `fabric`: every initiator port's
// add_target file is there.
bool laid_out_for(const Fabric& fabric, const std::filesystem::path& root) {
    std::error_code ec;
    for (std::size_t i = 0; i < fabric.local_ports.size(); ++i) {
        const auto file = root / "class/infiniband_srp" / srp_port_name(fabric, i) / "add_target";
        if (!std::filesystem::is_regular_file(file, ec)) {
            return false;
        }
    }
    return !fabric.local_ports.empty();
}

bool missing_or_empty(const std::filesystem::path& root) {
    std::error_code ec;
    if (!std::filesystem::exists(root, ec)) {
        return true;
    }
    return std::filesystem::is_directory(root, ec) && std::filesystem::is_empty(root, ec) && !ec;
}

}  // namespace

Result<std::unique_ptr<SimHostPorts>> SimHostPorts::create(FabricFile file,
                                                           runtime::EventLoop& loop,
                                                           const std::filesystem::path& root,
                                                           std::shared_ptr<WriterSlot> writer,
                                                           SimHostOptions options) {
    if (auto ok = check_host_ports(file.fabric); !ok) {
        return Unexpected(ok.error());
    }
    if (!laid_out_for(file.fabric, root)) {
        if (!missing_or_empty(root)) {
            return fail(Errc::usage,
                        fmt::format("{}: not empty, and not a host tree laid out for {}: give "
                                    "a new or empty directory as --sysfs-root",
                                    root.string(), file.fabric.source));
        }
        if (auto laid = lay_out_host(file.fabric, root, options.tree); !laid) {
            return Unexpected(laid.error());
        }
    }
    std::unique_ptr<SimHostPorts> host(new SimHostPorts());
    host->fabric_.emplace(std::move(file), loop);
    host->kernel_ = std::make_unique<SimKernel>(*host->fabric_, root, options.kernel);
    host->writer_ = std::move(writer);
    host->writer_->set(host->kernel_->writer());
    return host;
}

SimHostPorts::~SimHostPorts() {
    if (writer_) {
        writer_->set({});
    }
    kernel_.reset();
    fabric_.reset();
}

Result<ops::OpenedPort> SimHostPorts::open(const ops::PortChoice& choice) {
    const Fabric& f = fabric_->fabric();
    std::optional<std::size_t> index;
    if (choice.port.ca_name.empty()) {
        index = choice.local_index;
    } else {
        for (std::size_t i = 0; i < f.local_ports.size() && !index; ++i) {
            const LocalPort& lp = f.local_ports[i];
            if (lp.ca_name == choice.port.ca_name &&
                (choice.port.port == 0 || lp.port.port == choice.port.port)) {
                index = i;
            }
        }
    }
    if (!index || *index >= f.local_ports.size()) {
        std::string names;
        for (const LocalPort& lp : f.local_ports) {
            names += fmt::format("{}{}:{}", names.empty() ? "" : ", ", lp.ca_name, lp.port.port);
        }
        return fail(Errc::not_found,
                    fmt::format("{}: no initiator port {}:{} (there are: {})", f.source,
                                choice.port.ca_name, choice.port.port, names));
    }
    auto endpoint = fabric_->open(*index);
    if (!endpoint) {
        return Unexpected(endpoint.error());
    }
    const LocalPort& lp = f.local_ports[*index];
    ops::OpenedPort opened;
    opened.endpoint = std::move(*endpoint);
    opened.description = fmt::format("{}:{} (simulated, {})", lp.ca_name, lp.port.port, f.source);
    return opened;
}

namespace {

class SimPlatform final : public daemon::Platform {
  public:
    explicit SimPlatform(SimHostPorts& ports) : ports_(ports) {}
    ~SimPlatform() override { ports_.kernel().set_listener({}); }
    SimPlatform(const SimPlatform&) = delete;
    SimPlatform& operator=(const SimPlatform&) = delete;
    SimPlatform(SimPlatform&&) = delete;
    SimPlatform& operator=(SimPlatform&&) = delete;

    std::vector<daemon::PortName> ports() override {
        std::vector<daemon::PortName> out;
        for (const LocalPort& lp : ports_.fabric().fabric().local_ports) {
            out.push_back(daemon::PortName{lp.ca_name, lp.port.port});
        }
        return out;
    }

    Result<void> watch(std::function<void(const daemon::KernelEvent&)> handler) override {
        ports_.kernel().set_listener([handler = std::move(handler)](const KernelEvent& e) {
            if (e.subsystem != "scsi_host" || e.kind == KernelEvent::Kind::state) {
                return;
            }
            daemon::KernelEvent out;
            out.kind = e.kind == KernelEvent::Kind::add ? daemon::KernelEvent::Kind::host_added
                                                        : daemon::KernelEvent::Kind::host_removed;
            out.host = e.name;
            handler(out);
        });
        return {};
    }

    std::optional<pid_t> srp_daemon_on(const daemon::PortName& /*port*/) override {
        return std::nullopt;
    }

  private:
    SimHostPorts& ports_;
};

}  // namespace

std::unique_ptr<daemon::Platform> make_platform(SimHostPorts& ports) {
    return std::make_unique<SimPlatform>(ports);
}

}  // namespace srpadm::sim
