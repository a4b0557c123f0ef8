# Gatehouse: `make run` and `make test` are all a newcomer needs (see README.md).
BUILD      ?= build
JOBS       ?= 2
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
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 300

bench:
	@scripts/install-deps.sh build bench
	@$(MAKE) --no-print-directory build
	@scripts/npm-install.sh
	bench/run.sh $(BUILD)

asan:
	@scripts/install-deps.sh build test
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGATEHOUSE_SANITIZE=ON -DGATEHOUSE_BENCH=OFF
	cmake --build build-asan -j$(JOBS)
	@scripts/npm-install.sh
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j$(JOBS) --timeout 600

fuzz:
	@scripts/install-deps.sh build fuzz
	@echo "fuzz targets: see tests/fuzz (not yet implemented)"; exit 1

clean:
	rm -rf $(BUILD) build-asan
