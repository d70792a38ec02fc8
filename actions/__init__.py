"""The rasa_sdk action server: thin actions that read the tracker, call one service
in `bot/` and format the reply. Run with `rasa run actions` (see the Makefile)."""

from bot.blas_threads import limit_blas_threads
from bot.logs import install_pii_filter
from bot.settings import get_settings, warn_if_insecure

install_pii_filter()
limit_blas_threads()  # see bot/blas_threads.py
warn_if_insecure(get_settings())
