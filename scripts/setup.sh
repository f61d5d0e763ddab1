#!/usr/bin/env bash
# Installs what building and testing vipr needs, from Debian's packages, when it is missing.
# Safe to run again: it only calls apt when a package is not installed yet.
set -euo pipefail
pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev libev-dev libssl-dev re2c bison
      libpcre2-dev libmnl-dev libcmocka-dev
      haproxy keepalived nginx-light libnginx-mod-http-echo nftables ipvsadm tcpdump curl socat
      iproute2 wrk hyperfine python3 valgrind openssl # openssl: certificates of the TLS check tests
      qemu-system-x86 busybox-static kmod # qemu..kmod: the IPVS test in a Debian kernel (ipvs_qemu.sh)
      tmux hatop prometheus-haproxy-exporter chromium) # real runtime API clients (rt_clients.sh)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "setup: missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Debian's haproxy, keepalived and nginx are reference implementations for the compat tests;
# do not let their packages start services on this machine.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod +x /usr/sbin/policy-rc.d
apt-get install -y -qq --no-install-recommends "${missing[@]}"
rm -f /usr/sbin/policy-rc.d
