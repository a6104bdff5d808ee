__version__ = "0.0.1"

_LAZY = dict(discover='learner', load_run='learner', Learner='learner', load_generator='generators',
             load_directions='navigators', save_directions='navigators', Dashboard='dashboard')

def __getattr__(name):
    "The main entry points, imported on first use so that `import gandirs` stays light."
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f'gandirs.{_LAZY[name]}'), name)
    raise AttributeError(f"module 'gandirs' has no attribute {name!r}")
