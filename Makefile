# SPDX-License-Identifier: MIT
# Makefile - the front door: build, test, demo and install vfcrypt (CMake + Ninja underneath).
#
#   make            configure build/ (CMake, Ninja) and build
#   make check      install missing packages, build, run every test
#   make demo       install missing packages, build, run $(DEMO_CMD)
#   make install    install to $(DESTDIR)$(PREFIX) (default /usr/local)
#   make asan       ASan+UBSan build in build-asan/ and every test
#   make tsan       TSan build in build-tsan/ and the tests labelled tsan
#   make fuzz-smoke libFuzzer targets (clang) in build-fuzz/, each for FUZZ_SECONDS (default 10)
#   make clean      remove the build directories

BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
JOBS ?= 2
CMAKE_FLAGS ?=
CTEST_FLAGS ?= --output-on-failure

VFC := $(abspath $(BUILD))/tools/vfc

# The demo: the paper's Figures 2, 3, 8, 9 and 10 measured on the embedded device, in about 2 minutes:
# tables on stdout, CSV and PNG plots in results/ (docs/reproducing-the-paper.md explains them).
# Override it: make demo DEMO_CMD='build/tools/vfc bench ...'
DEMO_CMD ?= scripts/demo.sh $(VFC) results

# vfcrypt.so goes to OpenSSL's modules directory (so `-provider vfcrypt` finds it by name), or,
# for a PREFIX other than /usr and /usr/local, to PREFIX/lib/ossl-modules (load it with OPENSSL_MODULES).
OSSL_MODULESDIR_SYS := $(shell openssl version -m 2>/dev/null | sed -n 's/^MODULESDIR: "\(.*\)"$$/\1/p')
ifeq ($(filter /usr /usr/local,$(PREFIX)),)
OSSL_MODULESDIR ?= $(PREFIX)/lib/ossl-modules
else
OSSL_MODULESDIR ?= $(OSSL_MODULESDIR_SYS)
endif

CONFIGURE = cmake -S . -B $(1) -G Ninja $(2) $(CMAKE_FLAGS)

.PHONY: all build deps check demo install asan tsan fuzz-smoke clean

all: build

$(BUILD)/build.ninja:
	$(call CONFIGURE,$(BUILD),-DCMAKE_INSTALL_PREFIX=$(PREFIX))

build: $(BUILD)/build.ninja
	ninja -C $(BUILD) -j$(JOBS)

deps:
	scripts/install-deps.sh

check: deps
	$(MAKE) build
	ctest --test-dir $(BUILD) $(CTEST_FLAGS)

demo: deps
	$(MAKE) build
	@$(DEMO_CMD)

# Reconfigure so that the prefix baked into vfcrypt.pc is PREFIX; DESTDIR is honoured by cmake --install.
install:
	$(call CONFIGURE,$(BUILD),-DCMAKE_INSTALL_PREFIX=$(PREFIX) -DVFC_OSSL_MODULESDIR=$(OSSL_MODULESDIR))
	ninja -C $(BUILD) -j$(JOBS)
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD)

asan: deps
	$(call CONFIGURE,build-asan,-DVFC_SANITIZE=address)
	ninja -C build-asan -j$(JOBS)
	ctest --test-dir build-asan $(CTEST_FLAGS)

tsan: deps
	$(call CONFIGURE,build-tsan,-DVFC_SANITIZE=thread)
	ninja -C build-tsan -j$(JOBS)
	ctest --test-dir build-tsan -L tsan $(CTEST_FLAGS)

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz

FUZZ_SECONDS ?= 10
fuzz-smoke:
	scripts/install-deps.sh --fuzz
	CC=clang cmake -S . -B build-fuzz -G Ninja -DVFC_FUZZ=ON -DVFC_WERROR=OFF -DVFC_BUILD_TESTS=OFF \
		-DVFC_FUZZ_SECONDS=$(FUZZ_SECONDS) $(CMAKE_FLAGS)
	ninja -C build-fuzz -j$(JOBS) fuzz-smoke
