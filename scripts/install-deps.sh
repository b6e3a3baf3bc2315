#!/usr/bin/env bash
# Installs what the demo and the tests need on a Debian machine, as root, when it is missing:
# a JDK (17+), Maven, the software TPM (swtpm on IBM's libtpms), tpm2-tools as the
# independent verifier of our quotes and event logs, and qemu-utils (qemu-io, qemu-img) as real
# NBD clients of the agent's disk exports.
set -euo pipefail

missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v swtpm >/dev/null 2>&1 || missing+=(swtpm)
command -v swtpm_setup >/dev/null 2>&1 || missing+=(swtpm-tools)
command -v tpm2_checkquote >/dev/null 2>&1 || missing+=(tpm2-tools)
command -v qemu-io >/dev/null 2>&1 || missing+=(qemu-utils)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages: ${missing[*]}; install them as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q "${missing[@]}" >&2
