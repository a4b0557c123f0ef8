# Gatehouse: `make run` and `make test` are all a newcomer needs (see README.md).
BUILD      ?= build
JOBS       ?= 2
# ctest's parallelism (default JOBS): many suites spend their time waiting on timers, browsers and
# child servers rather than on a core.
TEST_JOBS  ?= $(JOBS)
CMAKE_ARGS ?=
DB         ?= sqlite://data/gatehouse.db
ISSUER     ?= http://127.0.0.1:8080/
LISTEN     ?= 127.0.0.1:8080

.PHONY: all deps build run test bench fuzz asan clean

all: build

deps:
	@scripts/install-deps.sh build

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j$(JOBS)

run: build
	@DB='$(DB)' ISSUER='$(ISSUER)' LISTEN='$(LISTEN)' BIN='$(BUILD)/gatehouse' scripts/run.sh

test:
	@scripts/install-deps.sh build test
	@$(MAKE) --no-print-directory build
	@scripts/npm-install.sh
	cd $(BUILD) && ctest --output-on-failure -j$(TEST_JOBS) --timeout 300

bench:
	@scripts/install-deps.sh build bench
	@$(MAKE) --no-print-directory $(BUILD)/build.ninja
	cmake -S . -B $(BUILD) -DGATEHOUSE_BENCH=ON
	@$(MAKE) --no-print-directory build
	@scripts/npm-install.sh
	bench/run.sh $(BUILD)
	bench/tenant_logs.sh $(BUILD)
	@if [ -n "$$BENCH_SCALE_USERS" ]; then bench/scale.sh $(BUILD); else echo 'bench: scale part skipped (BENCH_SCALE_USERS=1000000 make bench runs it)'; fi

# ASAN_EXCLUDE (a ctest regex) leaves suites out; CI leaves out security_postgres, the Node security
# suite again on PostgreSQL: the server code it runs is the SQLite run's, and the PostgreSQL store code
# runs under ASan in store_conformance_postgres and multi_postgres; and interop_mgmt_deploy-cli, whose
# two minutes go to the tool compiling its JSON schema, while the Management API routes it calls run
# under ASan in the interop_mgmt_* and unit_mgmt suites.
asan:
	@scripts/install-deps.sh build test
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O0 -g1" \
	    -DGATEHOUSE_SANITIZE=ON -DGATEHOUSE_BENCH=OFF
	cmake --build build-asan -j$(JOBS)
	@scripts/npm-install.sh
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j$(TEST_JOBS) --timeout 600 \
	    $(if $(ASAN_EXCLUDE),-E '$(ASAN_EXCLUDE)')

# Every tests/fuzz/<name>_fuzz.cpp for FUZZ_SECONDS (default 60) each, from the committed seeds in
# tests/fuzz/corpus/<name> (read-only; new inputs go to build-fuzz/corpus/<name>). FUZZ_TARGETS="jwt mgmt"
# picks some; FUZZ_RUNS=10000000 runs each for that many executions instead of a time; FUZZ_FLAGS adds
# libFuzzer flags (e.g. -max_len=1024). A crash, leak, timeout or OOM fails the target; its input is build-fuzz/crash-<name>-*.
# Built at -O1 with line tables, as OSS-Fuzz builds: CI's short runs spend more time compiling than fuzzing.
# Without precompiled headers or unity sources: the one build where a source missing an include fails.
fuzz:
	@scripts/install-deps.sh build fuzz
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -DNDEBUG" -DGATEHOUSE_FUZZ=ON -DGATEHOUSE_TESTS=OFF -DGATEHOUSE_BENCH=OFF -DGATEHOUSE_PCH=OFF \
	    -DCMAKE_UNITY_BUILD=OFF
	cmake --build build-fuzz -j$(JOBS) --target gatehouse_fuzzers
	@set -e; seconds=$${FUZZ_SECONDS:-60}; failed=""; \
	if [ -n "$${FUZZ_RUNS:-}" ]; then bound="-runs=$$FUZZ_RUNS"; label="$$FUZZ_RUNS runs"; \
	else bound="-max_total_time=$$seconds"; label="$${seconds}s"; fi; \
	targets="$${FUZZ_TARGETS:-$$(cd tests/fuzz && ls *_fuzz.cpp | sed 's/_fuzz\.cpp$$//')}"; \
	for t in $$targets; do \
	    mkdir -p build-fuzz/corpus/$$t; \
	    printf '%-16s %s ' "$$t" "$$label"; \
	    if build-fuzz/tests/fuzz/$${t}_fuzz $$bound $${FUZZ_FLAGS:-} -timeout=10 -rss_limit_mb=2048 \
	        -print_final_stats=1 -artifact_prefix=build-fuzz/crash-$$t- \
	        build-fuzz/corpus/$$t tests/fuzz/corpus/$$t >build-fuzz/$$t.log 2>&1; then \
	        sed -n 's/^stat::number_of_executed_units: */executions: /p' build-fuzz/$$t.log; \
	    else \
	        echo "FAILED (log: build-fuzz/$$t.log)"; grep -A30 -m1 -E '^==[0-9]+==|invariant violated|runtime error' build-fuzz/$$t.log || tail -30 build-fuzz/$$t.log; \
	        failed="$$failed $$t"; \
	    fi; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: failed:$$failed (inputs: build-fuzz/crash-*)"; exit 1; fi

clean:
	rm -rf $(BUILD) build-asan build-fuzz
