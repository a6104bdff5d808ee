"""Write README.md from nbs/index.ipynb without quarto: nbdev's processors, then nbconvert's markdown export.

Relative links to images become absolute ones to the repository's raw files (`git_url` and `branch` of the nbdev
config), so the README shows its pictures on the package index too.

python tools/make_readme.py          # rewrite README.md
python tools/make_readme.py --check  # exit 1 when README.md is out of date"""
import re, sys
from pathlib import Path
from nbconvert import MarkdownExporter
from nbdev.config import get_config
from nbdev.process import NBProcessor
from nbdev.processors import clean_magics, rm_header_dash, rm_export, populate_language, hide_
import nbformat

def render():
    cfg = get_config()
    nb_path = cfg.nbs_path/cfg.readme_nb
    proc = NBProcessor(nb_path, [populate_language, clean_magics, hide_, rm_export, rm_header_dash])
    proc.process()
    echo_off = [str((getattr(c, 'directives_', None) or {}).get('echo', '')).lower() == 'false' for c in proc.nb.cells]
    nb = nbformat.reads(nbformat.writes(nbformat.from_dict(dict(proc.nb))), as_version=4)
    for i, (c, off) in enumerate(zip(list(nb.cells), echo_off)):
        if off:  # `#| echo: false`: the output only (a markdown output becomes a markdown cell)
            md = [''.join(o['data']['text/markdown']) for o in c.get('outputs', []) if 'text/markdown' in o.get('data', {})]
            if md: nb.cells[i] = c = nbformat.v4.new_markdown_cell('\n\n'.join(md))
            elif not c.get('outputs'): nb.cells[i] = None  # an import cell: nothing to show
            if nb.cells[i] is None: continue
            if c.cell_type == 'code': c.metadata['transient'] = {'remove_source': True}  # printed text or pictures: no code
        c.source = '\n'.join(l for l in c.source.splitlines() if not l.startswith('#|'))
        if c.cell_type == 'code':
            c.outputs = [o for o in c.get('outputs', []) if o.get('output_type') != 'error']
            for o in c.outputs:  # PIL images come as PNG and JPEG: keep the PNG
                if 'image/png' in o.get('data', {}): o['data'].pop('image/jpeg', None)
    nb.cells = [c for c in nb.cells if c is not None]
    md, res = MarkdownExporter(exclude_output=False).from_notebook_node(nb, resources=dict(output_files_dir=IMG_DIR))
    md = absolute_links(md, raw_url(cfg))
    return "<!-- generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook -->\n\n" + md.strip() + "\n", res.get('outputs', {})

IMG_DIR = 'images/readme'

def raw_url(cfg) -> str:
    "Where the repository's files are served raw, e.g. https://raw.githubusercontent.com/OWNER/REPO/main/."
    m = re.match(r'https://github\.com/([^/]+/[^/]+?)(?:\.git)?/?$', str(cfg.git_url))
    if not m: sys.exit(f"make_readme: git_url {cfg.git_url!r} is not a GitHub repository URL (expected https://github.com/OWNER/REPO)")
    return f"https://raw.githubusercontent.com/{m.group(1)}/{cfg.get('branch', 'main')}/"

def absolute_links(md:str, base:str) -> str:
    "`md` with relative image links (`![alt](path)`, `<img src=\"path\">`) made absolute under `base`."
    rel = r'(?!https?:|data:|#|/)([^)\s"]+)'
    md = re.sub(r'(!\[[^\]]*\]\()' + rel, lambda m: m.group(1) + base + m.group(2), md)
    return re.sub(r'(<img[^>]*\ssrc=")' + rel, lambda m: m.group(1) + base + m.group(2), md)

if __name__ == '__main__':
    root = Path(get_config().config_path)
    (txt, images), out = render(), root/'README.md'
    stale = [n for n, b in images.items() if not (root/n).exists() or (root/n).read_bytes() != b]
    if '--check' in sys.argv:
        if not out.exists() or out.read_text() != txt or stale:
            sys.exit('README.md is out of date with nbs/index.ipynb: run python tools/make_readme.py')
        print('README.md is up to date')
    else:
        for d in (root/IMG_DIR).glob('output_*'): d.unlink()
        for n, b in images.items(): (root/n).parent.mkdir(parents=True, exist_ok=True); (root/n).write_bytes(b)
        out.write_text(txt); print('wrote', out, 'and', len(images), 'images in', IMG_DIR)
