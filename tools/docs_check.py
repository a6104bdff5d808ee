"""Run nbdev's docs processing on every notebook, without Quarto, and report the notebooks it fails on.

python tools/docs_check.py                 # every notebook nbdev would render
python tools/docs_check.py nbs/05_learner.ipynb nbs/tutorials
python tools/docs_check.py --strict        # also fail on cells that mix imports with other code

It is the step `nbdev-docs` runs before Quarto (`nbdev.serve.proc_nbs` -> `nbdev.serve_drv.main`): the processors
of `nbdev.processors.FilterDefaults`, among them `exec_show_docs`, which executes exported cells, `show_doc` cells
and every cell holding an import, in one fresh kernel per notebook, with cwd at the project root and `IN_TEST=1`,
and none of the notebook's other cells. The project root is on `sys.path` (the deploy workflow sets PYTHONPATH
to the checkout, so hidden `from tools.testing import ...` cells import). A cell that mixes imports with other code therefore runs without the
state the cells before it made. The processed notebooks go to a temporary folder, not to `_proc/`.
Ends with one line `docs: N passed, N failed`."""
import argparse, json, os, subprocess, sys, time, tempfile, traceback, warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from nbdev.config import get_config
from nbdev.doclinks import nbglob

def proc_one(src:Path, # the notebook
             dst:Path, # where the processed notebook is written
            ) -> tuple:
    "Process `src` as `nbdev.serve_drv` does: (ok, seconds, error text, mixed import cells)."
    import nbdev.serve_drv
    from nbdev.processors import FilterDefaults
    os.chdir(get_config().config_path)  # `_pre_docs` anchors the cwd here before processing
    t0 = time.time()
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter('always')
        try: nbdev.serve_drv.main((src, dst, FilterDefaults)); err = ''
        except Exception as e: err = ''.join(traceback.format_exception_only(type(e), e)).strip()
    mixed = [str(w.message).split('---')[1].strip() for w in ws if 'containing imports and other code' in str(w.message)]
    return not err, time.time() - t0, err, mixed

def run_one(src:Path, # the notebook
            dst:Path, # where the processed notebook is written
            timeout:float, # seconds before the notebook counts as failed
           ) -> tuple:
    "`proc_one` in a fresh Python process, as nbdev's spawned workers do: nothing leaks between notebooks."
    t0 = time.time()
    try: r = subprocess.run([sys.executable, __file__, '--one', str(src), str(dst)], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired: return False, time.time() - t0, f'timed out after {timeout:.0f} s', []
    line = r.stdout.strip().splitlines()[-1:]
    if r.returncode or not line or not line[0].startswith('{'):
        return False, time.time() - t0, f'the process exited with {r.returncode}: ' + (r.stderr or r.stdout)[-2000:], []
    return tuple(json.loads(line[0])['res'])

def notebooks(paths:list) -> list:
    "The notebooks `nbdev-docs` would process under each of `paths` (default: the nbs folder)."
    cfg = get_config()
    if not paths: paths = [cfg.nbs_path]
    out = []
    for p in map(Path, paths):
        if p.is_dir(): out += [Path(f) for f in nbglob(p, func=Path)]
        elif p.suffix == '.ipynb' and p.exists(): out.append(p)
        else: sys.exit(f"docs_check: {p} is neither a notebook nor a folder of notebooks")
    return sorted({f.absolute() for f in out})

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('paths', nargs='*', help='notebooks or folders (default: the nbs folder)')
    ap.add_argument('--n-workers', type=int, default=1, help='notebooks processed at a time, one process each')
    ap.add_argument('--strict', action='store_true', help='also fail a notebook that has cells mixing imports with other code')
    ap.add_argument('--timeout', type=float, default=600, help='seconds per notebook')
    ap.add_argument('--one', nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:  # as under the deploy workflow: the project root (PYTHONPATH there) on the path, not tools/
        sys.path[0] = str(get_config().config_path)
        return print(json.dumps(dict(res=proc_one(*map(Path, args.one)))))
    files = notebooks(args.paths)
    if not files: sys.exit('docs_check: no notebooks found')
    root = get_config().config_path
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    with tempfile.TemporaryDirectory() as tmp:
        dsts = [Path(tmp)/f.relative_to(root).as_posix().replace('/', '__') for f in files]
        with ThreadPoolExecutor(max(1, args.n_workers)) as pool:
            res = list(pool.map(run_one, files, dsts, [args.timeout]*len(files)))
    n_fail = 0
    for f, (ok, secs, err, mixed) in zip(files, res):
        bad = not ok or (args.strict and mixed)
        n_fail += bool(bad)
        print(f"{'FAIL' if bad else 'PASS'} {secs:6.1f}s  {f.relative_to(root)}" + (f"  ({len(mixed)} cells mix imports with code)" if mixed else ''))
        if err: print('    ' + err.replace('\n', '\n    ')[-2000:])
        if bad and mixed: print('    first mixed cell:\n        ' + mixed[0].replace('\n', '\n        ')[:600])
    print(f"docs: {len(files) - n_fail} passed, {n_fail} failed")
    sys.exit(1 if n_fail else 0)

if __name__ == '__main__': main()
