"""The package as its users meet it: build the sdist and wheel, check them as the package index shows them, install
the wheel in a fresh virtual environment outside the checkout, and run every command, every method and every
tutorial there (at the small scale), with weights from the package, its extras or the catalogue.

python tools/wheel_check.py                   # everything (CI)
python tools/wheel_check.py --skip tutorials  # parts: build, commands, methods, tutorials
python tools/wheel_check.py --keep            # keep the temporary folder (venv, runs) and print where it is

The catalogue (`zoo:NAME`) is pointed at a server on 127.0.0.1 serving the shared test data
(`GANDIRS_ZOO_URL`), and its cache at an empty folder: nothing comes from the internet but pip's packages.
Ends with one line `wheel check: N passed, N failed`."""
import argparse, json, os, re, shutil, socket, subprocess, sys, tarfile, tempfile, time, venv
from concurrent.futures import ThreadPoolExecutor
from email import message_from_string
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.testing import shared_data

TORCH = 'torch==2.13.0'  # the CPU wheel, as .ci/run installs it: an unpinned torch pulls GB of CUDA packages
EXTRAS = 'stlpips,metrics'
METHOD_GENERATOR = {'sefa': 'dsprites'}  # SeFa factorises a first layer reading z, which the toy renderer has not
HARNESS = ['execnb']  # runs the tutorials as nbdev-test does (an IPython shell), not part of the package
TST_SKIP = 'notest slow browser cuda'  # pyproject's tst_flags: what the test suite skips by default

results = []

def check(name:str, ok:bool, secs:float, detail:str=''):
    "Record and print one check."
    results.append((name, ok, secs))
    print(f"{'PASS' if ok else 'FAIL'} {secs:6.1f}s  {name}" + (f"\n    {detail[-3000:].replace(chr(10), chr(10) + '    ')}" if detail and not ok else ''), flush=True)
    return ok

def run(name:str, cmd:list, timeout:float=600, **kw) -> subprocess.CompletedProcess|None:
    "Run `cmd` as one check: passes on exit status 0."
    t0 = time.time()
    try: r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired: check(name, False, time.time() - t0, f'timed out after {timeout:.0f} s'); return None
    check(name, r.returncode == 0, time.time() - t0, f'exit status {r.returncode}\n{r.stdout[-1500:]}\n{r.stderr[-3000:]}')
    return r

def build(tmp:Path) -> Path:
    "Build the sdist and the wheel into tmp/dist, and check them with twine."
    dist = tmp/'dist'
    run('build the sdist and the wheel', [sys.executable, '-m', 'build', '--outdir', dist, ROOT], timeout=600)
    run('twine check --strict', [sys.executable, '-m', 'twine', 'check', '--strict', *sorted(dist.glob('*'))])
    return dist

def readme_links(dist:Path):
    "The README in the sdist's metadata renders, and every image and link in it is absolute; raw repository files exist."
    t0 = time.time()
    from readme_renderer.markdown import render
    sdist = next(dist.glob('*.tar.gz'), None)
    if sdist is None: return check('README from the sdist metadata', False, 0., f'no sdist in {dist}')
    with tarfile.open(sdist) as tf:
        pkg = tf.extractfile(next(m for m in tf.getmembers() if m.name.count('/') == 1 and m.name.endswith('/PKG-INFO'))).read().decode()
    meta = message_from_string(pkg)
    html = render(meta.get_payload(), variant='GFM')
    srcs = re.findall(r'<img[^>]*\ssrc="([^"]+)"', html or '')
    hrefs = re.findall(r'<a[^>]*\shref="([^"]+)"', html or '')
    bad = [u for u in srcs + hrefs if not re.match(r'(https?:|mailto:|#)', u)]
    raw = [re.sub(r'^https://raw\.githubusercontent\.com/[^/]+/[^/]+/[^/]+/', '', u) for u in srcs if 'raw.githubusercontent.com' in u]
    missing = [p for p in raw if not (ROOT/p).exists()]
    ok = bool(html) and meta['Description-Content-Type'].startswith('text/markdown') and bool(srcs) and not bad and not missing
    check(f'README from the sdist metadata renders with {len(srcs)} images, all absolute', ok, time.time() - t0,
          f"rendered: {bool(html)}, content type {meta['Description-Content-Type']!r}, relative links {bad}, "
          f"images not in the repository {missing}")

def make_env(tmp:Path, dist:Path) -> Path:
    "A fresh venv in tmp: torch's CPU wheel, then the wheel with its extras, then the notebook harness."
    env_dir = tmp/'venv'
    t0 = time.time()
    venv.create(env_dir, with_pip=True)
    py = env_dir/'bin'/'python'
    wheel = next(dist.glob('*.whl'), None)
    if wheel is None: sys.exit(f'wheel_check: no wheel in {dist}')
    pip = [py, '-m', 'pip', 'install', '-q', '--disable-pip-version-check']
    run(f'pip install {TORCH}', pip + [TORCH], cwd=tmp)
    run(f'pip install the wheel [{EXTRAS}]', pip + [f'{wheel}[{EXTRAS}]'], cwd=tmp)
    run('pip install the notebook harness', pip + HARNESS, cwd=tmp)
    print(f"     fresh environment ready in {time.time() - t0:.0f} s", flush=True)
    return env_dir

def measure(env_dir:Path, env:dict, cwd:Path):
    "Import time of the package and the size of what it installs (beside torch), printed."
    py = env_dir/'bin'/'python'
    def best(code, n=3):
        ts = []
        for _ in range(n):
            r = subprocess.run([py, '-c', f'import time; t=time.perf_counter(); {code}; print(time.perf_counter()-t)'],
                               capture_output=True, text=True, env=env, cwd=cwd)
            if r.returncode: return float('nan')
            ts.append(float(r.stdout.split()[-1]))
        return min(ts)
    imp = {c: round(best(c), 2) for c in ('import torch', 'import gandirs', 'import gandirs.cli', 'import gandirs.runs',
                                          'import gandirs.dashboard')}
    r = subprocess.run([py, '-c', SIZES], capture_output=True, text=True, env=env, cwd=cwd)
    print('     import time (s, best of 3):', json.dumps(imp))
    print('     installed MB by requirement closure:', r.stdout.strip() or r.stderr[-500:], flush=True)
    sizes = json.loads(r.stdout) if r.returncode == 0 else {}
    check('no web-server stack pulled in (fastprogress >= 1.1: python-fasthtml, starlette, uvicorn)',
          r.returncode == 0 and not sizes['web stack installed'], 0., r.stderr or str(sizes.get('web stack installed')))

SIZES = '''import json, re
from importlib import metadata as md
dists = {re.sub(r'[-_.]+', '-', d.metadata['Name']).lower(): d for d in md.distributions()}
def size(d): return sum((d.locate_file(f).stat().st_size for f in d.files or [] if d.locate_file(f).exists()), 0)
def closure(name, extras=()):
    seen, todo = set(), [(name, tuple(extras))]
    while todo:
        n, ex = todo.pop(); n = re.sub(r'[-_.]+', '-', n).lower()
        if n not in dists or (n, ex) in seen: continue
        seen.add((n, ex))
        for req in dists[n].requires or []:
            m = re.match(r'([A-Za-z0-9_.-]+)(?:\\[([^\\]]+)\\])?[^;]*(?:;(.*))?$', req)
            marker = m.group(3) or ''
            want = re.findall(r'extra\\s*==\\s*["\\']([^"\\']+)', marker)
            if want and not set(want) & set(ex): continue
            if marker and not want:
                from packaging.markers import Marker
                if not Marker(marker).evaluate(): continue
            todo.append((m.group(1), tuple((m.group(2) or '').split(',')) if m.group(2) else ()))
    return {n for n, _ in seen}
mb = lambda names: round(sum(size(dists[n]) for n in names) / 2**20, 1)
torch, core = closure('torch'), closure('gandirs')
extras = closure('gandirs', ('stlpips', 'metrics')) - core
print(json.dumps({'torch and its dependencies': mb(torch), 'gandirs and its other dependencies': mb(core - torch),
                  'of which gandirs itself': mb({'gandirs'}), 'extras stlpips+metrics': mb(extras - torch),
                  'largest other dependencies': {n: mb({n}) for n in sorted(core - torch - {'gandirs'}, key=lambda n: -size(dists[n]))[:6]},
                  'web stack installed': sorted({'fastprogress', 'python-fasthtml', 'starlette', 'uvicorn'} & set(dists))}))
'''

def serve(folder:Path) -> tuple:
    "An HTTP server on 127.0.0.1 for `folder`: (process, base URL)."
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    p = subprocess.Popen([sys.executable, '-m', 'http.server', str(port), '--bind', '127.0.0.1', '--directory', str(folder)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=0.2): break
        except OSError: time.sleep(0.1)
    return p, f'http://127.0.0.1:{port}/'

def subcommands(env_dir:Path, env:dict, cwd:Path) -> list[str]:
    "The subcommands `gandirs --help` lists."
    r = subprocess.run([env_dir/'bin'/'gandirs', '--help'], capture_output=True, text=True, env=env, cwd=cwd)
    m = re.search(r'\{([\w,-]+)\}', r.stdout)
    return m.group(1).split(',') if m else re.findall(r'^    (\w[\w-]*)\s', r.stdout, re.M)

def commands(env_dir:Path, env:dict, work:Path):
    "Every command: its help, then a short real use of each (a run on the shipped generator, and what reads it)."
    g, py, kw = env_dir/'bin'/'gandirs', env_dir/'bin'/'python', dict(env=env, cwd=work)
    subs = subcommands(env_dir, env, work)
    helps = [('gandirs --version', [g, '--version']), ('python -m gandirs --help', [py, '-m', 'gandirs', '--help'])]
    helps += [(f'gandirs {s} --help', [g, s, '--help']) for s in subs]
    check(f'gandirs --help lists {len(subs)} commands', bool(subs), 0.)
    with ThreadPoolExecutor(2) as pool: list(pool.map(lambda h: run(*h, **kw), helps))
    run_dir = work/'runs'/'default'
    uses = dict(
        discover=[g, 'discover', '--steps', '3', '--batch-size', '8', '--n-dirs', '4', '--quiet', '--out', run_dir],
        evaluate=[g, 'evaluate', run_dir, '--n', '64'],
        traverse=[g, 'traverse', run_dir, '--n-z', '2'],
        sample=[g, 'sample', '--generator', 'dsprites', '--n', '8', '--out', work/'samples.png'],
        bench=[g, 'bench', '--generator', 'toy', '--batch-size', '4', '--steps', '2'],
        export=[g, 'export', run_dir, '--to', 'npz'],
        project=[g, 'project', run_dir/'traversals.png', '--generator', 'dsprites', '--out', work/'projected', '--steps', '20', '--quiet'],
        zoo=[g, 'zoo', 'mnist-lenet'])  # fetched from the catalogue, served on 127.0.0.1
    for s in subs:
        if s in uses: run(f'gandirs {s} (a short real use)', uses[s], **kw)
        else: check(f'gandirs {s}: no real use in tools/wheel_check.py yet (add one)', False, 0.)
    if 'project' in subs:
        run('gandirs traverse --latent (a projected picture)', [g, 'traverse', run_dir, '--latent', work/'projected'/'latent.safetensors', '--n-z', '1'], **kw)
    run('gandirs sample --generator zoo:mnist-mlp-gan (the catalogue, served on 127.0.0.1)',
        [g, 'sample', '--generator', 'zoo:mnist-mlp-gan', '--n', '8', '--out', work/'zoo_samples.png'], **kw)

def methods(env_dir:Path, env:dict, work:Path, n_workers:int=2):
    "Every method of `gandirs.methods.METHODS`, a few steps each on the toy renderer (or dSprites), two at a time."
    r = subprocess.run([env_dir/'bin'/'python', '-c', 'from gandirs.methods import METHODS; print(" ".join(METHODS))'],
                       capture_output=True, text=True, env=env, cwd=work)
    names = r.stdout.split()
    if not check(f'the methods are listed ({len(names)})', r.returncode == 0 and bool(names), 0., r.stderr): return
    def one(m):
        return run(f'gandirs discover --method {m}', [env_dir/'bin'/'gandirs', 'discover', '--method', m, '--steps', '2',
                   '--batch-size', '6', '--n-dirs', '3', '--generator', METHOD_GENERATOR.get(m, 'toy'), '--quiet', '--out', work/'runs'/m], env=env, cwd=work)
    with ThreadPoolExecutor(n_workers) as pool: list(pool.map(one, names))

RUNNER = '''import re, sys
try: from fastcore.nbio import read_nb
except ImportError: from execnb.nbio import read_nb  # execnb < 0.3
from execnb.shell import CaptureShell
skip_flags = set(sys.argv[2].split())
def skip(cell):
    "What nbdev-test skips: markdown, cells flagged with a skipped flag, `#| eval: false`."
    if cell.cell_type != 'code': return True
    head = re.match(r'(?:[ \\t]*#\\|.*\\n?)*', cell.source).group(0)
    d = {m.group(1): m.group(2).strip() for m in re.finditer(r'#\\|\\s*([\\w-]+)\\s*:?\\s*(.*)', head)}
    return bool(skip_flags & d.keys()) or d.get('eval', '').lower() == 'false'
nb = read_nb(sys.argv[1])
sh = CaptureShell(sys.argv[1])
try: sh.run_all(nb, exc_stop=True, preproc=skip, cell_timeout=600)
except BaseException:
    print(sh.prettytb(fname=sys.argv[1]), file=sys.stderr); sys.exit(1)
'''

def colab_ready(path:Path):
    "A tutorial asks Colab for a GPU, installs gandirs in its first code cell, and reads no test data."
    nb = json.loads(path.read_text())
    code = [''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'code']
    why = [w for w, bad in [('no "accelerator": "GPU" in its metadata', nb['metadata'].get('accelerator') != 'GPU'),
                            ('no colab metadata', 'colab' not in nb['metadata']),
                            ('its first code cell does not pip install gandirs on Colab',
                             not code or not ('google.colab' in code[0] and re.search(r'pip install .*gandirs', code[0]))),
                            ('it reads the shared test data (tools.testing), which a Colab user does not have',
                             any('tools.testing' in c or 'shared_data(' in c for c in code))] if bad]
    check(f'tutorial {path.name} is ready for Colab', not why, 0., '; '.join(why))

def tutorials(env_dir:Path, env:dict, work:Path, names:list=None):
    "Every tutorial, top to bottom at the small scale (`IN_TEST=1`), from a copy outside the checkout."
    folder = work/'tutorials'; folder.mkdir(exist_ok=True)
    (work/'run_tutorial.py').write_text(RUNNER)
    for nb in sorted((ROOT/'nbs'/'tutorials').glob('*.ipynb')):
        if names and nb.stem not in names: continue
        colab_ready(nb)
        dst = folder/nb.name; shutil.copy(nb, dst)
        run(f'tutorial {nb.name}', [env_dir/'bin'/'python', work/'run_tutorial.py', dst, TST_SKIP], timeout=900,
            env={**env, 'IN_TEST': '1'}, cwd=folder)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--skip', nargs='*', default=[], choices=['build', 'commands', 'methods', 'tutorials'],
                    help='parts to leave out (the environment is made unless commands, methods and tutorials all are)')
    ap.add_argument('--tutorials', nargs='*', help='only these tutorials (names without .ipynb)')
    ap.add_argument('--dist', help='a folder that already holds the sdist and the wheel (skips building)')
    ap.add_argument('--venv', help='an environment an earlier --keep run made (skips making one)')
    ap.add_argument('--keep', action='store_true', help='keep the temporary folder')
    args = ap.parse_args()
    t0 = time.time()
    tmp = Path(tempfile.mkdtemp(prefix='gandirs-wheel-'))
    try: check_all(args, tmp)
    finally:
        if args.keep: print('kept', tmp)
        else: shutil.rmtree(tmp, ignore_errors=True)
    summary(t0)

def check_all(args, tmp:Path):
    "The parts `args` asks for, in `tmp`."
    dist = Path(args.dist) if args.dist else build(tmp)
    if 'build' not in args.skip: readme_links(dist)
    if {'commands', 'methods', 'tutorials'} <= set(args.skip): return
    env_dir = Path(args.venv) if args.venv else make_env(tmp, dist)
    work = tmp/'work'; (work/'cache').mkdir(parents=True)
    server, url = serve(shared_data())
    try:
        env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'GANDIRS_DATA', 'VIRTUAL_ENV', 'IN_TEST')}
        env.update(PATH=f"{env_dir/'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(env_dir), OMP_NUM_THREADS='1',
                   MKL_NUM_THREADS='1', GANDIRS_ZOO_URL=url, GANDIRS_CACHE=str(work/'cache'), XDG_CACHE_HOME=str(work/'cache'),
                   MPLBACKEND='Agg')
        measure(env_dir, env, work)
        if 'commands' not in args.skip: commands(env_dir, env, work)
        if 'methods' not in args.skip: methods(env_dir, env, work)
        if 'tutorials' not in args.skip: tutorials(env_dir, env, work, args.tutorials)
    finally: server.terminate(); server.wait()

def summary(t0:float):
    "The closing lines, and the exit status."
    n_ok = sum(ok for _, ok, _ in results)
    print(f"total {time.time() - t0:.0f}s")
    print(f"wheel check: {n_ok} passed, {len(results) - n_ok} failed")
    sys.exit(0 if results and n_ok == len(results) else 1)

if __name__ == '__main__': main()
