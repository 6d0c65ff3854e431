#!/usr/bin/env bash
# The grid's configuration at 6 runs a cell against .NET's 6: this folder's 3 (verdicts.sh) and config6/'s 3 more,
# the permutation test at k = 3 (2,000 relabelings a cell, seed 1; 924 labelings a cell, so a cell can be shown to
# differ after Holm's adjustment) into permutation-config-6.md.
#   permutation6.sh CONFIG_RUN_2        (the second sweep's run directory; about 5 minutes)
set -euo pipefail
second=$(realpath "$1")
cd "$(dirname "$0")/../.."
here=results/dotnet-fidelity-hostitems-20261207
rm -rf "${here}/config6"; cp -r "${second}" "${here}/config6"; cp "${here}/grid_config.json" "${here}/config6/grid_source.json"
tmp=$(mktemp -d); trap 'rm -rf "${tmp}"' EXIT
python3 "${here}/halves.py" "${here}" "${tmp}/net-runs-1" "${tmp}/net-runs-2"
python3 scripts/fidelity_self.py "${tmp}/net-runs-1" "${tmp}/net-runs-2" --model "${here}" "${here}/config6" \
  --permutations 2000 --seed 1 | sed -n '/^## Resolution/,$p' > "${here}/permutation-config-6.md"
