# Thin wrapper over CMake: the two commands of the README's quick start, and a few more.
#   make demo    build and run samples/quickstart
#   make test    ASan+UBSan build (clang, with the fuzz targets) and the whole ctest suite
#   make build   release build in build/ (vipr, haproxy and keepalived links)
#   make golden  rewrite the golden files of compat-tests/ from the current build
#   make bench   benchmarks against Debian's haproxy and keepalived (ratios, not pass/fail)
JOBS ?= $(shell nproc)

.PHONY: all build demo test golden bench setup clean

all: build

setup:
	@scripts/setup.sh

build: setup
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j $(JOBS)

build-test/vipr: setup
	CC=clang cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DVIPR_SANITIZE=ON -DVIPR_FUZZ=ON >/dev/null
	cmake --build build-test -j $(JOBS)

test: build-test/vipr
	cd build-test && ctest --output-on-failure -j $(JOBS) --timeout 600

demo: build
	scripts/demo.sh build

golden: build
	VIPR=$(CURDIR)/build/vipr scripts/golden.sh

bench: build
	bench/parse build

clean:
	rm -rf build build-test
