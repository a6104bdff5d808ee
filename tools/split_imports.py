"""Move the imports of code cells that mix imports with other code into their own cell, just before.

python tools/split_imports.py --check nbs/           # list such cells; exit 1 when there are any
python tools/split_imports.py nbs/05_learner.ipynb   # split them in place

nbdev's docs step (`exec_show_docs`) executes every cell that holds an import, without the cells that are not
executed: such a cell runs without the state the notebook built before it (a NameError at docs time, or a
training run). After the split only the import cell runs at docs time. The new import cell carries the original
cell's directives (`#| hide`, `#| slow`, ...); the rest keeps the cell's id, outputs and directives.
Exported cells (they run at docs time anyway) and `#| eval: false` cells (never run) are left as they are.
Cells that need a hand are listed, not changed: an import inside a block or function (the cell still runs at docs
time), an import after other code (moving it could change what the code sees), several statements on one line."""
import argparse, ast, json, re, sys, uuid
from pathlib import Path

_re_dir = re.compile(r'^\s*#\|\s*([\w-]+)\s*:?\s*(.*)$')
_keep = {'export', 'exporti', 'exports', 'default_exp'}

def directives(lines:list) -> tuple[list, dict]:
    "The leading `#|` lines of a cell and their {name: value}."
    head = []
    for l in lines:
        if not _re_dir.match(l): break
        head.append(l)
    return head, {m.group(1): m.group(2).strip() for m in map(_re_dir.match, head)}

def _is_imp(node): return isinstance(node, (ast.Import, ast.ImportFrom))

def plan(src:str, # a code cell's source
         hoist_late:bool=False, # also move imports that follow other code (safe when that code does not affect them)
        ) -> tuple:
    "How to split one cell's source: ('split', import lines, other lines) / ('skip', reason) / ('manual', reason)."
    lines = src.splitlines()
    head, d = directives(lines)
    if d.keys() & _keep: return 'skip', 'exported'
    if d.get('eval', '').lower() == 'false': return 'skip', 'eval: false'
    if 'nbdev_export()' in src: return 'skip', 'nbdev_export (nbdev does not execute it)'
    if any(l.lstrip().startswith(('%', '!')) for l in lines): return 'skip', 'magics (nbdev does not execute it)'
    try: tree = ast.parse(src)
    except SyntaxError: return 'skip', 'does not parse'
    body = tree.body
    top = [n for n in body if _is_imp(n)]
    nested = [n for n in body if not _is_imp(n) and any(_is_imp(m) for m in ast.walk(n))]
    if nested: return 'manual', f'an import inside a block or function at line {nested[0].lineno}'
    if not top or len(top) == len(body): return 'skip', 'imports only' if top else 'no import'
    shared = [(a, b) for a, b in zip(body, body[1:]) if a.end_lineno >= b.lineno and (_is_imp(a) or _is_imp(b))]
    if shared: return 'manual', f'an import shares line {shared[0][1].lineno} with another statement'
    first_other = min(n.lineno for n in body if not _is_imp(n))
    if not hoist_late and any(n.lineno > first_other for n in top): return 'manual', 'an import after other code (--hoist-late moves it)'
    imp_lines = {i for n in top for i in range(n.lineno - 1, n.end_lineno)}
    imps = head + [lines[i] for i in sorted(imp_lines)]
    rest = [l for i, l in enumerate(lines) if i not in imp_lines]
    while len(rest) > len(head) and not rest[len(head)].strip(): rest.pop(len(head))  # blank lines left at the top
    return 'split', imps, rest

def _src(lines): return [l + '\n' for l in lines[:-1]] + lines[-1:]

def split_nb(path:Path, # a notebook
             write:bool=True, # write the notebook back, else only report
             hoist_late:bool=False, # also move imports that follow other code
            ) -> list[tuple]:
    "Split the mixed cells of one notebook: [(cell id, action, reason or '')] for every cell with an import."
    nb = json.loads(path.read_text(encoding='utf-8'))
    cells, report = [], []
    for c in nb['cells']:
        if c['cell_type'] == 'code':
            p = plan(''.join(c['source']), hoist_late)
            if p[0] == 'split':
                imps, rest = p[1], p[2]
                cells.append(dict(cell_type='code', execution_count=None, id=uuid.uuid4().hex[:8], metadata={},
                                  outputs=[], source=_src(imps)))
                c = {**c, 'source': _src(rest)}
                report.append((c.get('id'), 'split', ''))
            elif p[0] == 'manual' or p[1] not in ('no import', 'imports only'): report.append((c.get('id'), *p))
        cells.append(c)
    if write and any(a == 'split' for _, a, _ in report):
        nb['cells'] = cells
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + '\n', encoding='utf-8')
    return report

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('paths', nargs='+', help='notebooks or folders (searched recursively)')
    ap.add_argument('--check', action='store_true', help='only list the cells; exit 1 when one would be split or needs a hand')
    ap.add_argument('--hoist-late', action='store_true', help='also move imports that follow other code in their cell')
    args = ap.parse_args()
    files = sorted({f for p in map(Path, args.paths) for f in ([p] if p.is_file() else p.rglob('*.ipynb'))
                    if '.ipynb_checkpoints' not in f.parts})
    if not files: sys.exit('split_imports: no notebooks found')
    n = dict(split=0, manual=0)
    for f in files:
        for cid, action, why in split_nb(f, write=not args.check, hoist_late=args.hoist_late):
            if action == 'skip': continue
            n[action] += 1
            verb = ('would split' if args.check else 'split') if action == 'split' else 'NEEDS A HAND'
            print(f"{f}  cell {cid}: {verb}{': ' + why if why else ''}")
    print(f"cells {'to split' if args.check else 'split'}: {n['split']}, needing a hand: {n['manual']}")
    sys.exit(1 if args.check and (n['split'] or n['manual']) else 0)

if __name__ == '__main__': main()
