"""installcheck.py — the installed Python module (./configure --with-python; make install)
finds the installed libbloc without BLOC_LIBRARY and solves a small problem. Run by make
installcheck with PYTHONPATH set to $(pythondir); argv[1] is $(libdir)."""
import os
import sys

import bloc

libdir = sys.argv[1]
assert os.path.dirname(bloc.__file__).startswith(os.environ["PYTHONPATH"]), bloc.__file__
assert bloc.library_path().startswith(libdir + "/"), (bloc.library_path(), libdir)
p = bloc.compile(text="problem q\nupper x : scalar = 0\nlower y : scalar = 0\n"
                 "upper objective f = (y - 1) ^ 2\nlower objective g = (y - x) ^ 2\n",
                 name="q.blo")
r = p.solve("aid_cg", outer_steps=100, x_step=0.2, y_step=0.5)
assert abs(r.x[0] - 1) < 1e-6, r.x
print("ok: the installed Python module (%s) loads %s and solves (x = %.9f)"
      % (os.path.dirname(bloc.__file__), bloc.library_path(), r.x[0]))
