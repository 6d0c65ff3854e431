#!/usr/bin/env bash
# .NET against itself across machines: this machine's 6 runs (here, runs 1-3 against 4-6: halves.py) and the clean
# reference of the grid's machine (../dotnet-fidelity-netfix-20261207: 3 runs, ../dotnet-fidelity-clean-20261207/net:
# 6), every pair of them judged by the fidelity rule (fidelity_self.py's pair verdicts), then this machine's own
# resolution at k = 3.          machines.sh > machines.txt      (run from anywhere; seconds)
set -euo pipefail
cd "$(dirname "$0")/../.."
here=results/dotnet-fidelity-hostitems-20261207
tmp=$(mktemp -d); trap 'rm -rf "${tmp}"' EXIT
python3 "${here}/halves.py" "${here}" "${tmp}/here-runs-1" "${tmp}/here-runs-2"
echo "pair verdicts (3 or 6 runs a side):"
python3 scripts/fidelity_self.py results/dotnet-fidelity-netfix-20261207 results/dotnet-fidelity-clean-20261207/net \
  "${tmp}/here-runs-1" "${tmp}/here-runs-2" | grep -E "^## .* against |^\*\*[0-9]+ of 14" | paste - - | sed 's/ (the model.*//'
echo "this machine's runtime against itself, k = 3:"
python3 scripts/fidelity_self.py "${tmp}/here-runs-1" "${tmp}/here-runs-2" | grep -E "^\| 3 \|"
