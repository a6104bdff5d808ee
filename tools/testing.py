"""The tests' one way to the shared third-party data (real generators, data sets and the authors' reference outputs).

The library never reads that folder: tests find a file here and pass its path to the library.
The folder is `$GANDIRS_DATA`, else `shared/data` beside the repository or one of its parents."""
import os
from pathlib import Path

def data_roots() -> list[Path]:
    "Where the shared data may be, in order."
    roots = [Path(os.environ['GANDIRS_DATA'])] if os.environ.get('GANDIRS_DATA') else []
    here = Path(__file__).resolve().parent
    return roots + [p/'shared'/'data' for p in [here, *here.parents]]

def shared_data(rel:str='', # a path inside the data folder, e.g. 'mnist_mlp_gan/G.ckpt'
               ) -> Path:
    "The path of a file of the shared test data, or a FileNotFoundError that says where it was looked for."
    roots = data_roots()
    for r in roots:
        if (r/rel).exists(): return r/rel
    raise FileNotFoundError(f"shared test data {rel!r} not found: set $GANDIRS_DATA to the folder holding it "
                            f"(looked in {', '.join(str(r) for r in roots[:3])}, ...)")

def has_shared_data(rel:str='') -> bool:
    "Whether `shared_data(rel)` would find the file."
    try: return bool(shared_data(rel))
    except FileNotFoundError: return False

def reference_cases(kind:str, # a folder of `reference/`, e.g. 'sefa' or 'contrafeat'
                    prefix:str='', # only the cases whose name starts with this, e.g. 'diversity_'
                   ) -> list[tuple[str, dict, dict]]:
    "Every case of the authors' reference outputs of one kind: (name, its json, its arrays), sorted by name."
    import json, numpy as np
    folder = shared_data(f'reference/{kind}')
    cases = []
    for p in sorted(folder.glob(f'{prefix}*.json')):
        with np.load(p.with_suffix('.npz'), allow_pickle=False) as z: arrays = {k: z[k] for k in z.files}
        cases.append((p.stem, json.loads(p.read_text()), arrays))
    if not cases: raise FileNotFoundError(f"no reference cases {prefix}* in {folder}")
    return cases
