#include "server_sync/SyncOptions.hpp"

#include <algorithm>

#include "core/NameTableOption.hpp"
#include "core/ParseDecimal.hpp"

namespace slowio::sync {

namespace {

constexpr auto models = name_table<Model>({
    {Model::pool, "pool", "one I/O thread, requests run on worker threads"},
    {Model::thread_per_connection, "thread-per-connection", "a worker owns a connection until it closes"},
});

constexpr auto pools = name_table<WorkerPool::Mode>({
    {WorkerPool::Mode::fixed, "fixed", "--threads workers"},
    {WorkerPool::Mode::elastic, "elastic",
     ".NET's thread pool (start at --min-threads; the 500 ms starvation gate and the blocking adjustment add "
     "threads up to --max-threads; 20 s idle retires)"},
});

constexpr auto antipatterns = name_table<Antipattern>({
    {Antipattern::none, "none", "the store call blocks the worker"},
    {Antipattern::sync_over_async, "sync-over-async",
     "the worker starts the async store call, whose completion is queued to this same pool, and blocks on it "
     "(C#'s .Result): a fixed pool deadlocks once every worker waits"},
    {Antipattern::offload, "offload",
     "POST /work runs on the --offload-threads pool while the worker blocks on its result (C#'s "
     "Task.Run(...).Wait()): two threads per CPU request"},
});

}  // namespace

int StartUpItems::total() const {
    int sum = 0;
    for (const auto& group : groups) sum += group.count;
    return sum;
}

std::optional<StartUpItems> parse_start_up_items(std::string_view text) {
    StartUpItems items;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const std::string_view entry = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        if (comma != std::string_view::npos && text.empty()) return std::nullopt;  // a trailing comma
        const auto at = entry.find('@');
        const auto count = parse_decimal(entry.substr(0, at), 0, 100'000);
        const auto ms = at == std::string_view::npos ? std::optional<int>(0)
                                                     : parse_decimal(entry.substr(at + 1), 0, 10'000);
        if (!count || !ms) return std::nullopt;
        items.groups.push_back({*count, *ms});
    }
    if (items.groups.empty() || items.total() > 100'000) return std::nullopt;
    std::stable_sort(items.groups.begin(), items.groups.end(),
                     [](const auto& a, const auto& b) { return a.ms_before > b.ms_before; });
    return items;
}

std::string_view to_string(Model model) {
    return models.name(model);
}

std::string_view to_string(WorkerPool::Mode pool) {
    return pools.name(pool);
}

std::string_view to_string(Antipattern antipattern) {
    return antipatterns.name(antipattern);
}

namespace {
void add_queue_options(CLI::App& app, SyncOptions& o) {
    queue_disciplines.add_option(app, "--queue", o.queue,
                                 "(server_sync only, pool model) the order queued requests are taken: " +
                                     queue_disciplines.describe(" | "));
    app.add_option(
           "--queue-lifo-after-ms", o.queue_lifo_after_ms,
           "(server_sync only) adaptive-lifo: the oldest wait that turns the queue LIFO (-1: the store "
           "latency)")
        ->check(CLI::Range(-1, 3'600'000))
        ->capture_default_str();
    app.add_option(
           "--codel-target-ms", o.codel_target_ms,
           "(server_sync only) codel: the acceptable standing wait (-1: store latency / 20, at least 1)")
        ->check(CLI::Range(-1, 3'600'000))
        ->capture_default_str();
    app.add_option(
           "--codel-interval-ms", o.codel_interval_ms,
           "(server_sync only) codel: how long waits must stay above the target (-1: the store latency)")
        ->check(CLI::Range(-1, 3'600'000))
        ->capture_default_str();
}
}  // namespace

void add_sync_options(CLI::App& app, SyncOptions& o) {
    o.min_threads = usable_cores();  // .NET's default minimum: Environment.ProcessorCount (affinity-aware)
    models.add_option(app, "--model", o.model, "(server_sync only) " + models.describe(" | "));
    pools.add_option(app, "--pool", o.pool, "(server_sync only) " + pools.describe(" | "));
    app.add_option("--min-threads", o.min_threads,
                   "(server_sync only) elastic pool: initial and minimum threads")
        ->check(CLI::Range(std::size_t{1}, std::size_t{30000}))
        ->capture_default_str();
    app.add_option("--max-threads", o.max_threads, "(server_sync only) elastic pool: maximum threads")
        ->check(CLI::Range(std::size_t{1}, std::size_t{30000}))
        ->capture_default_str();
    app.add_flag(
        "--no-blocking-adjustment", [&o](std::int64_t) { o.blocking_adjustment = false; },
        "(server_sync only) elastic pool: no thread injection for threads blocked in sync-over-async, "
        "only the 500 ms starvation gate (.NET's ThreadPool_CooperativeBlocking=0)");
    app.add_flag(
        "--no-hill-climbing", [&o](std::int64_t) { o.hill_climbing = false; },
        "(server_sync only) elastic pool: no hill climbing, only the starvation gate and the blocking "
        "adjustment (.NET's DOTNET_HillClimbing_Disable=1)");
    app.add_flag(
        "--io-on-pool", o.io_on_pool,
        "(server_sync only, --model pool) responses' sends run as work items on the pool, as Kestrel's "
        "socket transport runs them on .NET's thread pool: each connection sends through one of "
        "--io-queues IOQueues, and a queue holding sends has one work item queued behind the requests "
        "that sends all of them when it runs (reading a request is already the request's own item); a "
        "client's end of its connection queues Kestrel's two connection-end items");
    app.add_flag(
        "--socket-engine", o.socket_engine,
        "(server_sync only, with --io-on-pool) socket events reach the pool as .NET's SocketAsyncEngine "
        "does on Linux: one engine work item at a time, which requests the next before it handles the "
        "events queued by then; a request's item is queued from there, after the engine item got a thread, "
        "and so are a connection's end items; Kestrel's accept loop runs in an engine item too (new clients "
        "wait in the kernel's backlog until one runs it; a connection's first request is its own item)");
    app.add_option("--accept-work-us", o.accept_work_us,
                   "(server_sync only, with --socket-engine) the accept loop's time per accepted connection, "
                   "spent on its worker before the next accept: Kestrel's loop builds each connection (its "
                   "socket, pipes and first receive) before accepting the next, so behind a burst it accepts "
                   "at that pace and may not empty the backlog (0, default: our accept4 alone)")
        ->check(CLI::Range(0, 1'000'000))
        ->capture_default_str();
    app.add_option("--io-queues", o.io_queues,
                   "(server_sync only, with --io-on-pool) the IOQueues; 0 (default): Kestrel's "
                   "IOQueueCount, min(usable cores, 16)")
        ->check(CLI::Range(0, 1024));
    app.add_flag(
        "--warm-up", o.warm_up,
        "(server_sync only) before announcing its port, send this server the four requests the ASP.NET "
        "Core target sends itself at start (GET /health, GET /metrics, POST /work?n=1, GET /nope): in an "
        "elastic pool their work items are hill climbing's first samples, as .NET's start-up items are");
    app.add_option_function<std::string>(
           "--start-up-items",
           [&o](const std::string& text) {
               auto items = parse_start_up_items(text);
               if (!items) {
                   throw CLI::ValidationError("--start-up-items",
                                              "expected N or N@MS,N@MS,... (N items MS ms "
                                              "before the warm-up), not '" +
                                                  text + "'");
               }
               o.start_up_items = std::move(*items);
           },
           "(server_sync only) before announcing its port (and before --warm-up's requests), run empty work "
           "items on the pool: the items .NET completes on its thread pool before Kestrel listens (nearly all "
           "its warm-up's) less those --warm-up makes here, which are its hill climbing's first samples. N: N "
           "at once; N@MS,N@MS,...: N items MS ms before the warm-up, as the runtime's come over its start-up "
           "(default: none)")
        ->type_name("N[@MS],...");
    antipatterns.add_option(app, "--antipattern", o.antipattern,
                            "(server_sync only) " + antipatterns.describe(" | "));
    app.add_flag("--deadlock-exit", o.deadlock_exit,
                 "(server_sync only) exit with code 4 once every worker is blocked on a completion no worker "
                 "can run (sweeps record 'deadlock')");
    app.add_option("--queue-limit", o.queue_limit,
                   "(server_sync only) work items waiting for a worker at most; beyond it 503 at once "
                   "(0 = unbounded, as Kestrel)")
        ->check(CLI::Range(std::size_t{0}, std::size_t{100'000'000}))
        ->capture_default_str();
    add_queue_options(app, o);
}

std::optional<std::string> validate(const SyncOptions& sync) {
    if (sync.pool == WorkerPool::Mode::elastic && sync.min_threads > sync.max_threads) {
        return "--min-threads (" + std::to_string(sync.min_threads) + ") must not exceed --max-threads (" +
               std::to_string(sync.max_threads) + ")";
    }
    if (sync.queue != QueueDiscipline::fifo && sync.model == Model::thread_per_connection) {
        return "--queue " + std::string(to_string(sync.queue)) +
               " needs --model pool (thread-per-connection queues whole connections, which are never shed)";
    }
    if (sync.io_on_pool && sync.model == Model::thread_per_connection) {
        return "--io-on-pool needs --model pool (thread-per-connection does its socket I/O on its own "
               "threads)";
    }
    if (sync.start_up_items.total() > 0 && sync.model == Model::thread_per_connection) {
        return std::string("--start-up-items needs --model pool (its items are work items of the pool)");
    }
    if (sync.io_queues != 0 && !sync.io_on_pool) return std::string("--io-queues needs --io-on-pool");
    if (sync.socket_engine && !sync.io_on_pool) return std::string("--socket-engine needs --io-on-pool");
    if (sync.accept_work_us > 0 && !sync.socket_engine) {
        return std::string("--accept-work-us needs --socket-engine (it paces the accept loop's engine item)");
    }
    if (sync.antipattern == Antipattern::sync_over_async && sync.model == Model::thread_per_connection) {
        return "--antipattern sync-over-async needs --model pool (its completion is queued to the worker "
               "pool)";
    }
    return std::nullopt;
}

WorkerPool::Options make_pool_options(const ServerOptions& common, const SyncOptions& sync,
                                      ThreadPoolMetrics* metrics) {
    WorkerPool::Options p;
    p.mode = sync.pool;
    p.threads = static_cast<std::size_t>(common.threads);
    p.min_threads = sync.min_threads;
    p.max_threads = sync.max_threads;
    p.queue_limit = sync.queue_limit;
    p.queue.drop_abandoned = common.drop_abandoned;
    // The article's 5 ms / 100 ms are for services answering in about 100 ms; scaled to the store latency L.
    const int latency = std::max(1, common.store_latency_ms);
    const auto or_scaled = [](int ms, int scaled) {
        return std::chrono::milliseconds(ms >= 0 ? ms : scaled);
    };
    p.queue.discipline = sync.queue;
    p.queue.lifo_after = or_scaled(sync.queue_lifo_after_ms, latency);
    p.queue.codel_target = or_scaled(sync.codel_target_ms, std::max(1, latency / 20));
    p.queue.codel_interval = or_scaled(sync.codel_interval_ms, latency);
    p.blocking_adjustment = sync.blocking_adjustment;
    p.hill_climbing = sync.hill_climbing;
    p.metrics = metrics;
    return p;
}

}  // namespace slowio::sync
