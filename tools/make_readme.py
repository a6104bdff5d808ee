"""Write README.md from nbs/index.ipynb without quarto: nbdev's processors, then nbconvert's markdown export.

python tools/make_readme.py          # rewrite README.md
python tools/make_readme.py --check  # exit 1 when README.md is out of date"""
import sys
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
        c.source = '\n'.join(l for l in c.source.splitlines() if not l.startswith('#|'))
        if c.cell_type == 'code':
            c.outputs = [o for o in c.get('outputs', []) if o.get('output_type') != 'error']
            for o in c.outputs:  # PIL images come as PNG and JPEG: keep the PNG
                if 'image/png' in o.get('data', {}): o['data'].pop('image/jpeg', None)
    md, res = MarkdownExporter(exclude_output=False).from_notebook_node(nb, resources=dict(output_files_dir=IMG_DIR))
    return "<!-- generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook -->\n\n" + md.strip() + "\n", res.get('outputs', {})

IMG_DIR = 'images/readme'

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
