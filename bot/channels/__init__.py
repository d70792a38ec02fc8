"""Rasa input channels of the assistant (listed by module path in credentials.yml).

Importing this package also makes the Rasa server answer when the action
server cannot be reached and answer fast (see `remote_actions.py`), and parse messages
off its event loop (`bot/nlu/parse_thread.py`), run its graphs without dask's
scheduler (`bot/graph_runner.py`) and use single-threaded BLAS (`bot/blas_threads.py`):
Rasa imports it at start-up, before it loads the model, because credentials.yml names
our channels.
"""

from bot.blas_threads import limit_blas_threads
from bot.channels.remote_actions import install_remote_action_changes
from bot.graph_runner import install_sequential_graph_runner
from bot.nlu.parse_thread import install_parse_thread

install_remote_action_changes()
install_parse_thread()
install_sequential_graph_runner()
limit_blas_threads()
