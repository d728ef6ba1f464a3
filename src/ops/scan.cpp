#include <fmt/format.h>

#include <srpadm/mad/port_watcher.hpp>
#include <srpadm/ops/scan.hpp>

namespace srpadm::ops {
namespace {

// How often --wait-active reads the port's sysfs files.
constexpr auto kPortPoll = std::chrono::milliseconds(250);

void say(const std::function<void(const std::string&)>& to, const std::string& line) {
    if (to) {
        to(line);
    }
}

}  // namespace

Result<PortScan> scan_once(Session& session, const ScanRequest& request) {
    auto ports = session.ports();
    if (!ports) {
        return Unexpected(ports.error());
    }
    auto opened = (*ports)->open(request.port);
    if (!opened) {
        return Unexpected(opened.error());
    }
    for (const auto& note : opened->notes) {
        say(request.note, note);
    }
    if (!opened->description.empty()) {
        say(request.options.progress, "using " + opened->description);
    }
    mad::MadEndpoint& ep = *opened->endpoint;
    if (request.wait_active.count() > 0) {
        say(request.options.progress,
            fmt::format("waiting up to {} s for the port to be ACTIVE with an SM",
                        request.wait_active.count()));
        auto ready = mad::wait_until_usable(
            ep.loop(), [&ep] { return ep.port_attributes(); }, request.wait_active, kPortPoll,
            [&session] { return session.interrupting_signal() != 0; });
        if (!ready) {
            if (ready.error().code == Errc::cancelled) {
                return fail(Errc::cancelled, fmt::format("{}: {}", ready.error().message,
                                                         session.interrupt_reason()));
            }
            return Unexpected(ready.error());
        }
    }
    std::optional<Result<discovery::DiscoveryReport>> found;
    auto scan = discovery::ScanOperation::start(
        ep, request.options, nullptr,
        [&found](Result<discovery::DiscoveryReport> r) { found = std::move(r); });
    session.on_interrupt([&scan](const std::string& why) { scan->cancel(why); });
    if (session.interrupting_signal() != 0) {
        scan->cancel(session.interrupt_reason());
    }
    ep.loop().run_until([&found] { return found.has_value(); });
    session.on_interrupt({});
    if (!found) {
        return fail(Errc::internal, "discovery stopped before its requests completed");
    }
    if (!*found) {
        return Unexpected(found->error());
    }
    auto attrs = ep.port_attributes();
    return PortScan{std::move(**found), attrs ? *attrs : model::PortAttributes{}};
}

}  // namespace srpadm::ops
