#!/usr/bin/env bash
# The Debian packages the integration tests need, installed when missing (npm's `pretest`, so
# the README's `npm ci && npm test` passes on a fresh machine): a real Prometheus server and
# promtool (test/integration/prometheus.test.ts), Chromium with a font, driven by
# playwright-core (test/integration/dashboard.test.ts), the PostgreSQL server the tests
# start throwaway clusters of (testkit/pg-cluster.ts), and HAProxy in front of several
# coordinators (test/integration/haproxy.test.ts). Prints one line when it installs.
set -euo pipefail

need=()
{ [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ]; } || need+=(prometheus)
[ -x /usr/bin/chromium ] || need+=(chromium fonts-liberation)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
[ -x /usr/sbin/haproxy ] || need+=(haproxy)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    echo "npm test needs Debian packages it cannot install without root: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "npm test: installing Debian packages for the integration tests: ${need[*]} (apt-get, about 2 minutes, once)" >&2
  # Keep packaged services from starting: the tests run their own on free ports
  # (policy-rc.d exit 101 = "do not start services", as in Docker images).
  made_policy=""
  if ! [ -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${as_root[@]}" chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # With Debian's recommended packages: the combination proven on this kind of machine.
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  if [ -n "$made_policy" ]; then "${as_root[@]}" rm -f /usr/sbin/policy-rc.d; fi
fi

# A packaged Prometheus started by an init system would hold :9090; stop it (only it).
if [ -x /etc/init.d/prometheus ] && [ "$(id -u)" -eq 0 ]; then
  /etc/init.d/prometheus stop >/dev/null 2>&1 || true
fi
