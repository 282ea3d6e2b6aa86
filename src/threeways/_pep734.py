"""PEP 734's ``interpreters`` module on Python 3.13, with the API of 3.14's standard library.

Python 3.14 has ``concurrent.interpreters``; on 3.13 the ``interpreters-pep-734`` backport
(0.5.0, by the PEP's author) provides the same module as
``interpreters_backport.interpreters``, with one difference the interpreters model cannot
do without: its ``Interpreter.call(fn)`` takes no arguments and returns nothing, where
3.14's ``call(fn, /, *args, **kwargs)`` pickles the arguments into the interpreter and
the return value back (and ``call_in_thread`` likewise). This module is the backport with
3.14's ``call`` and ``call_in_thread``, so that a model module reads as 3.14 code::

    if sys.version_info >= (3, 14):
        from concurrent import interpreters
    else:
        from threeways._pep734 import interpreters

Other differences that 3.14 code written here avoids: the backport's ``create_queue``
takes ``syncobj=`` (3.14 does not), and its ``Queue.get`` takes no ``block`` argument
(``get(timeout=...)`` works in both). ``InterpreterPoolExecutor`` is the backport's own,
with 3.14's API (``interpreters_backport.concurrent.futures``).
"""

from __future__ import annotations

import pickle
import threading
from types import SimpleNamespace
from typing import Any

from interpreters_backport import interpreters as _backport
from interpreters_backport.interpreters import queues as _queues

__all__ = ["interpreters"]

_CALL = (
    "import pickle\n"
    "from interpreters_backport.interpreters.queues import Queue\n"
    "_fn, _args, _kwargs = pickle.loads({pickled!r})\n"
    "Queue({results}).put(_fn(*_args, **_kwargs))\n"
    "del _fn, _args, _kwargs\n"
)
"""What ``call`` runs in the interpreter: the backport can run only source code or a
function of no arguments, so the call and its arguments travel pickled in the source, and
the result comes back through a queue (pickled by it). Lines, not a triple-quoted string:
``show --standalone`` copies this module, indented, into a script."""


class Interpreter(_backport.Interpreter):  # type: ignore[misc]
    """The backport's ``Interpreter``, with 3.14's ``call`` and ``call_in_thread``."""

    def call(self, callable: Any, /, *args: Any, **kwargs: Any) -> Any:
        results = _queues.create(1)
        self.exec(_CALL.format(pickled=pickle.dumps((callable, args, kwargs)), results=results.id))
        return results.get_nowait()  # exec raised ExecutionFailed if the call did

    def call_in_thread(self, callable: Any, /, *args: Any, **kwargs: Any) -> threading.Thread:
        thread = threading.Thread(target=self.call, args=(callable, *args), kwargs=kwargs)
        thread.start()
        return thread


def create() -> Interpreter:
    """A new, idle interpreter."""
    return Interpreter(_backport._interpreters.create(reqrefs=True), _ownsref=True)


interpreters = SimpleNamespace(
    **{name: getattr(_backport, name) for name in _backport.__all__},
)
interpreters.create = create
interpreters.Interpreter = Interpreter
"""The backport's module, with :func:`create` making :class:`Interpreter` objects."""
