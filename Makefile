# Thin wrapper over CMake. Every target first installs missing Debian
# packages (tools/install-deps.sh), then configures and builds.
#   make demo   release build, runs the engine against the simulators
#   make test   ASan/UBSan build, runs every test through ctest; then the
#               release build (what users run) and a short demo of it
#   make bench  release build, prints benchmark figures
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
REL  := build/release
ASAN := build/asan

.PHONY: all deps release asan demo test bench format clean

all: release

deps:
	@sh tools/install-deps.sh

release: deps
	@cmake -S . -B $(REL) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(REL) -j $(JOBS)

asan: deps
	@cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DCG_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN) -j $(JOBS)

demo: release
	@$(REL)/centra-gxo demo $(DEMO_ARGS)

test: asan release
	@cd $(ASAN) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)
	@bash tests/release_smoke.sh $(REL)

bench: release
	@sh tests/bench/run.sh $(REL)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	@rm -rf build
