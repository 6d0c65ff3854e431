#!/usr/bin/env bash
# Every configuration of our model measured under issue 29, judged against .NET's 9 clean runs (the tool started
# before the load: ../dotnet-fidelity-netfix-20261207 and net/): the expected number of cells within target when 3 of
# .NET's runs meet 3 of the configuration's (fidelity_self.py's resolution table, k = 3 row).
#   configurations.sh > configurations.txt       (run from anywhere; about 1 minute)
set -euo pipefail
cd "$(dirname "$0")/../.."
here=results/dotnet-fidelity-clean-20261207
net="results/dotnet-fidelity-netfix-20261207 ${here}/net"
while read -r name dirs; do
  # shellcheck disable=SC2086  # the lists of run directories split on purpose
  k3=$(python3 scripts/fidelity_self.py ${net} --model ${dirs} | awk -F'|' '/^\| 3 \|/{print $3 "|" $5; exit}')
  echo "${name} | ${dirs} |${k3}"
done <<'LIST'
pool-alone results/dotnet-fidelity-20261206
ioqueue results/dotnet-fidelity-ioqueue-20261206
ioqueue-warmup results/dotnet-fidelity-ioqueue-warmup-20261206
startup results/dotnet-fidelity-startup-20261206
end results/dotnet-fidelity-end-20261206
timeline results/dotnet-fidelity-timeline-20261206
live-adopted results/dotnet-fidelity-live-adopted-20261207
self-ours results/dotnet-fidelity-self-20261207/ours
grid-config-9 results/dotnet-fidelity-timeline-20261206 results/dotnet-fidelity-live-adopted-20261207 results/dotnet-fidelity-self-20261207/ours
engine results/dotnet-fidelity-engine-20261206
accept results/dotnet-fidelity-accept-20261206
acceptwork results/dotnet-fidelity-acceptwork-20261207
live results/dotnet-fidelity-live-20261207
engine-9 results/dotnet-fidelity-live-20261207 results/dotnet-fidelity-engine-pooled-20261207/engine
item results/dotnet-fidelity-item-20261207
item-6 results/dotnet-fidelity-item-20261207 results/dotnet-fidelity-clean-20261207/item
LIST
