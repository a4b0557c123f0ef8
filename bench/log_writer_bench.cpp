// Tenant-log micro-benchmarks (issue 16: events must not slow the token path), apart from HTTP and
// from the VM's minute-to-minute drift that the end-to-end bench/tenant_logs.sh has to average out.
//   BM_append_logs/<events per transaction>: the writer thread's work, one transaction of a batch of
//     one client's client-credentials events into a SQLite store's log file (runs of 256 events);
//     CPU time per event = CPU time / events.
//   BM_append_logs_distinct_users/1000: the same with every event a different user's login, so each
//     is a run of its own (the writer's worst case).
//   BM_record_token_event: the request thread's part, building the event the token endpoint logs
//     and queueing it (the writer drains the queue on its own thread meanwhile);
//   BM_record_borrowed_token_event: the same through record_borrowed, as the token endpoint does.
// Run: build/bench/gatehouse_log_writer_bench [--benchmark_filter=append]. Reports, never fails.
#include "store/event_log.hpp"
#include "store/store.hpp"
#include "util/util.hpp"

#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace store = gatehouse::store;

namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A SQLite file store in a fresh temporary directory, removed with it.
struct scratch_store {
    std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("gatehouse-log-bench-" + gatehouse::util::random_hex(8));
    std::unique_ptr<store::Store> db = store::open_store("sqlite://" + (dir / "gatehouse.db").string());
    ~scratch_store() {
        db.reset();
        std::filesystem::remove_all(dir);
    }
};

// What TokenService::record_exchange logs for a successful client_credentials exchange.
store::LogEvent token_event() {
    store::LogEvent e;
    e.type = "seccft";
    e.description = "Client Credentials for Access Token";
    e.client_id = "Xk3pQ9vTzL2mN8rB4sW7yC1dF6gH0jK5";
    e.client_name = "Reporting service";
    e.ip = "203.0.113.54";
    return e;
}

// A batch of `events` token events; with `distinct_users`, each a different user's login instead,
// so that no two share a run (the writer's worst case).
std::vector<store::LogEvent> log_batch(std::size_t events, bool distinct_users) {
    std::vector<store::LogEvent> batch(events, token_event());
    if (distinct_users)
        for (std::size_t i = 0; i < batch.size(); ++i) {
            batch[i].type = "s";
            batch[i].description = "Successful login";
            batch[i].user_id = "auth0|" + std::to_string(100000 + i);
            batch[i].user_name = "user" + std::to_string(i) + "@example.com";
            batch[i].connection = "Username-Password-Authentication";
        }
    return batch;
}

void append_batches(benchmark::State& state, bool distinct_users) {
    scratch_store s;
    auto batch = log_batch(static_cast<std::size_t>(state.range(0)), distinct_users);
    for (auto _ : state) {
        state.PauseTiming();
        auto date = now_ms();
        for (auto& e : batch) {
            e.date_ms = date;
            e.log_id = store::new_log_id(date);
        }
        state.ResumeTiming();
        if (!s.db->append_logs(batch)) state.SkipWithError("append_logs failed");
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_append_logs(benchmark::State& state) { append_batches(state, false); }
BENCHMARK(BM_append_logs)->Arg(250)->Arg(1000)->Arg(2000)->Arg(4000)->MinTime(3.0);
void BM_append_logs_distinct_users(benchmark::State& state) { append_batches(state, true); }
BENCHMARK(BM_append_logs_distinct_users)->Arg(1000)->MinTime(3.0);

// Times `record(log)` per event, the writer draining the queue on its own thread meanwhile.
template <class Record>
void time_recording(benchmark::State& state, Record&& record) {
    scratch_store s;
    store::BatchedEventLog log(*s.db, {});
    std::size_t queued = 0;
    for (auto _ : state) {
        record(log);
        // Drained well before the queue fills: a full queue drops events, which costs less.
        if (++queued % 5000 == 0) {
            state.PauseTiming();
            log.flush();
            state.ResumeTiming();
        }
    }
    log.flush();
    state.SetItemsProcessed(state.iterations());
    state.counters["dropped"] = static_cast<double>(log.dropped());
}

void BM_record_token_event(benchmark::State& state) {
    time_recording(state, [](store::BatchedEventLog& log) { log.record(token_event()); });
}
BENCHMARK(BM_record_token_event)->MinTime(2.0);

// What TokenService::record_exchange does now: the event's fields borrowed, copied into a queue slot
// that kept its strings' room from the event before (no allocation once the slots are warm).
void BM_record_borrowed_token_event(benchmark::State& state) {
    const auto e = token_event();
    time_recording(state, [&](store::BatchedEventLog& log) {
        log.record_borrowed({.type = e.type,
                             .description = e.description,
                             .client_id = e.client_id,
                             .client_name = e.client_name,
                             .ip = e.ip});
    });
}
BENCHMARK(BM_record_borrowed_token_event)->MinTime(2.0);

}  // namespace

int main(int argc, char** argv) {
    spdlog::set_level(spdlog::level::warn);  // not the migrations of every scratch store
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
}
