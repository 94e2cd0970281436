# The two set-up commands of README.md: `make run` and `make test`.
# Both install Debian dependencies first (packaging/deps.sh is idempotent).
JOBS     ?= $(shell nproc)
BUILD    ?= build
SANBUILD ?= build-san
DNSPORT  ?= 8053
HTTPPORT ?= 8123

.PHONY: all deps build build-san run test test-unit format clean bench

all: build

deps:
	@bash packaging/deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

# ASan+UBSan under clang; with clang the libFuzzer harnesses are built as well.
build-san: deps
	CC=clang cmake -S . -B $(SANBUILD) -DCMAKE_BUILD_TYPE=Debug -DMDNS_SANITIZE=ON \
	  -DMDNS_FUZZ=ON >/dev/null
	cmake --build $(SANBUILD) -j$(JOBS)

run: build
	@bash packaging/demo/run-demo.sh $(BUILD)/mesos-dnsd $(DNSPORT) $(HTTPPORT)

test: build build-san
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	cd $(SANBUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j$(JOBS)

bench: build
	@bash bench/run.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(SANBUILD)
