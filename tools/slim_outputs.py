"""Keep one picture per saved output: where an output holds both a PNG and a JPEG of the same picture (PIL images
render as both), keep the smaller. Run it after executing a notebook whose outputs are to be saved.

Usage: python tools/slim_outputs.py [NOTEBOOK ...]   (default: every notebook under nbs/)"""
import json, sys
from pathlib import Path

def slim(path:Path) -> int:
    "Drop the larger of PNG and JPEG from every output holding both; returns the bytes saved."
    nb = json.loads(path.read_text())
    saved = 0
    for c in nb['cells']:
        for o in c.get('outputs', []):
            d = o.get('data', {})
            if 'image/png' in d and 'image/jpeg' in d:
                drop = 'image/png' if len(d['image/png']) > len(d['image/jpeg']) else 'image/jpeg'
                saved += len(d.pop(drop))
    if saved: path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    return saved

if __name__ == '__main__':
    root = Path(__file__).resolve().parents[1]
    paths = [Path(p) for p in sys.argv[1:]] or sorted((root/'nbs').rglob('*.ipynb'))
    for p in paths:
        if n := slim(p): print(f"{p}: {n / 1e3:.0f} kB less")
