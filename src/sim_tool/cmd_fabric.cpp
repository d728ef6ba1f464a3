// srpadm fabric check|generate: the simulated fabric's .fabric files (srpadm-fabric(5)).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include <srpadm/sim/fabric_file.hpp>
#include <srpadm/sim/generator.hpp>

#include "commands.hpp"

namespace srpadm::cli {
namespace {

struct FabricArgs {
    std::string file;
    std::string output;
    sim::GeneratorOptions gen;
};

ExitStatus run_check(const FabricArgs& args) {
    auto loaded = sim::load_fabric(args.file);
    if (!loaded) {
        return report(loaded.error());
    }
    const sim::Fabric& f = loaded->fabric;
    std::string local;
    for (const auto& lp : f.local_ports) {
        local += fmt::format("{}{} port {} (\"{}\", LID {})", local.empty() ? "" : ", ", lp.ca_name,
                             lp.port.port, f.node(lp.port).description, f.port(lp.port).lid);
    }
    fmt::print("{}: {} SM at LID {} ({} SA); initiator {}; {} fault rules, {} events.\n", args.file,
               sim::describe(f.summary()), f.sm_lid(),
               f.sa_mode == sim::SaMode::mask_match ? "mask-match" : "old-SM",
               local.empty() ? "none" : local, loaded->faults.size(), loaded->events.size());
    return ExitStatus::ok;
}

ExitStatus run_generate(const FabricArgs& args) {
    const auto start = std::chrono::steady_clock::now();
    auto text = sim::generate_fabric_text(args.gen);
    if (!text) {
        return report(text.error());
    }
    const std::string& body = *text;
    if (args.output.empty() || args.output == "-") {
        std::fwrite(body.data(), 1, body.size(), stdout);
        return ExitStatus::ok;
    }
    std::ofstream out(args.output, std::ios::binary | std::ios::trunc);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    out.close();
    if (!out) {
        return report(Error{Errc::io, fmt::format("{}: cannot write the file", args.output)});
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    fmt::print(stderr, "srpadm: wrote {} ({} bytes) in {} ms\n", args.output, body.size(), ms);
    return ExitStatus::ok;
}

}  // namespace

void register_fabric(CLI::App& app, Context& ctx) {
    auto args = std::make_shared<FabricArgs>();
    auto* cmd =
        app.add_subcommand("fabric",
                           "Simulated fabrics: check a .fabric file or generate a large one "
                           "(srpadm-fabric(5))");
    cmd->require_subcommand(1);

    auto* check = cmd->add_subcommand(
        "check",
        "Parse a .fabric file and print a one-paragraph summary, or the error with "
        "file:line (exit status 3)");
    check->add_option("FILE", args->file, "The .fabric file")->required();
    check->callback([args, &ctx] { ctx.status = run_check(*args); });

    auto* gen =
        cmd->add_subcommand("generate",
                            "Write a .fabric file for a large fabric: a two-level switch tree in "
                            "ibnetdiscover form with SRP targets");
    gen->add_option("--ca-ports", args->gen.ca_ports, "CA ports in all (one per CA)")
        ->capture_default_str();
    gen->add_option("--targets", args->gen.targets, "How many CA ports are SRP targets")
        ->capture_default_str();
    gen->add_option("--iocs-per-target", args->gen.iocs_per_target, "IOCs behind each target")
        ->capture_default_str();
    gen->add_option("--services-per-ioc", args->gen.services_per_ioc, "Service entries per IOC")
        ->capture_default_str();
    gen->add_option("--pkeys", args->gen.pkeys,
                    "Partitions besides the default; targets are spread over them")
        ->capture_default_str();
    gen->add_option("--seed", args->gen.seed, "Seed for where the targets go")
        ->capture_default_str();
    gen->add_option("-o,--output", args->output, "Output file (default: standard output)");
    gen->callback([args, &ctx] { ctx.status = run_generate(*args); });
}

}  // namespace srpadm::cli
