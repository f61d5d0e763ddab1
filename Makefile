# Thin wrapper over CMake: the two commands of the README's quick start, and a few more.
#   make demo    build and run samples/quickstart
#   make test    ASan+UBSan build (clang, with the fuzz targets) and the whole ctest suite
#   make build   release build in build/ (vipr, haproxy and keepalived links)
#   make golden  rewrite the golden files of compat-tests/ from the current build
#   make docs    regenerate docs/keywords.md from the keyword tables
#   make bench   benchmarks against Debian's haproxy and keepalived (ratios, not pass/fail)
JOBS ?= $(shell nproc)

.PHONY: all build demo test golden docs bench setup clean

all: build

setup:
	@scripts/setup.sh

build: setup
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j $(JOBS)

build-test/vipr: setup
	CC=clang cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DVIPR_SANITIZE=ON -DVIPR_FUZZ=ON >/dev/null
	cmake --build build-test -j $(JOBS)

# The release build (gcc) is built too, so that both compilers stay warning-free.
test: build-test/vipr build
	cd build-test && ctest --output-on-failure -j $(JOBS) --timeout 600 || \
		{ ../scripts/test-failures.sh . ; exit 1; }

demo: build
	scripts/demo.sh build

golden: build
	VIPR=$(CURDIR)/build/vipr scripts/golden.sh

docs: build
	build/vipr keywords > docs/keywords.md

bench: build
	bench/parse build

clean:
	rm -rf build build-test
