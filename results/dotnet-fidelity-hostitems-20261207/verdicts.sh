#!/usr/bin/env bash
# This folder's grid and its verdicts, from the three sweeps run here (see README.md): .NET's 6 runs and the grid's
# configuration's 3 (make_grids.py's grid_config.json) combined into this folder, the connection-item variant's 3
# (grid_item.json) in item/; then each configuration against .NET by fidelity_self.py (resolution at k = 1..3 and a
# permutation test, 2,000 relabelings, seed 1): the configuration's into runtime_vs_runtime.json (the report quotes
# it) and permutation-config.md, the variant's into permutation-item.md; then the report (plot.py).
#   verdicts.sh NET_RUN CONFIG_RUN ITEM_RUN        (the sweeps' run directories; about 10 minutes)
set -euo pipefail
net=$(realpath "$1"); config=$(realpath "$2"); item=$(realpath "$3")
cd "$(dirname "$0")/../.."
here=results/dotnet-fidelity-hostitems-20261207
tmp=$(mktemp -d); trap 'rm -rf "${tmp}"' EXIT
python3 scripts/combine_runs.py "${tmp}/combined" --grid "${here}/grid_config.json" \
  --take "${net}=aspnetcore" --take "${config}=sync elastic"
cp -r "${tmp}/combined/." "${here}/"
rm -rf "${here}/item"; cp -r "${item}" "${here}/item"; cp "${here}/grid_item.json" "${here}/item/grid_source.json"
python3 "${here}/halves.py" "${here}" "${tmp}/net-runs-1" "${tmp}/net-runs-2"
python3 scripts/fidelity_self.py "${tmp}/net-runs-1" "${tmp}/net-runs-2" --model "${here}" --permutations 2000 \
  --seed 1 --write "${here}" | sed -n '/^## Resolution/,$p' > "${here}/permutation-config.md"
python3 scripts/fidelity_self.py "${tmp}/net-runs-1" "${tmp}/net-runs-2" --model "${here}/item" --permutations 2000 \
  --seed 1 | sed -n '/^## Resolution/,$p' > "${here}/permutation-item.md"
/usr/bin/python3 scripts/plot.py "${here}"  # python3-matplotlib
rm -rf "${here}/timeline" "${here}/index.html"; sed -i "/^Per-point timelines:/d" "${here}/report.md"  # not kept: their size
