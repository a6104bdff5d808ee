"""Drive the Voila dashboard app (nbs/apps/explore.ipynb) in headless Chromium with Playwright.

  python tools/dashboard_browser.py check RUN_DIR [--shots DIR]       functional check, screenshots kept in DIR
  python tools/dashboard_browser.py latency RUN_DIR [--n 30] [--json FILE]   slider change -> new image, in ms
  python tools/dashboard_browser.py lab [--shots DIR]                 open a notebook in JupyterLab, move a slider

Needs `chromium` (Debian package; or $CHROMIUM) and `pip install playwright voila` (never `playwright install`).
Runs as its own process: Playwright's sync API cannot run inside a notebook's event loop."""
import argparse, base64, contextlib, io, json, os, shutil, signal, socket, statistics, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT/'nbs'/'apps'/'explore.ipynb'
ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync']
SLIDER = '.widget-slider [role=slider]'

def chromium_path() -> str:
    p = os.environ.get('CHROMIUM') or shutil.which('chromium') or shutil.which('chromium-browser')
    if not p: sys.exit("chromium not found: install it (Debian: apt-get install -y chromium) or set $CHROMIUM")
    return p

def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def wait_port(port:int, proc, timeout:float=60., log=None):
    "Wait until something listens on the port (a socket connect, not an HTTP GET, which would start a kernel)."
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None: raise RuntimeError(f"the server exited with code {proc.returncode}:\n{_tail(log)}")
        with socket.socket() as s:
            if s.connect_ex(('127.0.0.1', port)) == 0: return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listened on port {port} after {timeout} s:\n{_tail(log)}")

def _tail(log, n=3000):
    if log is None: return ''
    log.flush(); log.seek(0); return log.read().decode(errors='replace')[-n:]

@contextlib.contextmanager
def server(cmd:list, port:int, env:dict|None=None, cwd=None):
    "Start a server in its own process group; always stop that group."
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_port(port, proc, log=log)
        yield proc
    except BaseException:
        print('--- server log ---\n' + _tail(log), file=sys.stderr); raise
    finally:
        with contextlib.suppress(ProcessLookupError): os.killpg(proc.pid, signal.SIGTERM)
        try: proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError): os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

@contextlib.contextmanager
def voila(run_dir, samples:int=4):
    "Serve the app on 127.0.0.1 against `run_dir`; yields its URL."
    port = free_port()
    cmd = [sys.executable, '-m', 'voila', str(APP), '--no-browser', f'--port={port}', '--Voila.ip=127.0.0.1',
           '--ServerApp.ip=127.0.0.1']
    with server(cmd, port, env=dict(GANDIRS_RUN=str(Path(run_dir).resolve()), GANDIRS_SAMPLES=str(samples))):
        yield f'http://127.0.0.1:{port}/'

@contextlib.contextmanager
def browser(viewport=(1100, 1000)):
    "A headless Chromium page."
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p, tempfile.TemporaryDirectory() as d:
        ctx = p.chromium.launch_persistent_context(d, executable_path=chromium_path(), headless=True, args=ARGS,
                                                   viewport=dict(width=viewport[0], height=viewport[1]))
        try: yield ctx.pages[0] if ctx.pages else ctx.new_page()
        finally: ctx.close()

JS_BYTES = """async () => { const im = document.querySelector('.widget-image');
  const b = new Uint8Array(await (await fetch(im.src)).arrayBuffer()); let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode.apply(null, b.subarray(i, i + 8192));
  return btoa(s); }"""

def img_src(page): return page.evaluate("() => { const im = document.querySelector('.widget-image'); return im ? im.src : ''; }")
def img_bytes(page) -> bytes: return base64.b64decode(page.evaluate(JS_BYTES))

def open_app(page, url, timeout=120_000):
    "Load the app and wait for its first picture."
    page.goto(url, timeout=timeout, wait_until='domcontentloaded')
    page.wait_for_function("() => { const im = document.querySelector('.widget-image'); return im && im.src && im.src.length > 0; }",
                           timeout=timeout)
    page.wait_for_selector(SLIDER, timeout=timeout)

def settle(page, quiet=0.5, timeout=30.):
    "Wait until the picture stops changing for `quiet` seconds (latest-wins renders may come in a burst)."
    t0, last, since = time.time(), img_src(page), time.time()
    while time.time() - t0 < timeout:
        time.sleep(0.05)
        s = img_src(page)
        if s != last: last, since = s, time.time()
        elif time.time() - since >= quiet: return img_bytes(page)
    raise TimeoutError("the picture kept changing")

def wait_bytes(page, want:bytes, timeout=30.) -> bytes:
    "Wait until the picture is exactly `want` (PNG bytes)."
    t0 = time.time()
    while time.time() - t0 < timeout:
        b = img_bytes(page)
        if b == want: return b
        time.sleep(0.05)
    return b

def pixels(png:bytes):
    import numpy as np
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert('RGB')).astype(int)

def n_changed(a:bytes, b:bytes) -> int:
    "How many pixels differ between two PNGs of the same size."
    pa, pb = pixels(a), pixels(b)
    if pa.shape != pb.shape: return pa.size
    return int((pa != pb).any(-1).sum())

def readout(page, i): return page.locator('.widget-slider .widget-readout').nth(i).inner_text().strip()

def check(run_dir, shots):
    "Move a slider, combine two, reset; compare with what the kernel-side Dashboard computes. Exit code 1 on failure."
    from gandirs.dashboard import Dashboard
    shots = Path(shots); shots.mkdir(parents=True, exist_ok=True)
    ref = Dashboard.from_run(run_dir, background=False, device='cpu')
    S, fails, info = ref.S, [], {}
    def expect(cond, msg):
        if not cond: fails.append(msg)
    t_start = time.time()
    with voila(run_dir) as url, browser() as page:
        t0 = time.time(); open_app(page, url); info['load_s'] = round(time.time() - t0, 1)
        first = settle(page)
        page.screenshot(path=str(shots/'initial.png'), full_page=True)
        expect(first == ref.image.value, "the first picture differs from the kernel-side Dashboard's")
        sliders = page.locator(SLIDER)
        info['sliders'] = sliders.count()
        expect(info['sliders'] == ref.n_dirs, f"{info['sliders']} sliders on the page for {ref.n_dirs} directions")
        # one small move: the pixels change
        sliders.nth(0).focus()
        for _ in range(5): page.keyboard.press('ArrowRight')
        small = settle(page)
        info['small_move'] = dict(readout=readout(page, 0), changed_pixels=n_changed(first, small))
        expect(info['small_move']['changed_pixels'] > 0, "moving slider 0 did not change the picture")
        expect(info['small_move']['readout'] == '0.5', f"slider 0 reads {info['small_move']['readout']}, expected 0.5")
        page.screenshot(path=str(shots/'moved.png'), full_page=True)
        # slider 0 to its end: exactly the kernel-side picture for (S, 0, ...)
        page.keyboard.press('End')
        a = wait_bytes(page, ref.set(0, S).image.value)
        expect(a == ref.image.value, f"with slider 0 at {S} the page differs from the kernel-side picture")
        # slider 1 to its start: both directions act together
        sliders.nth(1).focus(); page.keyboard.press('Home')
        ab = wait_bytes(page, ref.set(1, -S).image.value)
        only_b = Dashboard.from_run(run_dir, background=False, device='cpu').set(1, -S).image.value
        expect(ab == ref.image.value, "with sliders 0 and 1 moved the page differs from the kernel-side picture")
        info['combined'] = dict(changed_vs_0_only=n_changed(a, ab), changed_vs_1_only=n_changed(only_b, ab))
        expect(min(info['combined'].values()) > 0, f"the combined picture equals a single-direction one: {info['combined']}")
        page.screenshot(path=str(shots/'combined.png'), full_page=True)
        page.locator('.widget-image').screenshot(path=str(shots/'combined_image.png'))
        # reset: the first picture again, byte for byte, and the sliders back at 0
        page.get_by_role('button', name='reset').click()
        back = wait_bytes(page, first)
        expect(back == first, f"after reset the picture differs from the first ({n_changed(first, back)} pixels)")
        expect(readout(page, 0) == '0.0' and readout(page, 1) == '0.0', f"after reset the sliders read {readout(page, 0)}, {readout(page, 1)}")
        page.screenshot(path=str(shots/'reset.png'), full_page=True)
        # new samples: another picture
        page.get_by_role('button', name='new samples').click()
        other = settle(page)
        expect(n_changed(first, other) > 0, "'new samples' did not change the picture")
    info['seconds'] = round(time.time() - t_start, 1)
    info['screenshots'] = str(shots)
    print(json.dumps(info, indent=1))
    for f in fails: print('FAIL:', f)
    print('browser check:', 'FAILED' if fails else 'passed')
    return 1 if fails else 0

JS_TIMER = """() => { const im = document.querySelector('.widget-image');
  window.__lat = {t0: 0, src: 0, load: 0, old: im.src};
  document.addEventListener('keydown', () => { window.__lat = {t0: performance.now(), src: 0, load: 0, old: im.src}; }, true);
  new MutationObserver(() => { if (!window.__lat.src && im.src !== window.__lat.old) window.__lat.src = performance.now(); })
    .observe(im, {attributes: true, attributeFilter: ['src']});
  im.addEventListener('load', () => { if (!window.__lat.load && im.src !== window.__lat.old) window.__lat.load = performance.now(); }); }"""

def latency(run_dir, n=30, pause=0.3, samples=4, warmup=3):
    "Milliseconds from a slider key press to the new picture loaded in the page."
    res = dict(run=str(run_dir), n=n, samples=samples)
    with voila(run_dir, samples) as url, browser() as page:
        open_app(page, url); settle(page)
        page.evaluate(JS_TIMER)
        page.locator(SLIDER).nth(0).focus()
        src_ms, load_ms = [], []
        for i in range(n + warmup):
            page.keyboard.press('ArrowRight' if (i // 10) % 2 == 0 else 'ArrowLeft')
            page.wait_for_function("() => window.__lat.load > 0", timeout=30_000)
            t = page.evaluate("() => window.__lat")
            if i >= warmup: src_ms.append(t['src'] - t['t0']); load_ms.append(t['load'] - t['t0'])
            time.sleep(pause)
    q = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(p * len(xs)))]
    for name, xs in (('to_src_ms', src_ms), ('to_loaded_ms', load_ms)):
        res[name] = dict(median=round(statistics.median(xs), 1), p10=round(q(xs, .1), 1), p90=round(q(xs, .9), 1),
                         max=round(max(xs), 1))
    res['loaded_ms_all'] = [round(x, 1) for x in load_ms]
    return res

def lab(shots, timeout=120_000):
    "Open a dashboard notebook in JupyterLab, run it, move a slider and see the picture change."
    shots = Path(shots); shots.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp())
    nb = dict(cells=[dict(cell_type='code', metadata={}, execution_count=None, outputs=[], source=[
        "from gandirs.generators import ToyGenerator\n", "from gandirs.navigators import UnitNavigator\n",
        "from gandirs.dashboard import Dashboard\n", "G = ToyGenerator()\n", "nav = UnitNavigator.for_generator(G, 6)\n",
        "nav.load_state_dict({'weight': G.true_directions})\n", "Dashboard(G, nav, names=G.factor_names)"])],
        metadata=dict(kernelspec=dict(display_name='Python 3', language='python', name='python3')), nbformat=4, nbformat_minor=5)
    (work/'dash.ipynb').write_text(json.dumps(nb))
    port = free_port()
    cmd = [sys.executable, '-m', 'jupyter', 'lab', '--no-browser', f'--port={port}', '--ServerApp.ip=127.0.0.1', '--allow-root',
           '--IdentityProvider.token=', '--ServerApp.password=', f'--ServerApp.root_dir={work}']
    with server(cmd, port, cwd=work), browser() as page:
        page.goto(f'http://127.0.0.1:{port}/lab/tree/dash.ipynb', timeout=timeout)
        page.wait_for_selector('.jp-Notebook', timeout=timeout)
        page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"], .jp-Notebook-ExecutionIndicator', timeout=timeout)
        time.sleep(2)
        page.locator('.jp-Cell').first.click()
        page.keyboard.press('Shift+Enter')
        page.wait_for_function("() => { const im = document.querySelector('.widget-image'); return im && im.src; }", timeout=timeout)
        page.wait_for_selector(SLIDER, timeout=timeout)
        first = settle(page)
        page.locator(SLIDER).nth(0).focus(); page.keyboard.press('End')
        moved = settle(page)
        page.screenshot(path=str(shots/'jupyterlab.png'), full_page=True)
    changed = n_changed(first, moved)
    print(json.dumps(dict(changed_pixels=changed, screenshot=str(shots/'jupyterlab.png'))))
    print('lab check:', 'passed' if changed > 0 else 'FAILED')
    return 0 if changed > 0 else 1

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    c = sub.add_parser('check'); c.add_argument('run'); c.add_argument('--shots', default=str(ROOT/'nbs'/'tmp'/'dashboard_screenshots'))
    l = sub.add_parser('latency'); l.add_argument('run'); l.add_argument('--n', type=int, default=30)
    l.add_argument('--pause', type=float, default=0.3); l.add_argument('--samples', type=int, default=4); l.add_argument('--json')
    b = sub.add_parser('lab'); b.add_argument('--shots', default=str(ROOT/'nbs'/'tmp'/'dashboard_screenshots'))
    a = ap.parse_args()
    if a.cmd == 'check': sys.exit(check(a.run, a.shots))
    if a.cmd == 'lab': sys.exit(lab(a.shots))
    res = latency(a.run, a.n, a.pause, a.samples)
    if a.json: Path(a.json).write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1))

if __name__ == '__main__': main()
