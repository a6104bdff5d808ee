"""Run the notebook test suite and end with one line `notebooks: N passed, N failed`.

Usage: python tools/nbtest.py [--flags "slow browser"] [--n-workers N] [PATH]
It runs what `nbdev-test` runs (same globbing, same skip flags from pyproject.toml) and names each notebook
with its result and time, so CI logs show where time went."""
import argparse, os, sys, tempfile, time
from pathlib import Path
from fastcore.parallel import parallel
from nbdev.config import get_config
from nbdev.doclinks import nbglob
from nbdev.test import test_nb, _keep_file

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('path', nargs='?', default=None, help='a notebook or folder (default: the nbs folder)')
    ap.add_argument('--flags', default='', help='space-separated test flags to run, e.g. "slow browser"')
    ap.add_argument('--n-workers', type=int, default=2)
    args = ap.parse_args()
    cfg = get_config()
    skip = cfg.tst_flags.split() if isinstance(cfg.tst_flags, str) else list(cfg.tst_flags)
    files = nbglob(args.path, as_path=True) if args.path and Path(args.path).is_dir() or not args.path else [Path(args.path)]
    files = [f.absolute() for f in sorted(files) if _keep_file(f, '.notest')]
    if not files: sys.exit('no notebooks found to test')
    os.chdir(cfg.nbs_path)
    # weights by name (zoo:NAME) come from the shared test data into an empty cache, never from the internet
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tools.testing import has_shared_data, shared_data
    if has_shared_data() and not os.environ.get('GANDIRS_ZOO_URL'):
        os.environ['GANDIRS_ZOO_URL'] = shared_data().as_uri() + '/'
        os.environ.setdefault('GANDIRS_CACHE', tempfile.mkdtemp(prefix='gandirs-zoo-'))
    # one math thread per notebook process: with 2 workers on 2 cores, more threads only spin against each other
    os.environ.setdefault('OMP_NUM_THREADS', '1'); os.environ.setdefault('MKL_NUM_THREADS', '1')
    t0 = time.time()
    res = parallel(test_nb, files, skip_flags=skip, force_flags=args.flags.split(), n_workers=args.n_workers,
                   basepath=cfg.config_path, cell_timeout=cfg.cell_timeout, pause=0.01)
    for f, (ok, secs) in zip(files, res): print(f"{'PASS' if ok else 'FAIL'} {secs:7.1f}s  {f.relative_to(cfg.nbs_path)}")
    n_ok = sum(ok for ok, _ in res)
    print(f"total {time.time()-t0:.0f}s")
    print(f"notebooks: {n_ok} passed, {len(files)-n_ok} failed")
    sys.exit(0 if n_ok == len(files) else 1)

if __name__ == '__main__': main()
