#!/usr/bin/env bash
# CI: the notebooks run in Jupyter's own execution stack, exactly as JupyterLab runs them.
# Installs jupyterlab + nbclient + nbconvert + nbformat into a virtualenv (from the local package
# index by default), registers the tslab kernel there (binary: scripts/tslab-kernel.js, which makes
# `import fg from 'facegan'` resolve in the notebook's folder), injects smoke parameters into
# notebooks/02-fer-per-emotion.ipynb with our runner (--prepare-only: no execution), executes it with
# `jupyter nbconvert --execute --ExecutePreprocessor.kernel_name=tslab`, and checks the executed
# notebook: valid nbformat, no errors, the loss plot, the grids (PNG) and the GIF, the run directory.
# Then an executed notebook (02 showing that run) is copied with plain `cp` into a fresh folder
# outside the project, where nothing links the package beforehand, and executed there by Jupyter.
#   FACEGAN_JUPYTER_VENV   virtualenv folder (default .venv-jupyter, git-ignored)
#   FACEGAN_PIP_INDEX      pip index options (default: the machine's local index)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${FACEGAN_JUPYTER_VENV:-.venv-jupyter}"
PIP_INDEX="${FACEGAN_PIP_INDEX:---index-url file:///opt/pypi/simple --extra-index-url file:///opt/pypi-more/simple}"

echo "== notebooks: Jupyter execution stack in $VENV"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
# shellcheck disable=SC2086  # PIP_INDEX is a list of options
"$VENV/bin/pip" install -q --disable-pip-version-check $PIP_INDEX jupyterlab nbclient nbconvert nbformat
"$VENV/bin/python" -c 'import jupyterlab, nbclient, nbconvert, nbformat; print("jupyterlab", jupyterlab.__version__, "nbclient", nbclient.__version__, "nbconvert", nbconvert.__version__, "nbformat", nbformat.__version__)'

echo "== notebooks: tslab kernel (binary scripts/tslab-kernel.js)"
node_modules/.bin/tslab install --python="$PWD/$VENV/bin/python" --sys-prefix --binary="$PWD/scripts/tslab-kernel.js"
"$VENV/bin/jupyter" kernelspec list | grep -E '^\s*tslab\s' || { echo "tslab kernel not registered" >&2; exit 1; }
grep -qF "\"$PWD/scripts/tslab-kernel.js\"" "$VENV/share/jupyter/kernels/tslab/kernel.json" \
  || { echo "the tslab kernel does not start scripts/tslab-kernel.js: $(cat "$VENV/share/jupyter/kernels/tslab/kernel.json")" >&2; exit 1; }

work="$(mktemp -d)"
away="$(mktemp -d)"
# The prepared copy sits outside the project: the kernel runs in its folder, where `import fg from
# 'facegan'` resolves through the link the runner makes (lib/notebook/runner/link.ts).
prepared="$work/02-fer-per-emotion.ipynb"
trap 'rm -rf "$work" "$away"' EXIT

echo "== notebooks: inject smoke parameters (runner, --prepare-only)"
npx tsx scripts/notebook.ts notebooks/02-fer-per-emotion.ipynb --prepare-only \
  -p preset=smoke -p emotion=happy -p out_dir="$work/run" -o "$prepared"

echo "== notebooks: jupyter nbconvert --execute with the tslab kernel"
"$VENV/bin/jupyter" nbconvert --to notebook --execute \
  --ExecutePreprocessor.kernel_name=tslab --ExecutePreprocessor.timeout=900 \
  --output-dir "$work" --output executed.ipynb "$prepared"

echo "== notebooks: check the executed notebook"
"$VENV/bin/python" - "$work/executed.ipynb" "$work/run" <<'PY'
import base64, os, sys, nbformat
path, run_dir = sys.argv[1], sys.argv[2]
nb = nbformat.read(path, as_version=4)
nbformat.validate(nb)
outs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
errors = [o for o in outs if o.output_type == "error" or (o.output_type == "stream" and o.name == "stderr" and "Error" in o.text)]
assert not errors, f"error outputs: {errors[:2]}"
pngs = [base64.b64decode(o.data["image/png"]) for o in outs if o.output_type == "display_data" and "image/png" in o.data]
gifs = [base64.b64decode(o.data["image/gif"]) for o in outs if o.output_type == "display_data" and "image/gif" in o.data]
assert len(pngs) >= 5, f"expected >= 5 PNG outputs (loss plot, grids, strip, real vs fake, samples), got {len(pngs)}"
assert all(p[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs), "PNG outputs must be PNGs"
assert len(gifs) >= 1 and gifs[0][:6] == b"GIF89a", "expected the animated GIF of the grids across epochs"
alts = [o.data.get("text/plain", "") for o in outs if o.output_type == "display_data" and "image/png" in o.data]
assert any("loss plot" in a for a in alts), f"no loss plot among {alts}"
assert any("fixed-noise samples" in a for a in alts), f"no sample grid among {alts}"
scraps = {o.data["application/scrapbook.scrap.json+json"]["name"]: o.data["application/scrapbook.scrap.json+json"]["data"]
          for o in outs if o.output_type == "display_data" and "application/scrapbook.scrap.json+json" in o.data}
assert scraps.get("run_dir") == run_dir, f"run_dir scrap {scraps.get('run_dir')} != {run_dir}"
for f in ["config.json", "losses.csv", "samples/epoch-001.png", "samples/final.png", "samples/epochs.gif"]:
    assert os.path.exists(os.path.join(run_dir, f)), f"{f} missing in {run_dir}"
gif_html = [o.data["text/html"] for o in outs if o.output_type == "display_data" and "image/gif" in o.data]
assert gif_html and "".join(gif_html[0]).startswith('<img src="data:image/gif;base64,'), "the GIF output also carries text/html"
print(f"ok: {path}: {len(nb.cells)} cells, {len(pngs)} PNG + {len(gifs)} GIF outputs, run {run_dir}")
PY

echo "== notebooks: nbconvert --to html shows the animated GIF"
"$VENV/bin/jupyter" nbconvert --to html --output-dir "$work" --output executed.html "$work/executed.ipynb"
grep -q '<img[^>]*src="data:image/gif;base64,R0lGOD' "$work/executed.html" || { echo "no GIF in the HTML export" >&2; exit 1; }

echo "== notebooks: an executed notebook copied with plain cp runs with jupyter nbconvert --execute"
# The notebook executed above trained into out_dir, which now holds a run (training there again is
# refused by design), so the notebook copied is 02 executed over that run (run_dir: shows it,
# trains nothing). $away is a fresh folder outside the project: no node_modules/facegan in it or
# above it until the kernel launcher makes one.
npx tsx scripts/notebook.ts notebooks/02-fer-per-emotion.ipynb --prepare-only -p run_dir="$work/run" -o "$work/shown.ipynb"
"$VENV/bin/jupyter" nbconvert --to notebook --execute \
  --ExecutePreprocessor.kernel_name=tslab --ExecutePreprocessor.timeout=900 \
  --output-dir "$work" --output shown-executed.ipynb "$work/shown.ipynb"
case "$away/" in "$PWD"/*) echo "$away is inside the project" >&2; exit 1 ;; esac
node -e 'const p = require("./scripts/tslab-kernel.js").faceganPackageFrom(process.argv[1]); if (p) { console.error(`${p} already provides facegan to ${process.argv[1]}: the check would prove nothing`); process.exit(1); }' "$away"
cp "$work/shown-executed.ipynb" "$away/copy.ipynb"
# nbconvert runs here, in the project; Jupyter starts the kernel in the notebook's folder ($away)
"$VENV/bin/jupyter" nbconvert --to notebook --execute \
  --ExecutePreprocessor.kernel_name=tslab --ExecutePreprocessor.timeout=900 "$away/copy.ipynb"
"$VENV/bin/python" - "$away/copy.nbconvert.ipynb" "$away/copy.ipynb" <<'PY'
import sys, nbformat
path, original = sys.argv[1], sys.argv[2]
nb = nbformat.read(path, as_version=4)
nbformat.validate(nb)
outs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
errors = [o for o in outs if o.output_type == "error" or (o.output_type == "stream" and o.name == "stderr" and "Error" in o.text)]
assert not errors, f"error outputs in the copy: {errors[:2]}"
# nbclient clears each cell's outputs before running it (tslab sends no execution_count), so the
# same displays per cell as the copied notebook's (streams aside: their chunking varies) means every
# cell ran again and showed the same things
kinds = lambda n: [sorted(",".join(sorted(o.data)) for o in c.outputs if o.output_type != "stream") for c in n.cells if c.cell_type == "code"]
assert kinds(nb) == kinds(nbformat.read(original, as_version=4)), f"outputs differ from the copied notebook's: {kinds(nb)}"
assert any(o.output_type == "display_data" and "image/gif" in o.data for o in outs), "the copy shows the run's GIF again"
print(f"ok: {path}: the plain copy ran ({len(nb.cells)} cells, {len(outs)} outputs, as in the copied notebook)")
PY
[ "$(cd "$away/node_modules/facegan" && pwd -P)" = "$(pwd -P)" ] \
  || { echo "$away/node_modules/facegan does not lead to this project" >&2; exit 1; }
