#!/usr/bin/env bash
# Both configurations at 6 runs a cell against .NET's 6, all in one boot of this machine: this folder's first sweep
# (.NET and the grid's configuration, 3 runs each) and item/ (the connection-item variant, 3), then a second sweep of
# each (grid6/: the grid as committed again, both sides; item6/: the variant again). fidelity_self.py pools each
# side's runs by cell: the resolution at k = 1..3 and the permutation test (k = 3, 2,000 relabelings a cell, seed 1;
# 924 labelings a cell at 6 + 6, so a cell can be shown to differ after Holm's adjustment over 14). The grid's
# configuration's into runtime_vs_runtime.json (this folder's report quotes it) and permutation-config-6.md, the
# variant's into permutation-item-6.md; then the report again (plot.py).
#   permutation6.sh GRID_RUN_2 ITEM_RUN_2        (the second sweeps' run directories; about a minute)
set -euo pipefail
grid2=$(realpath "$1"); item2=$(realpath "$2")
cd "$(dirname "$0")/../.."
here=results/dotnet-fidelity-m3-20261207
rm -rf "${here}/grid6" "${here}/item6"
cp -r "${grid2}" "${here}/grid6"; cp -r "${item2}" "${here}/item6"
python3 scripts/fidelity_self.py "${here}" "${here}/grid6" --model "${here}" "${here}/grid6" --permutations 2000 \
  --seed 1 --write "${here}" | sed -n '/^## Resolution/,$p' > "${here}/permutation-config-6.md"
python3 scripts/fidelity_self.py "${here}" "${here}/grid6" --model "${here}/item" "${here}/item6" \
  --permutations 2000 --seed 1 | sed -n '/^## Resolution/,$p' > "${here}/permutation-item-6.md"
/usr/bin/python3 scripts/plot.py "${here}"  # python3-matplotlib
rm -rf "${here}/timeline" "${here}/index.html"; sed -i "/^Per-point timelines:/d" "${here}/report.md"  # not kept: their size
