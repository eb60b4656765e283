# unigate: build the image, run it, test it. `make help` lists the targets.
# A fresh Debian 12 machine needs nothing but this file's first run: missing
# packages and the lwIP/picolibc sources are fetched by tools/deps.sh.

.DEFAULT_GOAL := all
SHELL := /bin/bash
# Build on every core; the tests themselves run one at a time (tests/run.sh).
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 1)

BUILD    := build
DEPS     := deps
LWIP     := $(DEPS)/lwip
LIBC     := $(DEPS)/picolibc-install
VERSION  := $(shell git describe --always --dirty --tags 2>/dev/null || echo 0.1.0)

CC       := gcc
WARN     := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wwrite-strings
# Image code generation; picolibc is built with the same (tools/deps.sh).
# SSE stays on: entry.S enables it and isr.S saves it around handlers.
KFLAGS   := -std=c11 -O2 -ffreestanding -fno-pie -fno-pic -mno-red-zone -mcmodel=small \
            -march=x86-64 -fstack-protector-strong -mstack-protector-guard=global -ffunction-sections -fdata-sections \
            -fno-asynchronous-unwind-tables -nostdinc \
            -isystem $(LIBC)/include -isystem $(shell $(CC) -print-file-name=include)
KINC     := -I. -Ikernel/lwip -I$(LWIP)/src/include
LDFLAGS  := -nostdlib -static -no-pie -Wl,-T,boot/linker.ld -Wl,--build-id=sha1 \
            -Wl,--gc-sections -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack

# Our sources, by folder (BRIEF.md §4). The drivers and console commands
# find each other through linker sections, so order does not matter.
BOOT_SRCS   := boot/entry.S
KERNEL_SRCS := $(filter-out %.h,$(wildcard kernel/*.c kernel/*.S))
DRIVER_SRCS := $(wildcard drivers/*.c)
NET_SRCS    := $(wildcard net/*.c net/*/*.c)
CONFIG_SRCS := $(wildcard config/*.c config/*.S)
OWN_SRCS    := $(BOOT_SRCS) $(KERNEL_SRCS) $(DRIVER_SRCS) $(NET_SRCS) $(CONFIG_SRCS)

# Bindings join pure code to lwIP and the drivers; everything else under
# net/ and config/ is pure (no I/O, no lwIP header: `make lint` checks it)
# and is built for the host too, linked into every unit test.
BIND_SRCS   := net/switch/network.c net/switch/network_setup.c net/switch/network_guard.c \
               net/switch/network_loop.c net/switch/network_cli.c net/switch/overlay.c \
               net/nat/gateway.c net/nat/egress.c net/services.c config/apply.c
PURE_SRCS   := kernel/lineedit.c kernel/cli.c kernel/memmap.c kernel/bootinfo.c kernel/memory_account.c kernel/arena.c \
               drivers/e1000_core.c drivers/virtqueue.c drivers/offload.c \
               $(filter-out $(BIND_SRCS),$(NET_SRCS) $(wildcard config/*.c))

# lwIP, unmodified: core IPv4 and the Ethernet layer.
LWIP_SRCS = $(wildcard $(LWIP)/src/core/*.c) $(wildcard $(LWIP)/src/core/ipv4/*.c) \
            $(LWIP)/src/netif/ethernet.c

IMG_OBJS  = $(patsubst %,$(BUILD)/img/%.o,$(OWN_SRCS))
LWIP_OBJS = $(patsubst $(LWIP)/%.c,$(BUILD)/lwip/%.o,$(LWIP_SRCS))
LIBGCC   := $(shell $(CC) -print-libgcc-file-name)

FUZZERS    := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 300
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/host/%,$(wildcard tests/unit/test_*.c))
HOSTFLAGS  := -std=c11 -O1 -g $(WARN) -I. -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

.PHONY: FORCE all help deps run demo test unit integration iso size bench bench-quick fuzz lint format clean distclean

all: $(BUILD)/unigate.elf ## build the image (build/unigate.elf)

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

deps: $(DEPS)/deps.mk ## install packages, fetch and verify lwIP/picolibc, build picolibc

# Including this file makes make fetch the dependencies first and then start
# over, so that the wildcards above see the lwIP sources on a first run.
NODEPS_GOALS := help clean distclean lint format
ifneq ($(filter-out $(NODEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
include $(DEPS)/deps.mk
endif

$(DEPS)/deps.mk: tools/deps.sh tools/deps.sha256
	@tools/deps.sh all
	@mkdir -p $(DEPS) && echo "# tools/deps.sh all completed" > $@

# Objects rebuild when the flags change, not only when sources do.
$(BUILD)/flags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CC) $(KFLAGS) $(KINC) $(LDFLAGS)' | cmp -s - $@ || \
		echo '$(CC) $(KFLAGS) $(KINC) $(LDFLAGS)' > $@
	@echo '$(VERSION)' | cmp -s - $(BUILD)/version || echo '$(VERSION)' > $(BUILD)/version

# The baked-in config is .incbin'd: rebuild when it changes.
$(BUILD)/img/config/default_conf.S.o: config/default.conf

# Only version.c sees the version string, so a new commit rebuilds one file.
$(BUILD)/img/kernel/version.c.o: $(BUILD)/version
$(BUILD)/img/kernel/version.c.o: KDEFS := -DUNIGATE_VERSION='"$(VERSION)"'
$(BUILD)/version: $(BUILD)/flags

FORCE:

$(BUILD)/img/%.c.o: %.c $(BUILD)/flags
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KFLAGS) $(WARN) $(KINC) $(KDEFS) -MMD -MP -c $< -o $@

$(BUILD)/img/%.S.o: %.S $(BUILD)/flags
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KFLAGS) $(KINC) -MMD -MP -c $< -o $@

# lwIP is third-party code: its own warnings are not ours to fix.
$(BUILD)/lwip/%.o: $(LWIP)/%.c $(BUILD)/flags
	@mkdir -p $(dir $@)
	@echo "  CC      lwip/$*.c"
	@$(CC) $(KFLAGS) -w $(KINC) -MMD -MP -c $< -o $@

$(BUILD)/unigate.elf: $(IMG_OBJS) $(LWIP_OBJS) boot/linker.ld
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $(IMG_OBJS) $(LWIP_OBJS) $(LIBC)/lib/libc.a $(LIBGCC)
	@size=$$(stat -c %s $@); echo "  IMAGE   $@: $$((size / 1024)) KiB"

iso: $(BUILD)/unigate.iso ## GRUB ISO for hardware and UEFI/BIOS VMs (Multiboot2, console on COM1)

$(BUILD)/unigate.iso: $(BUILD)/unigate.elf boot/iso/grub.cfg
	@echo "  ISO     $@"
	@rm -rf $(BUILD)/iso && mkdir -p $(BUILD)/iso/boot/grub
	@cp $(BUILD)/unigate.elf $(BUILD)/iso/boot/
	@cp boot/iso/grub.cfg $(BUILD)/iso/boot/grub/
	@grub-mkrescue -o $@ $(BUILD)/iso 2>$(BUILD)/iso.log || { cat $(BUILD)/iso.log; exit 1; }

size: $(BUILD)/unigate.elf ## report the image size (goal: under 512 KiB)
	@size -A $< | awk '$$1 ~ /^\./ && $$2 > 0 { printf "  %-10s %8d\n", $$1, $$2 }'
	@echo "  file      $$(stat -c %s $<) bytes ($$(( $$(stat -c %s $<) / 1024 )) KiB; goal < 512 KiB)"

# make run: three virtio-net ports on unix datagram sockets in build/run/, so
# guest VMs can attach without root (README.md, "Attaching guests"). No user
# networking: -nodefaults drops QEMU's default NIC.
RUN_PORTS := $(foreach i,0 1 2,-netdev dgram,id=eth$(i),local.type=unix,local.path=$(BUILD)/run/eth$(i).sock,remote.type=unix,remote.path=$(BUILD)/run/eth$(i).guest -device virtio-net-pci,netdev=eth$(i))
QEMU_RUN := qemu-system-x86_64 -machine q35 -m 64M -kernel $(BUILD)/unigate.elf \
            -nodefaults -display none -serial mon:stdio -no-reboot \
            -device isa-debug-exit,iobase=0xf4,iosize=0x04 $(RUN_PORTS)

run: $(BUILD)/unigate.elf ## boot the image in QEMU with the console on this terminal (ctrl-a x quits)
	@mkdir -p $(BUILD)/run && rm -f $(BUILD)/run/*.sock
	@echo "Booting unigate under QEMU (TCG). Ports eth0..eth2 are unix datagram sockets"
	@echo "build/run/ethN.sock; a guest attaches with local.path=build/run/ethN.guest,"
	@echo "remote.path=build/run/ethN.sock. 'halt' or ctrl-a x leaves."
	@$(QEMU_RUN); st=$$?; [ $$st -eq 0 ] || [ $$st -eq 1 ]

demo: $(BUILD)/unigate.elf ## boot unigate with two guest namespaces and show them using it
	@tools/demo.py

# Host programs rebuild when their flags or any of our headers change.
OWN_HDRS   := $(wildcard kernel/*.h drivers/*.h net/*.h net/*/*.h config/*.h tests/unit/*.h)
$(BUILD)/host/flags: FORCE
	@mkdir -p $(dir $@)
	@echo '$(HOSTFLAGS)' | cmp -s - $@ || echo '$(HOSTFLAGS)' > $@

$(BUILD)/host/test_%: tests/unit/test_%.c $(PURE_SRCS) $(OWN_HDRS) $(BUILD)/host/flags
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(CC) $(HOSTFLAGS) $< $(PURE_SRCS) -lcmocka -o $@

# Tests that include a driver whole (to reach its static functions).
$(BUILD)/host/test_virtio_net: drivers/virtio_net.c
$(BUILD)/host/test_virtio_rng: drivers/virtio_rng.c kernel/random.c

# ---- Host tests of the bindings (tests/bind/) --------------------------------
# The binding files (BIND_SRCS) run on the host, frame in, frame out: lwIP
# built for the host with the image's lwipopts.h, linked with the bindings, the
# pure sources, the poller registry and fakes of the ports, clock, random, console
# and fw_cfg (tests/bind/*.c but bind_*.c). Each tests/bind/bind_NAME.c is a
# cmocka program build/host/bind_NAME. --wrap routes our objects' allocations
# through tests/bind/fake_alloc.c, which can make any one of them fail.
BIND_TESTS   := $(patsubst tests/bind/%.c,$(BUILD)/host/%,$(wildcard tests/bind/bind_*.c))
BIND_HSRCS   := $(BIND_SRCS) $(PURE_SRCS) kernel/poll.c kernel/lwip_port.c drivers/netdev_tx.c \
                $(filter-out tests/bind/bind_%.c,$(wildcard tests/bind/*.c))
BIND_FLAGS   := $(HOSTFLAGS) -Ikernel/lwip -I$(LWIP)/src/include
BIND_WRAP    := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=aligned_alloc,--wrap=free \
                -Wl,--wrap=udp_new,--wrap=dhcp_start
BIND_OBJ     := $(BUILD)/host/bind-obj
BIND_OBJS     = $(patsubst %.c,$(BIND_OBJ)/%.o,$(BIND_HSRCS)) $(BIND_OBJ)/config/default_conf.o \
                $(patsubst $(LWIP)/%.c,$(BIND_OBJ)/lwip/%.o,$(LWIP_SRCS))
.SECONDARY: $(BIND_OBJS)

# Objects rebuild when the flags change, as the image's do.
$(BIND_OBJ)/flags: FORCE
	@mkdir -p $(BIND_OBJ)
	@echo '$(CC) $(BIND_FLAGS)' | cmp -s - $@ || echo '$(CC) $(BIND_FLAGS)' > $@

$(BIND_OBJ)/lwip/%.o: $(LWIP)/%.c $(BIND_OBJ)/flags
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  lwip/$*.c"
	@$(CC) $(BIND_FLAGS) -w -MMD -MP -c $< -o $@

$(BIND_OBJ)/config/default_conf.o: config/default_conf.S config/default.conf
	@mkdir -p $(dir $@)
	@$(CC) -c $< -o $@

$(BIND_OBJ)/%.o: %.c $(BIND_OBJ)/flags
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(CC) $(BIND_FLAGS) -MMD -MP -c $< -o $@

$(BUILD)/host/bind_%: tests/bind/bind_%.c $(BIND_OBJS)
	@echo "  HOSTLD  $@"
	@$(CC) $(BIND_FLAGS) $< $(BIND_OBJS) $(BIND_WRAP) -lcmocka -o $@
# ---- end of the binding tests ------------------------------------------------

unit: $(UNIT_TESTS) $(BIND_TESTS) ## build and run the host unit tests
	@tests/run.sh unit $(UNIT_TESTS) $(BIND_TESTS)

# build/peer: Debian's kernel and iproute2 in a small initramfs (tools/peer), the
# Linux router VM of make bench and the VLAN-filtering Linux bridge of
# test_vlan_linux.py.
integration: $(BUILD)/unigate.elf $(BUILD)/unigate.iso $(BUILD)/peer/initrd.gz ## boot the image in QEMU and drive it
	@tests/run.sh integration

test: $(BUILD)/unigate.elf $(BUILD)/unigate.iso $(BUILD)/peer/initrd.gz $(UNIT_TESTS) $(BIND_TESTS) $(FUZZERS) ## build everything and run every test
	@tests/run.sh all $(UNIT_TESTS) $(BIND_TESTS) $(FUZZERS)

# libFuzzer targets: every tests/fuzz/fuzz_*.c, linked with the pure modules.
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(PURE_SRCS) $(OWN_HDRS) $(BUILD)/host/flags
	@mkdir -p $(dir $@)
	@echo "  FUZZ-CC $@"
	@clang -std=c11 -g -O1 $(WARN) -I. -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $< $(PURE_SRCS) -o $@

fuzz: $(FUZZERS) ## run every fuzzer for FUZZ_SECONDS (default 300) each
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run.sh fuzz $(FUZZERS)

$(BUILD)/host/bench_switch: tests/unit/bench_switch.c $(PURE_SRCS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(CC) -std=c11 -O2 $(WARN) -I. $< $(PURE_SRCS) -o $@

# The Linux router VM that make bench measures unigate against (issue 10).
$(BUILD)/peer/initrd.gz: tools/peer/build.py tools/peer/init tools/peer/nat.nft tools/peer/dnsmasq.conf
	@tools/peer/build.py $(BUILD)/peer

bench: $(BUILD)/unigate.elf $(BUILD)/host/bench_switch $(BUILD)/peer/initrd.gz ## unigate beside a Linux router VM, 3 runs (build/bench.md); switch tables
	@tools/bench.py
	@echo "host: MAC table and switch decision (gcc -O2)"
	@$(BUILD)/host/bench_switch

bench-quick: $(BUILD)/unigate.elf $(BUILD)/peer/initrd.gz ## make bench in short: one run, 2 s transfers, no -m bisection
	@BENCH_QUICK=1 tools/bench.py

lint: ## check formatting against .clang-format, and the layout rules
	@files=$$(git ls-files '*.c' '*.h'); \
	clang-format --dry-run --Werror $$files && echo "  LINT    $$(echo $$files | wc -w) files clean"
	@bad=$$(grep -l '#include "\(lwip\|netif\|arch\)/' $(PURE_SRCS) $(patsubst %.c,%.h,$(filter net/% config/%,$(PURE_SRCS))) 2>/dev/null); \
	[ -z "$$bad" ] || { echo "  LINT    pure files include lwIP headers: $$bad"; exit 1; }; \
	echo "  LINT    pure files include no lwIP header"
	@bad=$$(git grep -l '"net/nat/nat_impl.h"' -- '*.c' '*.h' ':!net/nat/' ':!tests/'); \
	[ -z "$$bad" ] || { echo "  LINT    only net/nat/ includes nat_impl.h: $$bad"; exit 1; }; \
	echo "  LINT    only net/nat/ includes the NAT internals"
	@bad=$$(git grep -l '"net/switch/network_impl.h"' -- '*.c' '*.h' ':!net/switch/network*' ':!tests/'); \
	[ -z "$$bad" ] || { echo "  LINT    only net/switch/network*.c include network_impl.h: $$bad"; exit 1; }; \
	echo "  LINT    only net/switch/network*.c include the network internals"

format: ## reformat our sources with .clang-format
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean: ## remove build/
	rm -rf $(BUILD)

distclean: clean ## remove build/ and deps/ (fetched sources)
	rm -rf $(DEPS)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
