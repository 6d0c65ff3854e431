// loadgen: parse flags, check descriptors and the target, run, report. Exit codes: 0 ran, 2 bad arguments,
// 3 target unreachable (also 1 when a report file cannot be written, after the summary is printed).
#include <cstdio>
#include <iostream>

#include "CommandLine.hpp"
#include "CsvReport.hpp"
#include "FileLimit.hpp"
#include "HdrReport.hpp"
#include "HlogReport.hpp"
#include "HumanReport.hpp"
#include "JsonReport.hpp"
#include "LoadGenerator.hpp"
#include "TimeseriesReport.hpp"

using namespace slowio::loadgen;

int main(int argc, char** argv) {
    auto parsed = CommandLine::parse(argc, argv);
    if (!parsed.config) {
        if (parsed.exit_code == 0)
            std::cout << parsed.message;
        else
            std::cerr << parsed.message << '\n';
        return parsed.exit_code;
    }
    const Config& cfg = *parsed.config;

    std::error_code ec;
    const auto limit = FileLimit::raise_to_hard(ec);
    const auto need = FileLimit::needed(cfg.connections, cfg.threads);
    if (limit < need) {
        std::cerr << "loadgen: -c " << cfg.connections << " needs about " << need
                  << " open files but the limit (RLIMIT_NOFILE, raised to the hard limit) is " << limit
                  << "; lower -c or raise the hard limit\n";
        return 2;
    }

    LoadGenerator generator(cfg, std::move(*parsed.requests));
    generator.set_hard_deadline(true);
    std::string reason;
    if (!generator.probe(reason)) {
        std::cerr << "loadgen: target unreachable: " << reason << '\n';
        return 3;
    }
    const RunResult result = generator.run();
    HumanReport::write(result, std::cout);
    std::cout.flush();

    int status = 0;
    auto check = [&](const char* what, const std::string& path, std::error_code e) {
        if (e) {
            std::cerr << "loadgen: cannot write " << what << " " << path << ": " << e.message() << '\n';
            status = 1;
        }
    };
    if (!cfg.json_file.empty()) check("--json", cfg.json_file, JsonReport::write(result, cfg.json_file));
    if (!cfg.csv_file.empty()) check("--csv", cfg.csv_file, CsvReport::append(result, cfg.csv_file));
    if (!cfg.timeseries_file.empty())
        check("--timeseries", cfg.timeseries_file, TimeseriesReport::write(result, cfg.timeseries_file));
    if (!cfg.hdr_file.empty())
        check("--hdr", cfg.hdr_file, HdrReport::write(result.stats.latency, cfg.hdr_file));
    if (!cfg.hlog_file.empty()) check("--hlog", cfg.hlog_file, HlogReport::write(result, cfg.hlog_file));
    return status;
}
