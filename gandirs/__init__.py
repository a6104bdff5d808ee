__version__ = "0.0.1"

_LAZY = dict(discover='gandirs.runs', load_run='gandirs.runs', Learner='gandirs.learner', load_generator='gandirs.generators',
             load_directions='gandirs.navigators', save_directions='gandirs.navigators', Dashboard='gandirs.dashboard',
             export_directions='gandirs.interop', import_directions='gandirs.interop')

def __getattr__(name):
    "The main entry points, imported on first use so that `import gandirs` stays light."
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gandirs' has no attribute {name!r}")
