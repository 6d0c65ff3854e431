#!/usr/bin/env bash
# .NET against itself across machines: this machine's 6 runs (net/, split into runs 1-3 and 4-6) and the clean
# reference of the grid's machine (../dotnet-fidelity-netfix-20261207: 3 runs, ../dotnet-fidelity-clean-20261207/net:
# 6), every pair of them judged by the fidelity rule (fidelity_self.py's pair verdicts), then this machine's own
# resolution at k = 3.          machines.sh > machines.txt      (run from anywhere; seconds)
set -euo pipefail
cd "$(dirname "$0")/../.."
here=results/dotnet-fidelity-hostitems-20261207
tmp=$(mktemp -d); trap 'rm -rf "${tmp}"' EXIT
for half in 1 2; do
  cp -r "${here}/net" "${tmp}/here-runs-${half}"
  python3 - "${here}/net/summary.csv" "${tmp}/here-runs-${half}/summary.csv" "${half}" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
reps = {"1": ("r1", "r2", "r3"), "2": ("r4", "r5", "r6")}[sys.argv[3]]
point = rows[0].index("point")
csv.writer(open(sys.argv[2], "w", newline="")).writerows([rows[0]] + [r for r in rows[1:] if r[point].rsplit("-", 1)[1] in reps])
PY
done
echo "pair verdicts (3 or 6 runs a side):"
python3 scripts/fidelity_self.py results/dotnet-fidelity-netfix-20261207 results/dotnet-fidelity-clean-20261207/net \
  "${tmp}/here-runs-1" "${tmp}/here-runs-2" | grep -E "^## .* against |^\*\*[0-9]+ of 14" | paste - - | sed 's/ (the model.*//'
echo "this machine's runtime against itself, k = 3:"
python3 scripts/fidelity_self.py "${tmp}/here-runs-1" "${tmp}/here-runs-2" | grep -E "^\| 3 \|"
